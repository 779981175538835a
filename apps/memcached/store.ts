/**
 * Memcached item storage: hash table, per-class LRU lists over a slab
 * allocator, expiry by simulated time, CAS, flush_all, and memcached 1.4's
 * locking.
 *
 * Items live in the app's transmit memory, laid out so that a hit is sent
 * without copying: each chunk holds (after space standing for memcached's item
 * header) the ready-made line "VALUE <key> <flags> <bytes>\r\n" followed by the
 * data and its "\r\n". The chunk is a reference-counted {@link TxBlock}: the
 * table holds one reference while the item is linked, and every send that
 * includes the item holds one until `data_acked`, so an item replaced, deleted
 * or evicted while in flight keeps its bytes until acknowledged. As in
 * memcached, eviction and in-place increments skip items somebody else holds.
 *
 * Locks (taken through the WorkContext, charging the work done while held):
 * - striped item locks, `hv & (count-1)` (memcached item_locks), around every
 *   lookup/store/delete/touch/incr of a key;
 * - the LRU lock (one global, or one per slab class) around list operations;
 * - the slabs lock around chunk allocation and free;
 * - the stats lock around the global item counters (curr_items, bytes, ...).
 * Order: item -> LRU -> slabs -> stats; no path takes an earlier lock while
 * holding a later one, nor two locks of one kind. memcached's trylock of a
 * victim's item lock during eviction is not modelled (the LRU lock is held).
 *
 * Simulated time replaces memcached's one-second clock: expiry instants and
 * flush_all use picoseconds. Instants far in the future (beyond 2^53 ps, about
 * 2.5 hours) are no longer exact integers, which only matters for equality at
 * the picosecond and never for ordering.
 */
import { SEC, type Time } from "../../core/time.ts";
import type { LockLike, WorkContext } from "../../core/work.ts";
import { SlabAllocator, type TxBlock } from "../common/arena.ts";
import type { BufRef, WritableMemory } from "../../hw/buffers.ts";
import { CR, LF, SP, writeAscii, writeDecimal } from "../common/ascii.ts";
import { type AppCosts, chargeApp, chargeCopy } from "../common/costs.ts";
import { MC_ITEM_HEADER_BYTES, MEMCACHED_KEY_MAX, type ResolvedMemcachedConfig } from "./config.ts";
import type { McStats } from "./stats.ts";

/** memcached's REALTIME_MAXDELTA: exptimes up to 30 days are relative seconds. */
export const REALTIME_MAXDELTA = 60 * 60 * 24 * 30;
/** Expiry value meaning "never expires" (memcached's exptime 0). */
export const EXPIRES_NEVER = 0;
/** Expiry value meaning "already expired" (an absolute exptime before start-up). */
export const EXPIRES_PAST = -1;
/** LRU tail entries examined per reclaim or eviction attempt (memcached lru_pull_tail: 5). */
export const LRU_SEARCH_DEPTH = 5;
/** Allocation attempts, each possibly evicting one item (memcached do_item_alloc: 5). */
export const ALLOC_ATTEMPTS = 5;
/** "VALUE " */
const VALUE_PREFIX = "VALUE ";
/** Longest " <flags> <bytes>\r\n" suffix: two 10-digit numbers, two spaces, CRLF. */
const MAX_SUFFIX = 24;

export type StoreMode = "set" | "add" | "replace" | "append" | "prepend" | "cas";
export type StoreResult = "STORED" | "NOT_STORED" | "EXISTS" | "NOT_FOUND";
export type DeltaResult =
  | { readonly kind: "ok"; readonly value: bigint }
  | { readonly kind: "not_found" }
  | { readonly kind: "non_numeric" }
  | { readonly kind: "eom" };

const TWO_64 = 1n << 64n;

/** One stored item. Its bytes are in `block`, starting at `rel`. */
export class McItem {
  /** Position in its class's LRU list (most recent at the head). */
  prev: McItem | null = null;
  next: McItem | null = null;
  linked = false;
  /** Fetched at least once since stored (for *_unfetched stats). */
  fetched = false;
  cas = 0;
  /** Last store or LRU bump (memcached it->time). */
  time: Time = 0;
  private full: BufRef | null = null;
  private head: BufRef | null = null;
  private data: BufRef | null = null;

