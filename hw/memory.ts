/**
 * Protected memory regions.
 *
 * DLibOS shares only some memory between the NIC, the network stack and the
 * applications, each with its own rights (slides "Shared memory": read/write
 * vs read-only). A {@link MemoryRegion} is a named block of bytes with a
 * {@link Permission} per protection domain ("nic", "stack:0", "app:3", ...;
 * unknown domains have "none"). Simulated software touches a region only
 * through a {@link RegionView} for its domain, which checks every access and
 * counts reads and writes, so tests can prove who touched which bytes.
 *
 * A forbidden or out-of-bounds access throws {@link ProtectionFault}: on real
 * hardware it is a fault that kills the offending process, so it is not
 * "bad input" to be counted and dropped.
 *
 * A view is a capability (see {@link RegionView}): holding one gives exactly
 * its domain's rights and no path to the region, other views or the bytes.
 * `read` returns the bytes without copying (as hw/buffers.ts's Memory
 * requires) to domains that may write them; JavaScript cannot make a
 * Uint8Array read-only, so a read-only domain gets a copy.
 */
import { ByteSlab } from "../core/bytes.ts";
import type { Memory } from "./buffers.ts";

/** What a protection domain may do with a region. */
export type Permission = "none" | "read" | "read-write";
/** An access a domain attempts. */
export type Access = "read" | "write";

const PERMISSIONS: readonly Permission[] = ["none", "read", "read-write"];
/** Copies up to this many bytes go byte by byte (below ~24 bytes cheaper than a subarray view and a set). */
const SMALL_COPY = 16;

/** Thrown when a domain accesses a region its permission does not allow. */
export class ProtectionFault extends Error {
  /** A fault of `domain` doing `access` on `len` bytes at `offset` of `region`. */
  constructor(
    readonly domain: string,
    readonly region: string,
    readonly offset: number,
    readonly access: Access,
    readonly length: number,
    readonly reason: "permission" | "bounds",
  ) {
    super(
      reason === "permission"
        ? `protection fault: domain "${domain}" may not ${access} region "${region}" (offset ${offset}, ${length} bytes)`
        : `protection fault: domain "${domain}" ${access} of ${length} bytes at offset ${offset} is outside region "${region}"`,
    );
    this.name = "ProtectionFault";
  }
}

/** Accesses made through one view. */
export interface AccessCounters {
  /** Read accesses. */
  reads: number;
  /** Bytes read. */
  readBytes: number;
  /** Write accesses. */
  writes: number;
  /** Bytes written. */
  writeBytes: number;
  /** Accesses refused with a ProtectionFault. */
  faults: number;
}

/**
 * A region of memory with a permission per protection domain; domains access it through {@link
 * RegionView}s.
 */
export class MemoryRegion {
  /** Size in bytes. */
  readonly size: number;
  /**
   * The physical bytes. For the machine model's own bookkeeping and test setup
   * only: simulated software must go through {@link view}.
   */
  readonly backing: Uint8Array;
  private readonly perms = new Map<string, Permission>();
  private grants = 0;
  private readonly views = new Map<string, RegionView>();

  /** A region of `sizeOrBytes` bytes (or over the given bytes) with the permissions `perms`. */
  constructor(
    readonly name: string,
    sizeOrBytes: number | Uint8Array,
    perms: Record<string, Permission> = {},
  ) {
    if (typeof sizeOrBytes === "number") {
      if (!Number.isInteger(sizeOrBytes) || sizeOrBytes < 0) {
        throw new RangeError(
          `region ${name}: size must be a non-negative integer, got ${sizeOrBytes}`,
        );
      }
      this.backing = new Uint8Array(sizeOrBytes);
    } else {
      this.backing = sizeOrBytes;
    }
    this.size = this.backing.length;
    for (const d of Object.keys(perms).sort()) this.grant(d, perms[d]);
  }

  /** Sets a domain's permission (replacing any earlier one). */
  grant(domain: string, perm: Permission): this {
    if (!PERMISSIONS.includes(perm)) {
      throw new RangeError(
        `region ${this.name}: unknown permission "${perm}" for domain "${domain}"`,
      );
    }
    this.perms.set(domain, perm);
    this.grants++;
    return this;
  }

  /** Grants made so far: views re-read their permission when it changes. */
  get grantCount(): number {
    return this.grants;
  }

  /** The permission `domain` has (none when not granted). */
  permission(domain: string): Permission {
    return this.perms.get(domain) ?? "none";
  }

  /** The (one, cached) view of this region for `domain`. */
  view(domain: string): RegionView {
    let v = this.views.get(domain);
    if (v === undefined) {
      v = new RegionView(this, domain);
      this.views.set(domain, v);
    }
    return v;
  }

  /** Access counters of a domain (zeros if it never had a view). */
  counters(domain: string): Readonly<AccessCounters> {
    return this.views.get(domain)?.counters ??
      { reads: 0, readBytes: 0, writes: 0, writeBytes: 0, faults: 0 };
  }

