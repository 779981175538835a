/**
 * Memory references the stack passes around instead of copying bytes: the
 * stack-side helpers over the buffer types of hw/buffers.ts.
 *
 * The stack never owns application or NIC memory: it holds {@link BufRef}s
 * (a slice of some {@link Memory}) and reads through them only when it must
 * (software checksum, or a mode that copies). The hardware model's protected
 * regions implement {@link Memory} with permission checks; tests and the
 * in-memory harness use {@link Bytes}. Received frames are held through
 * {@link SharedRx} reference counts.
 */
import type { BufRef, Memory, RxBuffer } from "../hw/buffers.ts";

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
 * A reference-counted hold on a received frame buffer. The stack creates one
 * per frame (count 1), anything that keeps part of the frame (TCP receive or
 * reassembly queues, an application through new_data) calls `retain()`, and
 * every holder calls `release()` once; the underlying buffer is returned to
 * its pool when the count reaches zero.
 */
export class SharedRx {
  private count = 1;
  /** The buffer held. */
  readonly rx: RxBuffer;
  /** A hold on `rx` with one reference. */
  constructor(rx: RxBuffer) {
    this.rx = rx;
  }
  /** References outstanding. */
  get refs(): number {
    return this.count;
  }
  /** Adds a reference. */
  retain(): void {
    if (this.count <= 0) throw new Error("retain of a released receive buffer");
    this.count++;
  }
  /** Drops a reference; the last one releases the buffer. */
  release(): void {
    if (this.count <= 0) throw new Error("double release of a receive buffer");
    if (--this.count === 0) this.rx.release();
  }
}
