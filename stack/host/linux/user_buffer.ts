/**
 * User-space memory of the Linux model: the two protection domains, the
 * kernel's reads of application memory (copy_from_user) and each thread's
 * user receive buffer, the destination of read()'s copy_to_user.
 */
import { isRegionView, MemoryRegion, regionOf } from "../../../hw/memory.ts";
import type { BufRef } from "../../../hw/buffers.ts";

/** Default per-thread user receive buffer (approximation; reads overflow into fresh memory). */
export const USER_BUFFER_BYTES = 256 * 1024;
/** The kernel's protection domain (receive buffers, kernel copies, user-buffer writes). */
export const KERNEL_DOMAIN = "kernel";
/** The application's protection domain (its transmit memory and user buffers). */
export const APP_DOMAIN = "app";

/** Reads `ref` as the kernel does (copy_from_user): through the kernel's view of a region. */
export function kernelRead(ref: BufRef): Uint8Array {
  const m = ref.mem;
  if (isRegionView(m)) return regionOf(m).view(KERNEL_DOMAIN).read(ref.off, ref.len);
  return m.read(ref.off, ref.len);
}

/** {@link kernelRead} into `dst` at `dstOff` (the same check and counters, no view made). */
export function kernelReadInto(ref: BufRef, dst: Uint8Array, dstOff: number): void {
  const m = ref.mem;
  if (isRegionView(m)) regionOf(m).view(KERNEL_DOMAIN).readInto(ref.off, ref.len, dst, dstOff);
  else dst.set(m.read(ref.off, ref.len), dstOff);
}

/** `ref` as the kernel addresses it (sendfile's page references): through the kernel's view. */
export function kernelRef(ref: BufRef): BufRef {
  const m = ref.mem;
  if (isRegionView(m)) return { mem: regionOf(m).view(KERNEL_DOMAIN), off: ref.off, len: ref.len };
  return ref;
}

/** Freed chunks at the front of a {@link UserBuffer}'s list before it is compacted. */
const COMPACT_AFTER = 256;

/** One chunk of a thread's user buffer: the destination of one read() call. */
interface UserChunk {
  readonly id: number;
  readonly off: number;
  readonly len: number;
  readonly tag: unknown;
  live: boolean;
}

/**
 * A thread's receive buffer in user memory: chunks allocated in ring order,
 * one per read() call, each freed when the application is done with it
 * (its recv_done) or its connection is cleaned up.
 */
export class UserBuffer {
  private region: MemoryRegion | null = null;
  private readonly chunks: UserChunk[] = [];
  private head = 0;
  private readonly byId = new Map<number, UserChunk>();

  constructor(readonly name: string, readonly size: number) {
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(`user buffer ${name}: size must be a positive integer, got ${size}`);
    }
  }

  /** Bytes in live chunks. */
  get used(): number {
    let n = 0;
    for (let i = this.head; i < this.chunks.length; i++) {
      if (this.chunks[i].live) n += this.chunks[i].len;
    }
    return n;
  }

  /** The region (created on first use), writable by the kernel and the application. */
  get memory(): MemoryRegion {
    if (this.region === null) {
      this.region = new MemoryRegion(this.name, this.size)
        .grant(KERNEL_DOMAIN, "read-write")
        .grant(APP_DOMAIN, "read-write");
    }
    return this.region;
  }

  /** Allocates `len` contiguous bytes for chunk `id`; returns the offset or -1 when full. */
  alloc(id: number, len: number, tag: unknown): number {
    if (!(len >= 1) || len > this.size) return -1;
    let off = -1;
    if (this.head === this.chunks.length) {
      off = 0;
    } else {
      const front = this.chunks[this.head].off;
      const last = this.chunks[this.chunks.length - 1];
      const end = last.off + last.len;
      if (last.off >= front) {
        if (end + len <= this.size) off = end;
        else if (len <= front) off = 0;
      } else if (end + len <= front) {
        off = end;
      }
    }
    if (off < 0) return -1;
    const c: UserChunk = { id, off, len, tag, live: true };
    this.chunks.push(c);
    this.byId.set(id, c);
    return off;
  }

  /** Frees chunk `id` (unknown ids are ignored); returns whether it was live. */
  free(id: number): boolean {
    const c = this.byId.get(id);
    if (c === undefined) return false;
    this.byId.delete(id);
    c.live = false;
    while (this.head < this.chunks.length && !this.chunks[this.head].live) this.head++;
    if (this.head === this.chunks.length) {
      this.chunks.length = 0;
      this.head = 0;
    } else if (this.head >= COMPACT_AFTER && this.head * 2 >= this.chunks.length) {
      // Some chunk is always live under many connections: drop the freed
      // prefix now and then, or the array (and every chunk in it) grows forever.
      this.chunks.copyWithin(0, this.head);
      this.chunks.length -= this.head;
      this.head = 0;
    }
    return true;
  }

  /** Frees every live chunk allocated with `tag`. */
  freeTagged(tag: unknown): void {
    const ids: number[] = [];
    for (let i = this.head; i < this.chunks.length; i++) {
      const c = this.chunks[i];
      if (c.live && c.tag === tag) ids.push(c.id);
    }
    for (const id of ids) this.free(id);
  }
}