  /** Domains that have a view, in the order their views were first made. */
  viewDomains(): string[] {
    return [...this.views.keys()];
  }
}

/** Set in {@link RegionView}'s static block: the region behind a view (see {@link regionOf}). */
let regionOfView: (v: RegionView) => MemoryRegion;
/** Set in {@link RegionView}'s static block: `x` is a genuine view (brand check). */
let isView: (x: unknown) => x is RegionView;

/**
 * One protection domain's access to a region: a capability. Everything that
 * gives access (the region, its bytes, the counters) is in #private fields, so
 * a holder can do exactly what the domain's permission allows and cannot reach
 * the region, its grants, other domains' views or the backing store (JS
 * private fields are enforced at run time, unlike TypeScript `private`). The
 * instance and the class are frozen; views are made only by
 * {@link MemoryRegion.view}. Machine-model code that needs the region behind a
 * view (the NIC's own view of an application's memory) uses the module-level
 * {@link regionOf}, which no view reaches.
 *
 * A domain that may write gets zero-copy `read`s (JavaScript cannot make a
 * Uint8Array read-only, so a read view is as good as a write one); a
 * read-only domain gets a copy, so it cannot change the bytes through what
 * `read` returns.
 */
export class RegionView implements Memory {
  /** The region's name. */
  readonly name: string;
  /** The region's size in bytes. */
  readonly size: number;
  /** The protection domain whose rights this view has. */
  readonly domain: string;

  readonly #region: MemoryRegion;
  readonly #backing: Uint8Array;
  readonly #counters: AccessCounters = {
    reads: 0,
    readBytes: 0,
    writes: 0,
    writeBytes: 0,
    faults: 0,
  };
  readonly #size: number;
  /** This domain's permission as of the region's grant count `#permAt`. */
  #perm: Permission = "none";
  #permAt = -1;
  /** Where a read-only domain's copies are carved from (fresh, unaliased arrays, like slice()). */
  readonly #copies = new ByteSlab();

  static {
    regionOfView = (v) => v.#region;
    isView = (x): x is RegionView => typeof x === "object" && x !== null && #region in x;
  }

  /** @internal use {@link MemoryRegion.view}. */
  constructor(region: MemoryRegion, domain: string) {
    if (!(region instanceof MemoryRegion)) {
      throw new TypeError("RegionView: views are made by MemoryRegion.view()");
    }
    const backing = region.backing;
    this.#region = region;
    this.#backing = backing;
    this.#size = backing.length;
    this.name = region.name;
    this.size = backing.length;
    this.domain = String(domain);
    Object.freeze(this);
  }

  /** True when the domain may read. */
  get canRead(): boolean {
    return this.#permission() !== "none";
  }

  /** True when the domain may write. */
  get canWrite(): boolean {
    return this.#permission() === "read-write";
  }

  /** A copy of this domain's access counters. */
  get counters(): Readonly<AccessCounters> {
    return { ...this.#counters };
  }

  /** The domain's current permission (cached until the region's next grant: no map lookup per access). */
  #permission(): Permission {
    const g = this.#region.grantCount;
    if (this.#permAt !== g) {
      this.#perm = this.#region.permission(this.domain);
      this.#permAt = g;
    }
    return this.#perm;
  }

  /**
   * `len` bytes at `off`: without copying when this domain may write, a copy
   * when it may only read.
   */
  read(off: number, len: number): Uint8Array {
    const perm = this.#check(off, len, "read");
    this.#counters.reads++;
    this.#counters.readBytes += len;
    if (perm === "read-write") return this.#backing.subarray(off, off + len);
    // A copy, as slice() would make, without a backing store of its own.
    const out = this.#copies.alloc(len);
    const src = this.#backing;
    if (len <= SMALL_COPY) { for (let i = 0; i < len; i++) out[i] = src[off + i]; }
    else out.set(src.subarray(off, off + len));
    return out;
  }

  /**
   * Copies `len` bytes at `off` into `dst` at `dstOff`: the same check and
   * counters as {@link read}, without creating a view for a small slice.
   */
  readInto(off: number, len: number, dst: Uint8Array, dstOff: number): void {
    this.#check(off, len, "read");
    this.#counters.reads++;
    this.#counters.readBytes += len;
    const src = this.#backing;
    if (len <= SMALL_COPY) {
      for (let i = 0; i < len; i++) dst[dstOff + i] = src[off + i];
    } else {
      dst.set(src.subarray(off, off + len), dstOff);
    }
  }

  /** One byte. */
  get8(off: number): number {
    this.#check(off, 1, "read");
    this.#counters.reads++;
    this.#counters.readBytes++;
    return this.#backing[off];
  }

  /** Copies `bytes` into the region at `off`. */
  write(off: number, bytes: Uint8Array): void {
    this.#check(off, bytes.length, "write");
    this.#counters.writes++;
    this.#counters.writeBytes += bytes.length;
    this.#backing.set(bytes, off);
  }

  /** Writes one byte. */
  set8(off: number, value: number): void {
    this.#check(off, 1, "write");
    this.#counters.writes++;
    this.#counters.writeBytes++;
    this.#backing[off] = value;
  }

  /** Sets `len` bytes at `off` to `value`. */
  fill(off: number, len: number, value: number): void {
    this.#check(off, len, "write");
    this.#counters.writes++;
    this.#counters.writeBytes += len;
    this.#backing.fill(value, off, off + len);
  }

  /**
   * Throws {@link ProtectionFault} (and counts it) unless the access is in
   * bounds and permitted; returns the domain's permission.
   */
  #check(off: number, len: number, access: Access): Permission {
    const perm = this.#permission();
    if (perm === "none" || (access === "write" && perm !== "read-write")) {
      this.#counters.faults++;
      throw new ProtectionFault(this.domain, this.name, off, access, len, "permission");
    }
    if (
      !Number.isInteger(off) || !Number.isInteger(len) || off < 0 || len < 0 ||
      off + len > this.#size
    ) {
      this.#counters.faults++;
      throw new ProtectionFault(this.domain, this.name, off, access, len, "bounds");
    }
    return perm;
  }
}
Object.freeze(RegionView.prototype);
Object.freeze(RegionView);