  constructor(
    readonly key: string,
    readonly hv: number,
    readonly flags: number,
    public expiresAt: Time,
    /** Data length, without the trailing CRLF. */
    readonly nbytes: number,
    /** memcached's ITEM_ntotal: what the item counts against memory. */
    readonly ntotal: number,
    readonly block: TxBlock,
    /** Offset of "VALUE" in the block. */
    readonly rel: number,
    /** Length of "VALUE <key> <flags> <bytes>" (without CRLF). */
    readonly headLen: number,
  ) {}

  get cls(): number {
    return this.block.cls;
  }
  /** Offset of the data in the block. */
  get dataRel(): number {
    return this.rel + this.headLen + 2;
  }
  /** "VALUE <key> <flags> <bytes>\r\n<data>\r\n": a whole `get` hit. */
  get fullRef(): BufRef {
    return this.full ??= this.block.ref(this.rel, this.headLen + 2 + this.nbytes + 2);
  }
  /** "VALUE <key> <flags> <bytes>" (a `gets` hit continues with " <cas>\r\n"). */
  get headRef(): BufRef {
    return this.head ??= this.block.ref(this.rel, this.headLen);
  }
  /** "<data>\r\n". */
  get dataRef(): BufRef {
    return this.data ??= this.block.ref(this.dataRel, this.nbytes + 2);
  }
}

/** Jenkins one-at-a-time hash (public domain) of bytes [s, e). */
export function hashKey(buf: Uint8Array, s: number, e: number): number {
  let h = 0;
  for (let i = s; i < e; i++) {
    h = (h + buf[i]) >>> 0;
    h = (h + (h << 10)) >>> 0;
    h = (h ^ (h >>> 6)) >>> 0;
  }
  h = (h + (h << 3)) >>> 0;
  h = (h ^ (h >>> 11)) >>> 0;
  h = (h + (h << 15)) >>> 0;
  return h;
}

export class McStore {
  readonly slabs: SlabAllocator;
  private readonly table = new Map<string, McItem>();
  private readonly heads: (McItem | null)[];
  private readonly tails: (McItem | null)[];
  private readonly costs: AppCosts;
  private readonly itemLocks: (LockLike | undefined)[];
  private readonly lruLocks: (LockLike | undefined)[];
  private readonly slabsLock: LockLike;
  private readonly statsLock: LockLike;
  private readonly tmp = new Uint8Array(VALUE_PREFIX.length + MEMCACHED_KEY_MAX + MAX_SUFFIX);
  private casCounter = 0;
  /** flush_all state (memcached settings.oldest_live / oldest_cas). */
  private flushSet = false;
  private oldestLive: Time = 0;
  private oldestCas = 0;

  constructor(
    mem: WritableMemory,
    base: number,
    private readonly cfg: ResolvedMemcachedConfig,
    readonly stats: McStats,
  ) {
    this.slabs = new SlabAllocator(mem, {
      base,
      size: cfg.memLimit,
      pageSize: cfg.slabPageSize,
      minChunk: cfg.slabMinChunk,
      growthFactor: cfg.slabGrowthFactor,
    });
    const n = this.slabs.classSizes.length;
    this.heads = new Array(n).fill(null);
    this.tails = new Array(n).fill(null);
    this.costs = cfg.costs;
    this.itemLocks = new Array(cfg.itemLockCount).fill(undefined);
    this.lruLocks = new Array(n).fill(undefined);
    this.slabsLock = cfg.locks(`${cfg.lockPrefix}.slabs`);
    this.statsLock = cfg.locks(`${cfg.lockPrefix}.stats`);
  }

  /** Items in the table (including expired ones not yet reclaimed). */
  get size(): number {
    return this.table.size;
  }

  // ---------------------------------------------------------------- time

  /** memcached realtime(EXPTIME_TO_POSITIVE_TIME(exptime)) in simulated time. */
  exptimeToTime(exptime: number): Time {
    if (exptime < 0) exptime = REALTIME_MAXDELTA + 1;
    if (exptime === 0) return EXPIRES_NEVER;
    if (exptime > REALTIME_MAXDELTA) {
      if (exptime <= this.cfg.unixTimeAtZero) return EXPIRES_PAST;
      return (exptime - this.cfg.unixTimeAtZero) * SEC;
    }
    return this.cfg.now() + exptime * SEC;
  }

