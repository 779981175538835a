/**
 * Shared memory regions and who may touch them: the live counterpart of the
 * simulation's protected regions (hw/memory.ts), over SharedArrayBuffers.
 *
 * Regions:
 * - `rx-<i>`: network Worker i's receive buffers (fixed-size slots). The
 *   driver Worker writes frames into them; network Worker i and the
 *   application Workers read them (zero copy: `new_data` hands out references).
 * - `tx-<j>`: application Worker j's transmit memory. Application Worker j
 *   writes it; every network Worker reads it (egress gathers the payload).
 *
 * {@link viewsFor} hands each role its views with the permissions of
 * {@link PERMISSIONS}; a write through a read-only view throws
 * {@link RegionFault}. An application Worker is given no view of stack state
 * at all (the stacks' own memory is ordinary Worker-private memory).
 */
import type { WritableMemory } from "../hw/buffers.ts";

/** A write (or out-of-range access) the region's permissions forbid. */
export class RegionFault extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RegionFault";
  }
}

/** One Worker's view of a shared region. */
export class SharedRegion implements WritableMemory {
  readonly size: number;
  readonly bytes: Uint8Array;
  constructor(
    /** Region number in the run's table (the id references carry across rings). */
    readonly id: number,
    readonly name: string,
    buffer: SharedArrayBuffer,
    readonly writable: boolean,
  ) {
    this.bytes = new Uint8Array(buffer);
    this.size = buffer.byteLength;
  }
  read(off: number, len: number): Uint8Array {
    if (off < 0 || len < 0 || off + len > this.size) {
      throw new RegionFault(`read of ${len} bytes at ${off} outside ${this.name} (${this.size})`);
    }
    return this.bytes.subarray(off, off + len);
  }
  write(off: number, data: Uint8Array): void {
    if (!this.writable) throw new RegionFault(`write to ${this.name}: read-only in this Worker`);
    if (off < 0 || off + data.length > this.size) {
      throw new RegionFault(`write of ${data.length} bytes at ${off} outside ${this.name}`);
    }
    this.bytes.set(data, off);
  }
}

/** The run's shared regions: receive slots per network Worker, transmit memory per application Worker. */
export interface RegionTable {
  readonly rx: readonly SharedArrayBuffer[];
  readonly tx: readonly SharedArrayBuffer[];
}

export type Role =
  | { readonly kind: "driver" }
  | { readonly kind: "net"; readonly index: number }
  | { readonly kind: "app"; readonly index: number };

/** Who may do what (r: read, w: write, -: no view). */
export const PERMISSIONS = {
  driver: { ownRx: "-", rx: "w", tx: "-" },
  net: { ownRx: "r", rx: "-", tx: "r" },
  app: { ownRx: "-", rx: "r", tx: "own w, others -" },
} as const;

/** Region id of network Worker i's receive slots. */
export function rxRegionId(i: number): number {
  return i;
}
/** Region id of application Worker j's transmit memory. */
export function txRegionId(table: RegionTable, j: number): number {
  return table.rx.length + j;
}

/**
 * The views `role` gets, indexed by region id (null where it has none).
 * The driver writes every receive region; network Worker i reads its own
 * receive region and every transmit region; application Worker j reads every
 * receive region and writes its own transmit region.
 */
export function viewsFor(role: Role, table: RegionTable): (SharedRegion | null)[] {
  const out: (SharedRegion | null)[] = [];
  table.rx.forEach((buf, i) => {
    const name = `rx-${i}`;
    if (role.kind === "driver") out.push(new SharedRegion(i, name, buf, true));
    else if (role.kind === "net") {
      out.push(role.index === i ? new SharedRegion(i, name, buf, false) : null);
    } else out.push(new SharedRegion(i, name, buf, false));
  });
  table.tx.forEach((buf, j) => {
    const id = txRegionId(table, j), name = `tx-${j}`;
    if (role.kind === "net") out.push(new SharedRegion(id, name, buf, false));
    else if (role.kind === "app" && role.index === j) {
      out.push(new SharedRegion(id, name, buf, true));
    } else out.push(null);
  });
  return out;
}
