/**
 * The application's transmit memory and allocators over it.
 *
 * Everything an application sends lives in its own writable memory and is
 * handed to the stack as {@link BufRef}s (zero copy): the stack reads it only
 * when the NIC gathers the frame, so the application must neither modify nor
 * free it until the matching `data_acked` arrives.
 *
 * - {@link WritableMemory}: memory the app can write (the machine model's
 *   protected region views implement it; {@link ByteArena} is the plain one).
 * - {@link BumpAllocator}: carve-once space for data that never goes away
 *   (preallocated responses, preloaded files).
 * - {@link SlabAllocator}: memcached-style size classes over fixed-size pages,
 *   handing out reference-counted {@link TxBlock}s; a block returns to its
 *   class's free list only when its last reference is released, so data in
 *   flight survives being replaced, evicted or deleted.
 *
 * All allocators are deterministic (free lists are LIFO stacks, pages are
 * carved in address order) and bounded: running out is reported as `null`.
 */
import type { BufRef, Memory, WritableMemory } from "../../hw/buffers.ts";

/** Plain writable memory over a Uint8Array (tests, and apps run without a machine model). */
export class ByteArena implements WritableMemory {
  readonly data: Uint8Array;
  readonly size: number;
  constructor(size: number, readonly name = "app-tx") {
    if (!Number.isInteger(size) || size < 0) {
      throw new RangeError(`ByteArena size must be a non-negative integer, got ${size}`);
    }
    this.data = new Uint8Array(size);
    this.size = size;
  }
  read(off: number, len: number): Uint8Array {
    this.check(off, len, "read");
    return this.data.subarray(off, off + len);
  }
  write(off: number, bytes: Uint8Array): void {
    this.check(off, bytes.length, "write");
    this.data.set(bytes, off);
  }
  private check(off: number, len: number, what: string): void {
    if (off < 0 || len < 0 || off + len > this.size) {
      throw new RangeError(`${what} of ${len} bytes at ${off} outside ${this.name} (${this.size})`);
    }
  }
}

/**
 * An app's transmit memory: `given`, or a new {@link ByteArena} of `base + need`
 * bytes named `${app}-tx`. Throws unless it holds `[base, base + need)`;
 * `parts` says what `need` is made of.
 */
export function appMemory(
  app: string,
  given: WritableMemory | undefined,
  base: number,
  need: number,
  parts = "",
): WritableMemory {
  const mem = given ?? new ByteArena(base + need, `${app}-tx`);
  if (base + need > mem.size) {
    throw new RangeError(
      `${app}: transmit memory ${mem.name} has ${mem.size} bytes, needs ${base + need}` +
        (parts === "" ? "" : ` (${parts})`),
    );
  }
  return mem;
}

function checkRange(mem: Memory, base: number, size: number, who: string): void {
  if (!Number.isInteger(base) || !Number.isInteger(size) || base < 0 || size < 0) {
    throw new RangeError(`${who}: base and size must be non-negative integers (${base}, ${size})`);
  }
  if (base + size > mem.size) {
    throw new RangeError(
      `${who}: range [${base}, ${base + size}) exceeds ${mem.name} (${mem.size} bytes)`,
    );
  }
}

/**
 * Allocates consecutive ranges of `[base, base+size)` that are never freed.
 * Used for data that lives as long as the application.
 */
export class BumpAllocator {
  private next: number;
  private readonly end: number;
  constructor(readonly mem: WritableMemory, readonly base: number, readonly size: number) {
    checkRange(mem, base, size, "BumpAllocator");
    this.next = base;
    this.end = base + size;
  }
  /** Bytes handed out so far. */
  get used(): number {
    return this.next - this.base;
  }
  get remaining(): number {
    return this.end - this.next;
  }
  /** Reserves `len` bytes; null when the range is exhausted. */
  alloc(len: number): BufRef | null {
    if (!Number.isInteger(len) || len < 0) throw new RangeError(`bad allocation size ${len}`);
    if (len > this.end - this.next) return null;
    const ref: BufRef = { mem: this.mem, off: this.next, len };
    this.next += len;
    return ref;
  }
  /** Copies `bytes` into a fresh range; null when the range is exhausted. */
  put(bytes: Uint8Array): BufRef | null {
    const ref = this.alloc(bytes.length);
    if (ref !== null && bytes.length > 0) this.mem.write(ref.off, bytes);
    return ref;
  }
}

