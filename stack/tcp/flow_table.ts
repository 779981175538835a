/**
 * The connection demultiplexing table: (local addr, local port, remote addr,
 * remote port) -> value, as an open-addressing hash table over typed arrays.
 * Keys are three uint32 words, so lookups neither build strings nor allocate.
 * Linear probing with backward-shift deletion (no tombstones); the table
 * doubles when half full. Iteration is never needed (the layer keeps its own
 * insertion-ordered list of connections), so hash order cannot leak into
 * behaviour.
 */

/** Starting capacity (slots, a power of two). */
const INITIAL_CAPACITY = 64;
/** Multiplicative hash constants (golden ratio and MurmurHash3 fmix32 constants). */
const H1 = 0x9e3779b1;
const H2 = 0x85ebca6b;
const H3 = 0xc2b2ae35;

function hash(la: number, ra: number, ports: number): number {
  let h = Math.imul(la ^ 0x27d4eb2f, H1);
  h = Math.imul(h ^ ra ^ (h >>> 15), H2);
  h = Math.imul(h ^ ports ^ (h >>> 13), H3);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Packs two ports into one uint32 word. */
export function portsKey(localPort: number, remotePort: number): number {
  return ((localPort << 16) | remotePort) >>> 0;
}

export class FlowTable<T> {
  private cap = INITIAL_CAPACITY;
  private la = new Uint32Array(INITIAL_CAPACITY);
  private ra = new Uint32Array(INITIAL_CAPACITY);
  private pk = new Uint32Array(INITIAL_CAPACITY);
  private vals: (T | undefined)[] = new Array(INITIAL_CAPACITY).fill(undefined);
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(localAddr: number, localPort: number, remoteAddr: number, remotePort: number): T | undefined {
    const ports = portsKey(localPort, remotePort);
    const mask = this.cap - 1;
    let i = hash(localAddr, remoteAddr, ports) & mask;
    for (;;) {
      const v = this.vals[i];
      if (v === undefined) return undefined;
      if (this.pk[i] === ports && this.la[i] === localAddr && this.ra[i] === remoteAddr) return v;
      i = (i + 1) & mask;
    }
  }

  has(localAddr: number, localPort: number, remoteAddr: number, remotePort: number): boolean {
    return this.get(localAddr, localPort, remoteAddr, remotePort) !== undefined;
  }

  /** Inserts a new key; throws if the key is present (a caller bug). */
  insert(
    localAddr: number,
    localPort: number,
    remoteAddr: number,
    remotePort: number,
    value: T,
  ): void {
    if ((this.count + 1) * 2 > this.cap) this.grow();
    const ports = portsKey(localPort, remotePort);
    const mask = this.cap - 1;
    let i = hash(localAddr, remoteAddr, ports) & mask;
    while (this.vals[i] !== undefined) {
      if (this.pk[i] === ports && this.la[i] === localAddr && this.ra[i] === remoteAddr) {
        throw new Error("FlowTable.insert: key already present");
      }
      i = (i + 1) & mask;
    }
    this.la[i] = localAddr >>> 0;
    this.ra[i] = remoteAddr >>> 0;
    this.pk[i] = ports;
    this.vals[i] = value;
    this.count++;
  }

  /** Removes a key; returns whether it was present. */
  remove(localAddr: number, localPort: number, remoteAddr: number, remotePort: number): boolean {
    const ports = portsKey(localPort, remotePort);
    const mask = this.cap - 1;
    let i = hash(localAddr, remoteAddr, ports) & mask;
    for (;;) {
      if (this.vals[i] === undefined) return false;
      if (this.pk[i] === ports && this.la[i] === localAddr && this.ra[i] === remoteAddr) break;
      i = (i + 1) & mask;
    }
    // Backward-shift deletion: move later members of the probe run into the hole.
    let hole = i;
    let j = (i + 1) & mask;
    while (this.vals[j] !== undefined) {
      const home = hash(this.la[j], this.ra[j], this.pk[j]) & mask;
      // Move j into the hole unless its home lies cyclically in (hole, j].
      const between = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!between) {
        this.la[hole] = this.la[j];
        this.ra[hole] = this.ra[j];
        this.pk[hole] = this.pk[j];
        this.vals[hole] = this.vals[j];
        hole = j;
      }
      j = (j + 1) & mask;
    }
    this.vals[hole] = undefined;
    this.count--;
    return true;
  }

  private grow(): void {
    const oldLa = this.la, oldRa = this.ra, oldPk = this.pk, oldVals = this.vals;
    const oldCap = this.cap;
    this.cap = oldCap * 2;
    this.la = new Uint32Array(this.cap);
    this.ra = new Uint32Array(this.cap);
    this.pk = new Uint32Array(this.cap);
    this.vals = new Array(this.cap).fill(undefined);
    const mask = this.cap - 1;
    for (let k = 0; k < oldCap; k++) {
      const v = oldVals[k];
      if (v === undefined) continue;
      let i = hash(oldLa[k], oldRa[k], oldPk[k]) & mask;
      while (this.vals[i] !== undefined) i = (i + 1) & mask;
      this.la[i] = oldLa[k];
      this.ra[i] = oldRa[k];
      this.pk[i] = oldPk[k];
      this.vals[i] = v;
    }
  }
}
