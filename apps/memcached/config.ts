/**
 * Memcached server configuration: defaults (memcached's own where it has one),
 * validation (bad configuration throws a clear error) and the layout of the
 * app's transmit memory.
 *
 * Transmit memory layout, from `memoryBase`:
 *   [static responses: STATIC_REGION_BYTES][response scratch: scratchBytes][items: memLimit]
 */
import { SEC, type Time } from "../../core/time.ts";
import { type AppCosts, resolveAppCosts } from "../common/costs.ts";
import type { WritableMemory } from "../../hw/buffers.ts";
import { type LockFactory, plainLocks } from "../../core/work.ts";

/** memcached's default TCP port. */
export const MEMCACHED_PORT = 11211;
/** memcached's default listen backlog (`-b 1024`). */
export const MEMCACHED_BACKLOG = 1024;
/** memcached's default memory limit (`-m 64`, megabytes). */
export const MEMCACHED_MEM_LIMIT = 64 * 1024 * 1024;
/** memcached's default maximum item size (`-I 1m`); also its slab page size in 1.4. */
export const MEMCACHED_ITEM_SIZE_MAX = 1024 * 1024;
/** sizeof(item) on 64-bit memcached 1.4 with CAS enabled (bytes). */
export const MC_ITEM_HEADER_BYTES = 48;
/** memcached's default minimum item data space (`-n 48`). */
export const MEMCACHED_CHUNK_SIZE = 48;
/** memcached's default worker threads (`-t 4`). */
export const MEMCACHED_THREADS = 4;
/** memcached's ITEM_UPDATE_INTERVAL: an item is bumped in its LRU at most once per minute. */
export const MEMCACHED_LRU_BUMP_INTERVAL: Time = 60 * SEC;
/** memcached's KEY_MAX_LENGTH. */
export const MEMCACHED_KEY_MAX = 250;
/** Longest request line kept without a newline before the connection is dropped (1.6: 2048). */
export const MEMCACHED_MAX_LINE = 2048;
/**
 * Bound on a multiget line (memcached's is unbounded: it reallocs the read
 * buffer). Ours keeps per-connection memory bounded; longer lines close the
 * connection.
 */
export const MEMCACHED_MAX_MULTIGET_LINE = 256 * 1024;
/** Version reported by "version" and "stats" (the 1.4 line the paper ported). */
export const MEMCACHED_VERSION = "1.4.25";
/**
 * Unix time of simulated time 0: 2017-11-21 00:00:00 UTC (the date of the
 * paper's slides). Absolute exptimes are interpreted against it.
 */
export const UNIX_TIME_AT_ZERO = 1511222400;
/** Space reserved for the preallocated constant responses. */
export const STATIC_REGION_BYTES = 4096;
/** Default transmit space for formatted responses (numbers, CAS values, stats). */
export const SCRATCH_BYTES = 1024 * 1024;
/** Page size of the response scratch allocator. */
export const SCRATCH_PAGE_BYTES = 16 * 1024;
/** Smallest scratch chunk; one is taken per event that formats text. */
export const SCRATCH_MIN_CHUNK = 256;
/** Size classes of the scratch allocator double. */
export const SCRATCH_GROWTH = 2;
/** Longest version string accepted (it must fit the static region). */
const MAX_VERSION_LENGTH = 200;

/** How the LRU lock is organised: one global (1.4 before 1.4.24: cache_lock) or one per slab class (1.4.24+: lru_locks[]). */
export type LruLockMode = "global" | "per-class";

export interface MemcachedConfig {
  /** Simulated clock (for expiry, flush_all and stats). */
  readonly now: () => Time;
  readonly port?: number;
  readonly backlog?: number;
  /** The app's transmit memory; a {@link ByteArena} of {@link memcachedMemoryBytes} is made when absent. */
  readonly memory?: WritableMemory;
  /** Where this app's layout starts in `memory`. */
  readonly memoryBase?: number;
  /** Item memory (memcached `-m`). */
  readonly memLimit?: number;
  /** Largest item, header included (memcached `-I`). */
  readonly itemSizeMax?: number;
  /** Slab page size; defaults to itemSizeMax (memcached 1.4); must be >= itemSizeMax. */
  readonly slabPageSize?: number;
  /** Smallest slab chunk; defaults to item header + 48 (memcached `-n 48`). */
  readonly slabMinChunk?: number;
  /** memcached `-f`. */
  readonly slabGrowthFactor?: number;
  /** Transmit memory for formatted responses. */
  readonly scratchBytes?: number;
  /** Worker threads (application cores); sizes the item lock table like memcached. */
  readonly threads?: number;
  /** Number of striped item locks (power of two); default from `threads`. */
  readonly itemLockCount?: number;
  readonly lruLock?: LruLockMode;
  /** Minimum time between LRU bumps of one item (0: every hit bumps). */
  readonly lruBumpInterval?: Time;
  /** Where locks come from; default {@link plainLocks}. */
  readonly locks?: LockFactory;
  /** Lock-name prefix (several servers in one simulation). */
  readonly lockPrefix?: string;
  readonly costs?: Partial<AppCosts>;
  readonly unixTimeAtZero?: number;
  readonly version?: string;
  readonly maxLine?: number;
  readonly maxMultigetLine?: number;
  /** Reported as "STAT pid". */
  readonly pid?: number;
}