/**
 * A reference-counted chunk of a {@link SlabAllocator}. The allocation itself is
 * the first reference; every holder that must keep the bytes alive (an item in
 * a table, a send waiting for `data_acked`) holds one more. The chunk goes back
 * to its size class when the count reaches zero.
 */
export class TxBlock {
  private count = 1;
  constructor(
    /** The allocator the chunk returns to. */
    readonly owner: SlabAllocator,
    readonly mem: WritableMemory,
    /** Absolute offset of the chunk in `mem`. */
    readonly off: number,
    /** Chunk size (capacity) in bytes. */
    readonly size: number,
    /** Size class index. */
    readonly cls: number,
  ) {}
  /** Current number of references (0 once freed). */
  get refs(): number {
    return this.count;
  }
  retain(): void {
    if (this.count <= 0) {
      throw new Error(`retain of freed block at ${this.off} in ${this.mem.name}`);
    }
    this.count++;
  }
  release(): void {
    if (this.count <= 0) {
      throw new Error(`double release of block at ${this.off} in ${this.mem.name}`);
    }
    if (--this.count === 0) this.owner.free(this);
  }
  /** A reference to `len` bytes at `rel` within the chunk. */
  ref(rel: number, len: number): BufRef {
    if (rel < 0 || len < 0 || rel + len > this.size) {
      throw new RangeError(`ref [${rel}, ${rel + len}) outside block of ${this.size} bytes`);
    }
    return { mem: this.mem, off: this.off + rel, len };
  }
  /** Writes `bytes` at `rel` within the chunk. */
  write(rel: number, bytes: Uint8Array): void {
    if (rel < 0 || rel + bytes.length > this.size) {
      throw new RangeError(`write [${rel}, ${rel + bytes.length}) outside block of ${this.size}`);
    }
    this.mem.write(this.off + rel, bytes);
  }
}

/** memcached's default growth factor between size classes (`-f 1.25`). */
export const SLAB_DEFAULT_GROWTH = 1.25;
/** memcached aligns chunk sizes to 8 bytes (CHUNK_ALIGN_BYTES). */
export const SLAB_ALIGN = 8;
/** memcached 1.4 allows at most 63 usable classes (MAX_NUMBER_OF_SLAB_CLASSES 64, id 0 unused). */
export const SLAB_MAX_CLASSES = 63;

export interface SlabConfig {
  /** First byte of the range managed. */
  readonly base: number;
  /** Bytes managed; whole pages only (the remainder is unused). */
  readonly size: number;
  /** Page size: the unit handed to a size class; also the largest chunk. */
  readonly pageSize: number;
  /** Smallest chunk size (rounded up to {@link SLAB_ALIGN}). */
  readonly minChunk: number;
  /** Ratio between consecutive chunk sizes (> 1). */
  readonly growthFactor?: number;
}

function alignUp(n: number): number {
  return Math.ceil(n / SLAB_ALIGN) * SLAB_ALIGN;
}

/**
 * A memcached-1.4-style slab allocator: chunk sizes grow by `growthFactor`
 * from `minChunk` up to `pageSize`; a class with no free chunk takes a whole
 * new page (while unassigned pages remain) and carves it into chunks. Pages
 * never move between classes (no slab rebalancing).
 */
export class SlabAllocator {
  /** Chunk size of each class, ascending. */
  readonly classSizes: readonly number[];
  readonly pageSize: number;
  readonly totalPages: number;
  private pagesUsed = 0;
  private readonly freeLists: number[][];
  private readonly pagesPerClass: number[];
  private readonly inUse: number[];
  private readonly base: number;

