/**
 * Memory references the stack passes around instead of copying bytes.
 *
 * The stack never owns application or NIC memory: it holds {@link BufRef}s
 * (a slice of some {@link Memory}) and reads through them only when it must
 * (software checksum, or a mode that copies). The hardware model's protected
 * regions implement {@link Memory} with permission checks; tests and the
 * in-memory harness use {@link Bytes}.
 */

/** Something bytes can be read from. Implementations may check permissions. */
export interface Memory {
  /** Human-readable name (region name) for errors and reports. */
  readonly name: string;
  /** Size in bytes. */
  readonly size: number;
  /** A read-only view of `len` bytes at `off` (no copy). May throw ProtectionFault. */
  read(off: number, len: number): Uint8Array;
}

/** A slice of memory: `len` bytes at `off` in `mem`. */
export interface BufRef {
  readonly mem: Memory;
  readonly off: number;
  readonly len: number;
}

/** Plain, unchecked memory over a Uint8Array. */
export class Bytes implements Memory {
  readonly size: number = 0;
  readonly data: Uint8Array;
  readonly name: string;
  constructor(data: Uint8Array, name = "bytes") {
    this.data = data;
    this.name = name;
    this.size = data.length;
  }
  read(off: number, len: number): Uint8Array {
    if (off < 0 || len < 0 || off + len > this.size) {
      throw new RangeError(`read of ${len} bytes at ${off} outside ${this.name} (${this.size})`);
    }
    return this.data.subarray(off, off + len);
  }
}

/** A reference to the whole of a byte array. */
export function refOf(data: Uint8Array, name?: string): BufRef {
  return { mem: new Bytes(data, name), off: 0, len: data.length };
}

/** Total length of a list of references. */
export function totalLen(refs: readonly BufRef[]): number {
  let n = 0;
  for (const r of refs) n += r.len;
  return n;
}

/** Copies the referenced bytes into one new array (tests, pcap, non-zero-copy paths). */
export function gather(refs: readonly BufRef[]): Uint8Array {
  const out = new Uint8Array(totalLen(refs));
  let o = 0;
  for (const r of refs) {
    out.set(r.mem.read(r.off, r.len), o);
    o += r.len;
  }
  return out;
}

/**
 * A received frame in a receive buffer. The stack (and, through new_data, the
 * application) hold parts of it; `release` returns the buffer to its pool and
 * must be called exactly once, when nobody references it any more.
 */
export interface RxBuffer {
  readonly ref: BufRef;
  release(): void;
}

/**
 * A frame handed to the NIC for transmission: headers built by the stack in its
 * own memory, followed by payload references gathered by egress DMA. When
 * `l4ChecksumOffload` is set the NIC computes the TCP/UDP checksum: the stack
 * has stored the pseudo-header sum in the checksum field (as real NICs expect)
 * and `csumStart` is the offset of the L4 header within the frame,
 * `csumField` the offset of the checksum field within the frame.
 */
export interface TxFrame {
  readonly header: Uint8Array;
  readonly payload: readonly BufRef[];
  readonly l4ChecksumOffload: boolean;
  readonly csumStart: number;
  readonly csumField: number;
  /** Called once the frame has left (payload may be reused by its owner then). */
  readonly onSent?: () => void;
}

/**
 * A reference-counted hold on a received frame buffer. The stack creates one
 * per frame (count 1), anything that keeps part of the frame (TCP receive or
 * reassembly queues, an application through new_data) calls `retain()`, and
 * every holder calls `release()` once; the underlying buffer is returned to
 * its pool when the count reaches zero.
 */
export class SharedRx {
  private count = 1;
  readonly rx: RxBuffer;
  constructor(rx: RxBuffer) {
    this.rx = rx;
  }
  get refs(): number {
    return this.count;
  }
  retain(): void {
    if (this.count <= 0) throw new Error("retain of a released receive buffer");
    this.count++;
  }
  release(): void {
    if (this.count <= 0) throw new Error("double release of a receive buffer");
    if (--this.count === 0) this.rx.release();
  }
}