/**
 * The region behind a view, for the machine model only (the NIC reading an
 * application's transmit memory through its own view of the same region, the
 * Linux kernel's copy_from_user). Not reachable from the view itself.
 */
export function regionOf(view: RegionView): MemoryRegion {
  return regionOfView(view);
}

/** True when `x` is a view made by {@link MemoryRegion.view} (a brand check: cannot be faked). */
export function isRegionView(x: unknown): x is RegionView {
  return isView(x);
}

/** Shape of a {@link BufferPool}. */
export interface BufferPoolConfig {
  /** Bytes per buffer. */
  readonly bufSize: number;
  /** Number of buffers. */
  readonly count: number;
  /** Offset of the first buffer in the region (default 0). */
  readonly offset?: number;
}

/**
 * Fixed-size buffers carved out of a region, handed out LIFO like the mPIPE's
 * hardware buffer stacks (the most recently freed buffer is reused first,
 * which is also the one most likely to be in cache). Buffers are named by
 * index; `offsetOf(i)` gives the byte offset in the region.
 */
export class BufferPool {
  /** Bytes per buffer. */
  readonly bufSize: number;
  /** Number of buffers. */
  readonly capacity: number;
  /** Offset of the first buffer in the region. */
  readonly offset: number;
  /** alloc() calls that found the pool empty. */
  failures = 0;
  /** Fewest free buffers seen (low-water mark). */
  lowWater: number;
  private readonly stack: Int32Array;
  private top: number;
  private readonly inUse: Uint8Array;

  /** A pool of equal buffers carved out of `region`. */
  constructor(readonly region: MemoryRegion, cfg: BufferPoolConfig) {
    const offset = cfg.offset ?? 0;
    if (!Number.isInteger(cfg.bufSize) || cfg.bufSize < 1) {
      throw new RangeError(`buffer pool: bufSize must be a positive integer, got ${cfg.bufSize}`);
    }
    if (!Number.isInteger(cfg.count) || cfg.count < 0) {
      throw new RangeError(`buffer pool: count must be a non-negative integer, got ${cfg.count}`);
    }
    if (!Number.isInteger(offset) || offset < 0 || offset + cfg.bufSize * cfg.count > region.size) {
      throw new RangeError(
        `buffer pool: ${cfg.count} x ${cfg.bufSize} bytes at ${offset} do not fit region ${region.name} (${region.size} bytes)`,
      );
    }
    this.bufSize = cfg.bufSize;
    this.capacity = cfg.count;
    this.offset = offset;
    this.stack = new Int32Array(cfg.count);
    // Buffer 0 on top of the stack.
    for (let i = 0; i < cfg.count; i++) this.stack[i] = cfg.count - 1 - i;
    this.top = cfg.count;
    this.lowWater = cfg.count;
    this.inUse = new Uint8Array(cfg.count);
  }

  /** Free buffers. */
  get available(): number {
    return this.top;
  }

  /** Takes a buffer: its index, or -1 when the pool is empty. */
  alloc(): number {
    if (this.top === 0) {
      this.failures++;
      return -1;
    }
    const i = this.stack[--this.top];
    this.inUse[i] = 1;
    if (this.top < this.lowWater) this.lowWater = this.top;
    return i;
  }

  /** Returns a buffer; freeing one that is not allocated is a programming error. */
  free(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.capacity) {
      throw new RangeError(`buffer pool ${this.region.name}: no buffer ${index}`);
    }
    if (this.inUse[index] === 0) {
      throw new Error(`buffer pool ${this.region.name}: buffer ${index} freed twice`);
    }
    this.inUse[index] = 0;
    this.stack[this.top++] = index;
  }

  /** True when buffer `index` is allocated. */
  isAllocated(index: number): boolean {
    return this.inUse[index] === 1;
  }

  /** Byte offset of buffer `index` in the region. */
  offsetOf(index: number): number {
    return this.offset + index * this.bufSize;
  }
}