  constructor(readonly mem: WritableMemory, cfg: SlabConfig) {
    checkRange(mem, cfg.base, cfg.size, "SlabAllocator");
    const factor = cfg.growthFactor ?? SLAB_DEFAULT_GROWTH;
    if (!(factor > 1)) throw new RangeError(`slab growth factor must be > 1, got ${factor}`);
    if (!Number.isInteger(cfg.pageSize) || cfg.pageSize < SLAB_ALIGN) {
      throw new RangeError(
        `slab page size must be an integer >= ${SLAB_ALIGN}, got ${cfg.pageSize}`,
      );
    }
    if (!(cfg.minChunk > 0) || alignUp(cfg.minChunk) > cfg.pageSize) {
      throw new RangeError(`slab min chunk must be in (0, pageSize], got ${cfg.minChunk}`);
    }
    // Same construction as memcached's slabs_init: grow while size <= max / factor,
    // then one final class of exactly the page size.
    const sizes: number[] = [];
    let size = alignUp(cfg.minChunk);
    while (sizes.length < SLAB_MAX_CLASSES - 1 && size <= cfg.pageSize / factor) {
      sizes.push(size);
      size = alignUp(size * factor);
    }
    sizes.push(cfg.pageSize);
    this.classSizes = sizes;
    this.pageSize = cfg.pageSize;
    this.base = cfg.base;
    this.totalPages = Math.floor(cfg.size / cfg.pageSize);
    this.freeLists = sizes.map(() => []);
    this.pagesPerClass = sizes.map(() => 0);
    this.inUse = sizes.map(() => 0);
  }

  /** The smallest class whose chunks hold `n` bytes, or -1 when `n` is too large. */
  classFor(n: number): number {
    const sizes = this.classSizes;
    if (n > sizes[sizes.length - 1]) return -1;
    // Binary search for the first size >= n.
    let lo = 0;
    let hi = sizes.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sizes[mid] >= n) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Largest allocation possible. */
  get maxChunk(): number {
    return this.classSizes[this.classSizes.length - 1];
  }

  /** Allocates a chunk of class `cls`; null when the class is full and no page is left. */
  allocClass(cls: number): TxBlock | null {
    const list = this.freeLists[cls];
    if (list === undefined) throw new RangeError(`no slab class ${cls}`);
    if (list.length === 0 && !this.grow(cls)) return null;
    const off = list.pop()!;
    this.inUse[cls]++;
    return new TxBlock(this, this.mem, off, this.classSizes[cls], cls);
  }

  /** Allocates a chunk holding `n` bytes; null when too large or out of memory. */
  alloc(n: number): TxBlock | null {
    const cls = this.classFor(n);
    return cls < 0 ? null : this.allocClass(cls);
  }

  /** @internal called by {@link TxBlock.release} when the last reference goes. */
  free(block: TxBlock): void {
    this.inUse[block.cls]--;
    this.freeLists[block.cls].push(block.off);
  }

  /** Chunks of class `cls` currently allocated. */
  chunksInUse(cls: number): number {
    return this.inUse[cls];
  }
  /** Free chunks already carved for class `cls`. */
  chunksFree(cls: number): number {
    return this.freeLists[cls].length;
  }
  /** Pages assigned to class `cls`. */
  pages(cls: number): number {
    return this.pagesPerClass[cls];
  }
  /** Pages assigned to any class. */
  get pagesAssigned(): number {
    return this.pagesUsed;
  }
  /** Chunks allocated over all classes. */
  get totalInUse(): number {
    let n = 0;
    for (const c of this.inUse) n += c;
    return n;
  }

  private grow(cls: number): boolean {
    if (this.pagesUsed >= this.totalPages) return false;
    const page = this.base + this.pagesUsed * this.pageSize;
    this.pagesUsed++;
    this.pagesPerClass[cls]++;
    const chunk = this.classSizes[cls];
    const n = Math.floor(this.pageSize / chunk);
    const list = this.freeLists[cls];
    // Pushed from the top so that pops hand chunks out in address order.
    for (let i = n - 1; i >= 0; i--) list.push(page + i * chunk);
    return true;
  }
}