  private isDead(it: McItem, now: Time): "expired" | "flushed" | null {
    if (it.expiresAt !== EXPIRES_NEVER && it.expiresAt <= now) return "expired";
    if (this.flushSet && this.oldestLive <= now) {
      if (it.time <= this.oldestLive || (this.oldestCas !== 0 && it.cas < this.oldestCas)) {
        return "flushed";
      }
    }
    return null;
  }

  // --------------------------------------------------------------- locks

  itemLock(hv: number): LockLike {
    const i = hv & (this.itemLocks.length - 1);
    return this.itemLocks[i] ??= this.cfg.locks(`${this.cfg.lockPrefix}.item.${i}`);
  }

  lruLock(cls: number): LockLike {
    const i = this.cfg.lruLock === "global" ? 0 : cls;
    return this.lruLocks[i] ??= this.cfg.locks(
      this.cfg.lruLock === "global"
        ? `${this.cfg.lockPrefix}.lru`
        : `${this.cfg.lockPrefix}.lru.${i}`,
    );
  }

  // ------------------------------------------------------------ internals

  private lruUnlink(it: McItem): void {
    const c = it.cls;
    if (it.prev !== null) it.prev.next = it.next;
    else this.heads[c] = it.next;
    if (it.next !== null) it.next.prev = it.prev;
    else this.tails[c] = it.prev;
    it.prev = it.next = null;
  }

  private lruLinkHead(it: McItem): void {
    const c = it.cls;
    it.prev = null;
    it.next = this.heads[c];
    if (it.next !== null) it.next.prev = it;
    else this.tails[c] = it;
    this.heads[c] = it;
  }

  /** Drops one reference to a block; a free takes the slabs lock. */
  releaseBlock(ctx: WorkContext, block: TxBlock): void {
    if (block.refs === 1) {
      ctx.acquire(this.slabsLock);
      chargeApp(ctx, this.costs.slabOp);
      block.release();
      ctx.release(this.slabsLock);
    } else {
      block.release();
    }
  }

  private statsDelta(ctx: WorkContext, items: number, bytes: number): void {
    ctx.acquire(this.statsLock);
    chargeApp(ctx, this.costs.statsUpdate);
    const s = this.stats;
    s.currItems += items;
    s.bytes += bytes;
    if (items > 0) s.totalItems += items;
    ctx.release(this.statsLock);
  }

  /** Links a new item: table, LRU head, stats, fresh CAS. Caller holds the item lock. */
  private link(ctx: WorkContext, it: McItem): void {
    it.cas = ++this.casCounter;
    it.time = this.cfg.now();
    it.linked = true;
    chargeApp(ctx, this.costs.tableUpdate);
    this.table.set(it.key, it);
    const lru = this.lruLock(it.cls);
    ctx.acquire(lru);
    chargeApp(ctx, this.costs.lruUpdate);
    this.lruLinkHead(it);
    ctx.release(lru);
    this.statsDelta(ctx, 1, it.ntotal);
  }

  /**
   * Unlinks an item and drops the table's reference. The caller holds the
   * item lock, or the LRU lock when `lruHeld` (tail reclaim / eviction).
   */
  private unlink(ctx: WorkContext, it: McItem, lruHeld: boolean): void {
    it.linked = false;
    chargeApp(ctx, this.costs.tableUpdate);
    this.table.delete(it.key);
    if (lruHeld) {
      chargeApp(ctx, this.costs.lruUpdate);
      this.lruUnlink(it);
    } else {
      const lru = this.lruLock(it.cls);
      ctx.acquire(lru);
      chargeApp(ctx, this.costs.lruUpdate);
      this.lruUnlink(it);
      ctx.release(lru);
    }
    this.statsDelta(ctx, -1, -it.ntotal);
    this.releaseBlock(ctx, it.block);
  }

  /** Moves an item to its LRU head if it was not bumped recently (do_item_update). */
  private bump(ctx: WorkContext, it: McItem, now: Time): void {
    if (now - it.time < this.cfg.lruBumpInterval || !it.linked) return;
    it.time = now;
    const lru = this.lruLock(it.cls);
    ctx.acquire(lru);
    chargeApp(ctx, this.costs.lruUpdate * 2);
    this.lruUnlink(it);
    this.lruLinkHead(it);
    ctx.release(lru);
  }

  /** Table lookup that unlinks a dead item (caller holds the item lock). */
  private find(ctx: WorkContext, key: string, now: Time, countGet: boolean): McItem | null {
    chargeApp(ctx, this.costs.tableLookup);
    const it = this.table.get(key);
    if (it === undefined) return null;
    const dead = this.isDead(it, now);
    if (dead === null) return it;
    if (countGet) {
      if (dead === "expired") this.stats.getExpired++;
      else this.stats.getFlushed++;
    }
    this.unlink(ctx, it, false);
    return null;
  }