export interface ResolvedMemcachedConfig {
  readonly now: () => Time;
  readonly port: number;
  readonly backlog: number;
  readonly memoryBase: number;
  readonly memLimit: number;
  readonly itemSizeMax: number;
  readonly slabPageSize: number;
  readonly slabMinChunk: number;
  readonly slabGrowthFactor: number;
  readonly scratchBytes: number;
  readonly threads: number;
  readonly itemLockCount: number;
  readonly lruLock: LruLockMode;
  readonly lruBumpInterval: Time;
  readonly locks: LockFactory;
  readonly lockPrefix: string;
  readonly costs: AppCosts;
  readonly unixTimeAtZero: number;
  readonly version: string;
  readonly maxLine: number;
  readonly maxMultigetLine: number;
  readonly pid: number;
}

/**
 * memcached's item lock table size (thread.c memcached_thread_init): 2^10
 * locks below 3 threads, 2^11 for 3, 2^12 for 4, 2^13 from 5 ("central locks
 * don't scale much past 5 threads").
 */
export function itemLockCountForThreads(threads: number): number {
  if (threads < 3) return 1 << 10;
  if (threads < 4) return 1 << 11;
  if (threads < 5) return 1 << 12;
  return 1 << 13;
}

function posInt(name: string, v: number, min = 1): number {
  if (!Number.isInteger(v) || v < min) {
    throw new RangeError(`memcached config: ${name} must be an integer >= ${min}, got ${v}`);
  }
  return v;
}

export function resolveMemcachedConfig(cfg: MemcachedConfig): ResolvedMemcachedConfig {
  if (typeof cfg.now !== "function") throw new Error("memcached config: `now` clock is required");
  const itemSizeMax = posInt("itemSizeMax", cfg.itemSizeMax ?? MEMCACHED_ITEM_SIZE_MAX, 1024);
  const slabPageSize = posInt("slabPageSize", cfg.slabPageSize ?? itemSizeMax, itemSizeMax);
  const memLimit = posInt("memLimit", cfg.memLimit ?? MEMCACHED_MEM_LIMIT, slabPageSize);
  const threads = posInt("threads", cfg.threads ?? MEMCACHED_THREADS);
  const itemLockCount = posInt(
    "itemLockCount",
    cfg.itemLockCount ?? itemLockCountForThreads(threads),
  );
  if ((itemLockCount & (itemLockCount - 1)) !== 0) {
    throw new RangeError(
      `memcached config: itemLockCount must be a power of two, got ${itemLockCount}`,
    );
  }
  const version = cfg.version ?? MEMCACHED_VERSION;
  if (version.length > MAX_VERSION_LENGTH || /[^\x21-\x7e]/.test(version)) {
    throw new RangeError(`memcached config: bad version string ${JSON.stringify(version)}`);
  }
  const maxLine = posInt("maxLine", cfg.maxLine ?? MEMCACHED_MAX_LINE, 256);
  const lruBumpInterval = cfg.lruBumpInterval ?? MEMCACHED_LRU_BUMP_INTERVAL;
  if (!(lruBumpInterval >= 0)) {
    throw new RangeError(`memcached config: lruBumpInterval must be >= 0, got ${lruBumpInterval}`);
  }
  const lruLock = cfg.lruLock ?? "global";
  if (lruLock !== "global" && lruLock !== "per-class") {
    throw new RangeError(`memcached config: lruLock must be "global" or "per-class"`);
  }
  const port = posInt("port", cfg.port ?? MEMCACHED_PORT);
  if (port > 65535) throw new RangeError(`memcached config: port ${port} out of range`);
  return {
    now: cfg.now,
    port,
    backlog: posInt("backlog", cfg.backlog ?? MEMCACHED_BACKLOG),
    memoryBase: posInt("memoryBase", cfg.memoryBase ?? 0, 0),
    memLimit,
    itemSizeMax,
    slabPageSize,
    slabMinChunk: posInt(
      "slabMinChunk",
      cfg.slabMinChunk ?? MC_ITEM_HEADER_BYTES + MEMCACHED_CHUNK_SIZE,
      MC_ITEM_HEADER_BYTES + 1,
    ),
    slabGrowthFactor: cfg.slabGrowthFactor ?? 1.25,
    scratchBytes: posInt("scratchBytes", cfg.scratchBytes ?? SCRATCH_BYTES, SCRATCH_PAGE_BYTES),
    threads,
    itemLockCount,
    lruLock,
    lruBumpInterval,
    locks: cfg.locks ?? plainLocks(),
    lockPrefix: cfg.lockPrefix ?? "mc",
    costs: resolveAppCosts(cfg.costs),
    unixTimeAtZero: posInt("unixTimeAtZero", cfg.unixTimeAtZero ?? UNIX_TIME_AT_ZERO, 0),
    version,
    maxLine,
    maxMultigetLine: posInt(
      "maxMultigetLine",
      cfg.maxMultigetLine ?? MEMCACHED_MAX_MULTIGET_LINE,
      maxLine,
    ),
    pid: posInt("pid", cfg.pid ?? 1, 0),
  };
}

/** Bytes of transmit memory the server needs (from `memoryBase`). */
export function memcachedMemoryBytes(cfg: ResolvedMemcachedConfig): number {
  return STATIC_REGION_BYTES + cfg.scratchBytes + cfg.memLimit;
}