  // ---------------------------------------------------------- allocation

  /** memcached item_size_ok / ITEM_ntotal for this key and value length. */
  itemTotal(nkey: number, flags: number, nbytes: number): number {
    const suffix = 1 + decimalDigits(flags) + 1 + decimalDigits(nbytes) + 2;
    return MC_ITEM_HEADER_BYTES + nkey + 1 + suffix + nbytes + 2;
  }

  /**
   * Allocates an unlinked item and writes its VALUE line; the caller fills the
   * data (and CRLF) and then stores or discards it. Takes the LRU and slabs
   * locks (memcached do_item_alloc: reclaim expired tail items, allocate,
   * else evict from the tail, up to {@link ALLOC_ATTEMPTS} times).
   */
  allocItem(
    ctx: WorkContext,
    key: string,
    hv: number,
    flags: number,
    expiresAt: Time,
    nbytes: number,
  ): McItem | "too_large" | "oom" {
    const ntotal = this.itemTotal(key.length, flags, nbytes);
    const cls = this.slabs.classFor(ntotal);
    if (cls < 0) return "too_large";
    let block: TxBlock | null = null;
    for (let attempt = 0; attempt < ALLOC_ATTEMPTS && block === null; attempt++) {
      this.pullTail(ctx, cls, false);
      ctx.acquire(this.slabsLock);
      chargeApp(ctx, this.costs.slabOp);
      block = this.slabs.allocClass(cls);
      ctx.release(this.slabsLock);
      if (block === null && !this.pullTail(ctx, cls, true)) break;
    }
    if (block === null) return "oom";
    // Header: "VALUE <key> <flags> <bytes>\r\n", right-aligned so that the
    // chunk's used size equals memcached's ITEM_ntotal.
    const t = this.tmp;
    let p = writeAscii(t, 0, VALUE_PREFIX);
    p = writeAscii(t, p, key);
    t[p++] = SP;
    p = writeDecimal(t, p, flags);
    t[p++] = SP;
    p = writeDecimal(t, p, nbytes);
    const headLen = p;
    t[p++] = CR;
    t[p++] = LF;
    const rel = ntotal - (headLen + 2 + nbytes + 2);
    block.write(rel, t.subarray(0, p));
    chargeApp(ctx, this.costs.itemInit);
    return new McItem(key, hv, flags, expiresAt, nbytes, ntotal, block, rel, headLen);
  }

  /**
   * memcached lru_pull_tail: with the class's LRU lock held, examine up to
   * {@link LRU_SEARCH_DEPTH} items from the tail, skipping items in flight;
   * reclaim the first dead one, or (when `evict`) evict the first live one.
   * Returns whether an item was removed.
   */
  private pullTail(ctx: WorkContext, cls: number, evict: boolean): boolean {
    if (this.tails[cls] === null) return false;
    const now = this.cfg.now();
    const lru = this.lruLock(cls);
    ctx.acquire(lru);
    let removed = false;
    let it: McItem | null = this.tails[cls];
    for (let n = 0; n < LRU_SEARCH_DEPTH && it !== null; n++, it = it.prev) {
      chargeApp(ctx, this.costs.lruTailCheck);
      if (it.block.refs > 1) continue; // busy: somebody is sending it
      const dead = this.isDead(it, now);
      if (dead !== null) {
        this.stats.reclaimed++;
        if (!it.fetched) this.stats.expiredUnfetched++;
        this.unlink(ctx, it, true);
        removed = true;
        break;
      }
      if (evict) {
        this.stats.evictions++;
        if (!it.fetched) this.stats.evictedUnfetched++;
        this.unlink(ctx, it, true);
        removed = true;
        break;
      }
    }
    ctx.release(lru);
    return removed;
  }

  /** Frees an item that was allocated but never linked (bad data chunk, failed store). */
  discard(ctx: WorkContext, it: McItem): void {
    if (it.linked) throw new Error(`discard of linked item "${it.key}"`);
    this.releaseBlock(ctx, it.block);
  }

  /** Writes value bytes `src[s, e)` at data offset `at` of an unlinked item. */
  writeData(it: McItem, at: number, src: Uint8Array, s: number, e: number): void {
    it.block.write(it.dataRel + at, src.subarray(s, e));
  }

  /** The item's data plus its two terminator bytes (read-only view). */
  readData(it: McItem): Uint8Array {
    return it.block.mem.read(it.block.off + it.dataRel, it.nbytes + 2);
  }

  // ---------------------------------------------------------- operations

  /**
   * Looks up a live item for sending. On a hit the item's block is retained
   * for the caller (release it with {@link releaseBlock} once the send is
   * acknowledged). Counts get_expired / get_flushed.
   */
  get(ctx: WorkContext, key: string, hv: number): McItem | null {
    return this.fetch(ctx, key, hv, null);
  }

  /** get-and-touch: like {@link get}, also setting the expiry. */
  getAndTouch(ctx: WorkContext, key: string, hv: number, expiresAt: Time): McItem | null {
    return this.fetch(ctx, key, hv, expiresAt);
  }

  /** The hit path of get and get-and-touch (`expiresAt` null: leave the expiry). */
  private fetch(ctx: WorkContext, key: string, hv: number, expiresAt: Time | null): McItem | null {
    const lock = this.itemLock(hv);
    ctx.acquire(lock);
    const now = this.cfg.now();
    const it = this.find(ctx, key, now, true);
    if (it !== null) {
      this.bump(ctx, it, now);
      it.fetched = true;
      if (expiresAt !== null) it.expiresAt = expiresAt;
      it.block.retain();
    }
    ctx.release(lock);
    return it;
  }

  /**
   * Stores an allocated, filled item (memcached do_store_item). The caller's
   * reference to `it` is consumed: linked into the table, or freed.
   */
  store(ctx: WorkContext, it: McItem, mode: StoreMode, reqCas: bigint): StoreResult {
    const lock = this.itemLock(it.hv);
    ctx.acquire(lock);
    const now = this.cfg.now();
    const old = this.find(ctx, it.key, now, false);
    let result: StoreResult = "NOT_STORED";
    let toLink: McItem | null = null;
    if (old !== null && mode === "add") {
      this.bump(ctx, old, now); // add only adds, but promotes an existing item
    } else if (old === null && (mode === "replace" || mode === "append" || mode === "prepend")) {
      // Nothing to replace.
    } else if (mode === "cas") {
      if (old === null) {
        result = "NOT_FOUND";
        this.stats.casMisses++;
      } else if (BigInt(old.cas) === reqCas) {
        this.stats.casHits++;
        toLink = it;
      } else {
        this.stats.casBadval++;
        result = "EXISTS";
      }
    } else if (old !== null && (mode === "append" || mode === "prepend")) {
      const joined = this.join(ctx, old, it, mode === "append");
      if (joined !== null) toLink = joined;
    } else {
      toLink = it;
    }
    if (toLink !== null) {
      if (old !== null) this.unlink(ctx, old, false);
      this.link(ctx, toLink);
      result = "STORED";
    }
    ctx.release(lock);
    if (toLink !== it) this.discard(ctx, it);
    return result;
  }

  /** A new item holding old+piece (append) or piece+old (prepend); null when out of memory. */
  private join(ctx: WorkContext, old: McItem, piece: McItem, append: boolean): McItem | null {
    const n = old.nbytes + piece.nbytes;
    // Hold the old item while allocating, so that eviction cannot take it
    // (memcached holds a reference from do_item_get).
    old.block.retain();
    const fresh = this.allocItem(ctx, old.key, old.hv, old.flags, old.expiresAt, n);
    old.block.release(); // the table still holds it: never the last reference
    if (typeof fresh === "string") return null;
    const a = append ? old : piece;
    const b = append ? piece : old;
    const da = this.readData(a);
    this.writeData(fresh, 0, da, 0, a.nbytes);
    const db = this.readData(b);
    this.writeData(fresh, a.nbytes, db, 0, b.nbytes + 2); // includes the CRLF
    chargeCopy(ctx, this.costs, n + 2);
    return fresh;
  }

  /** Removes a key (delete); true when it was present and live. */
  delete(ctx: WorkContext, key: string, hv: number): boolean {
    const lock = this.itemLock(hv);
    ctx.acquire(lock);
    const it = this.find(ctx, key, this.cfg.now(), false);
    if (it !== null) this.unlink(ctx, it, false);
    ctx.release(lock);
    return it !== null;
  }

  /** Sets a live item's expiry (touch); true when found. */
  touch(ctx: WorkContext, key: string, hv: number, expiresAt: Time): boolean {
    const lock = this.itemLock(hv);
    ctx.acquire(lock);
    const now = this.cfg.now();
    const it = this.find(ctx, key, now, false);
    if (it !== null) {
      this.bump(ctx, it, now);
      it.expiresAt = expiresAt;
    }
    ctx.release(lock);
    return it !== null;
  }

  /**
   * incr/decr (memcached do_add_delta): the value must parse as an unsigned
   * 64-bit decimal; incr wraps at 2^64, decr stops at 0. The result is written
   * in place (space padded, as memcached does) when it fits and nobody else
   * holds the item, else a new item replaces it.
   */
  delta(
    ctx: WorkContext,
    key: string,
    hv: number,
    incr: boolean,
    amount: bigint,
    parse: (buf: Uint8Array, s: number, e: number) => bigint | null,
  ): DeltaResult {
    const lock = this.itemLock(hv);
    ctx.acquire(lock);
    const now = this.cfg.now();
    const it = this.find(ctx, key, now, false);
    let res: DeltaResult;
    if (it === null) {
      res = { kind: "not_found" };
    } else if (it.nbytes === 0) {
      res = { kind: "non_numeric" };
    } else {
      const data = this.readData(it);
      const cur = parse(data, 0, data.length);
      if (cur === null) {
        res = { kind: "non_numeric" };
      } else {
        const value = incr ? (cur + amount) % TWO_64 : (amount > cur ? 0n : cur - amount);
        // Hold the item like memcached's do_item_get reference: eviction skips it,
        // and "only the table and us" (2 references) allows the in-place write.
        it.block.retain();
        res = this.writeDelta(ctx, it, value, now);
        this.releaseBlock(ctx, it.block);
      }
    }
    ctx.release(lock);
    return res;
  }

  private writeDelta(ctx: WorkContext, it: McItem, value: bigint, now: Time): DeltaResult {
    const digits = value.toString();
    if (digits.length <= it.nbytes && it.block.refs === 2) {
      const t = this.tmp;
      writeAscii(t, 0, digits);
      t.fill(SP, digits.length, it.nbytes);
      it.block.write(it.dataRel, t.subarray(0, it.nbytes));
      it.cas = ++this.casCounter;
      this.bump(ctx, it, now);
      chargeApp(ctx, this.costs.formatPerByte * it.nbytes);
      return { kind: "ok", value };
    }
    const fresh = this.allocItem(ctx, it.key, it.hv, it.flags, it.expiresAt, digits.length);
    if (typeof fresh === "string") return { kind: "eom" };
    const t = this.tmp;
    let p = writeAscii(t, 0, digits);
    t[p++] = CR;
    t[p++] = LF;
    this.writeData(fresh, 0, t, 0, p);
    chargeApp(ctx, this.costs.formatPerByte * p);
    this.unlink(ctx, it, false);
    this.link(ctx, fresh);
    return { kind: "ok", value };
  }

  /**
   * flush_all [delay]: items last stored/bumped before the flush instant are
   * invalid from then on (memcached oldest_live; an immediate flush also
   * invalidates by CAS, oldest_cas). Dead items are reclaimed lazily.
   */
  flushAll(ctx: WorkContext, exptime: number): void {
    chargeApp(ctx, this.costs.statsUpdate);
    const now = this.cfg.now();
    const at = exptime > 0 ? this.exptimeToTime(exptime) : now;
    this.flushSet = true;
    this.oldestLive = (at === EXPIRES_PAST ? 0 : at) - 1;
    if (this.oldestLive <= now) this.oldestCas = ++this.casCounter;
  }

  /** Removes a key whose new value could not be stored (memcached's stale-data rule for set). */
  unlinkKey(ctx: WorkContext, key: string, hv: number): void {
    this.delete(ctx, key, hv);
  }

  /** Walks the LRU of class `cls` from most to least recent (tests, diagnostics). */
  *lru(cls: number): IterableIterator<McItem> {
    for (let it = this.heads[cls]; it !== null; it = it.next) yield it;
  }

  /** The linked item for `key`, ignoring expiry (tests, diagnostics). */
  peek(key: string): McItem | undefined {
    return this.table.get(key);
  }
}

function decimalDigits(n: number): number {
  let d = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    d++;
  }
  return d;
}
