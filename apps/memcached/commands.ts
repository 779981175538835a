/**
 * memcached text-protocol commands (proto_text.c process_command_ascii and
 * friends): argument checks, error texts and replies byte-exact with
 * memcached, executed against the {@link McStore}.
 *
 * Supported: get, gets, gat, gats, bget, set, add, replace, append, prepend,
 * cas, incr, decr, delete, touch, flush_all, version, verbosity, quit,
 * stats (general, reset, settings, items, slabs, detail), shutdown (disabled,
 * as by default). Meta commands (mg, ms, ...) and the rest of memcached's
 * admin commands answer "ERROR", as memcached 1.4 does. A line whose last
 * token starts with "HTTP/" closes the connection (memcached 1.6).
 */
import { SEC } from "../../core/time.ts";
import type { WorkContext } from "../../core/work.ts";
import {
  ascii,
  bytesEqual,
  CR,
  latin1,
  LF,
  SP,
  startsWith,
  writeDecimal,
} from "../common/ascii.ts";
import { type AppCosts, chargeApp, chargeCopy } from "../common/costs.ts";
import type { ResolvedMemcachedConfig } from "./config.ts";
import { MC_ITEM_HEADER_BYTES, MEMCACHED_KEY_MAX } from "./config.ts";
import { NumberParser } from "./numbers.ts";
import type { McReply, McResponses } from "./responses.ts";
import { type McHandler, type McSession, MODE_SWALLOW, MODE_VALUE } from "./session.ts";
import type { McStats } from "./stats.ts";
import { generalStats, renderStats } from "./stats.ts";
import { hashKey, type McStore, type StoreMode } from "./store.ts";
import { cStringEnd, tokenize, Tokens } from "./tokenize.ts";

const INT_MAX = 2147483647;

const W = {
  get: ascii("get"),
  gets: ascii("gets"),
  gat: ascii("gat"),
  gats: ascii("gats"),
  bget: ascii("bget"),
  set: ascii("set"),
  add: ascii("add"),
  append: ascii("append"),
  prepend: ascii("prepend"),
  replace: ascii("replace"),
  cas: ascii("cas"),
  incr: ascii("incr"),
  decr: ascii("decr"),
  delete: ascii("delete"),
  touch: ascii("touch"),
  stats: ascii("stats"),
  shutdown: ascii("shutdown"),
  flush_all: ascii("flush_all"),
  version: ascii("version"),
  quit: ascii("quit"),
  verbosity: ascii("verbosity"),
  noreply: ascii("noreply"),
  zero: ascii("0"),
  reset: ascii("reset"),
  settings: ascii("settings"),
  detail: ascii("detail"),
  on: ascii("on"),
  off: ascii("off"),
  dump: ascii("dump"),
  items: ascii("items"),
  slabs: ascii("slabs"),
  http: ascii("HTTP/"),
} as const;

/** Longest formatted piece per key: " " + 20-digit CAS + CRLF. */
const FMT_BYTES = 32;

export class McCommands implements McHandler {
  private readonly t = new Tokens();
  private readonly num = new NumberParser();
  private readonly fmt = new Uint8Array(FMT_BYTES);
  private readonly costs: AppCosts;
  private readonly u64 = (buf: Uint8Array, s: number, e: number) => this.num.u64(buf, s, e);

  constructor(
    private readonly cfg: ResolvedMemcachedConfig,
    private readonly store: McStore,
    private readonly stats: McStats,
    private readonly replies: McResponses,
  ) {
    this.costs = cfg.costs;
  }

  // ------------------------------------------------------------ helpers

  private out(sess: McSession, r: McReply): void {
    if (!sess.noreply) sess.outbox.add(this.replies.get(r));
  }

  /** memcached set_noreply_maybe: the last real token is "noreply". */
  private noreplyMaybe(sess: McSession, buf: Uint8Array): boolean {
    const t = this.t;
    const i = t.count - 2;
    if (bytesEqual(buf, t.start[i], t.end[i], W.noreply)) sess.noreply = true;
    return sess.noreply;
  }

  private is(buf: Uint8Array, i: number, w: Uint8Array): boolean {
    return bytesEqual(buf, this.t.start[i], this.t.end[i], w);
  }

  private hashCost(nkey: number): number {
    return this.costs.hashBase + this.costs.hashPerKeyByte * nkey;
  }

  private formatted(ctx: WorkContext, sess: McSession, text: string, oom: McReply): void {
    if (sess.noreply) return;
    const bytes = ascii(text);
    if (!sess.outbox.text(ctx, bytes, bytes.length)) this.out(sess, oom);
  }

  // ------------------------------------------------------------- framing

  valueBytes(ctx: WorkContext, sess: McSession, buf: Uint8Array, s: number, e: number): void {
    this.store.writeData(sess.item!, sess.valueAt, buf, s, e);
    chargeCopy(ctx, this.costs, e - s);
  }

  valueDone(ctx: WorkContext, sess: McSession): void {
    const it = sess.item!;
    sess.item = null;
    this.stats.cmdSet++;
    chargeApp(ctx, this.costs.threadStats);
    const data = this.store.readData(it);
    if (data[it.nbytes] !== CR || data[it.nbytes + 1] !== LF) {
      this.store.discard(ctx, it);
      this.out(sess, "BAD_DATA_CHUNK");
    } else {
      this.out(sess, this.store.store(ctx, it, sess.storeMode, sess.reqCas));
    }
    sess.noreply = false;
  }

  line(ctx: WorkContext, sess: McSession, buf: Uint8Array, s: number, e: number): void {
    // memcached strips a CR before the LF only when the line has more than one byte.
    if (e - s > 1 && buf[e - 1] === CR) e--;
    chargeApp(ctx, this.costs.commandBase);
    e = cStringEnd(buf, s, e);
    const t = this.t;
    const nt = tokenize(buf, s, e, t);
    sess.noreply = false;
    this.dispatch(ctx, sess, buf, nt);
    if (sess.mode !== MODE_VALUE) sess.noreply = false;
  }

  private dispatch(ctx: WorkContext, sess: McSession, buf: Uint8Array, nt: number): void {
    const t = this.t;
    if (nt < 2 || t.len(0) < 2) return this.out(sess, "ERROR");
    const first = buf[t.start[0]];
    if (first === 0x6d /* m */ && t.len(0) === 2) return this.out(sess, "ERROR"); // meta: unsupported
    if (first === 0x67 /* g */) {
      if (nt < 3) return this.out(sess, "ERROR");
      if (this.is(buf, 0, W.get)) return this.get(ctx, sess, buf, false, false);
      if (this.is(buf, 0, W.gets)) return this.get(ctx, sess, buf, true, false);
      if (this.is(buf, 0, W.gat)) return this.get(ctx, sess, buf, false, true);
      if (this.is(buf, 0, W.gats)) return this.get(ctx, sess, buf, true, true);
      return this.out(sess, "ERROR");
    }
    if (first === 0x73 /* s */) {
      if (this.is(buf, 0, W.set)) return this.update(ctx, sess, buf, nt, "set");
      if (this.is(buf, 0, W.stats)) return this.statsCmd(ctx, sess, buf, nt);
      if (this.is(buf, 0, W.shutdown)) return this.out(sess, "SHUTDOWN_DISABLED");
      return this.out(sess, "ERROR");
    }
    if (first === 0x61 /* a */) {
      if (this.is(buf, 0, W.add)) return this.update(ctx, sess, buf, nt, "add");
      if (this.is(buf, 0, W.append)) return this.update(ctx, sess, buf, nt, "append");
      return this.out(sess, "ERROR");
    }
    if (first === 0x63 /* c */) {
      if (this.is(buf, 0, W.cas)) return this.update(ctx, sess, buf, nt, "cas");
      return this.out(sess, "ERROR");
    }
    if (first === 0x69 /* i */) {
      if (this.is(buf, 0, W.incr)) {
        if (nt !== 4 && nt !== 5) return this.out(sess, "ERROR");
        return this.delta(ctx, sess, buf, true);
      }
      return this.out(sess, "ERROR");
    }
    if (first === 0x64 /* d */) {
      if (this.is(buf, 0, W.delete)) {
        if (nt < 3 || nt > 5) return this.out(sess, "ERROR");
        return this.del(ctx, sess, buf, nt);
      }
      if (this.is(buf, 0, W.decr)) {
        if (nt !== 4 && nt !== 5) return this.out(sess, "ERROR");
        return this.delta(ctx, sess, buf, false);
      }
      return this.out(sess, "ERROR");
    }
    if (first === 0x74 /* t */) {
      if (this.is(buf, 0, W.touch)) {
        if (nt !== 4 && nt !== 5) return this.out(sess, "ERROR");
        return this.touch(ctx, sess, buf);
      }
      return this.out(sess, "ERROR");
    }
    if (this.is(buf, 0, W.replace)) return this.update(ctx, sess, buf, nt, "replace");
    if (this.is(buf, 0, W.prepend)) return this.update(ctx, sess, buf, nt, "prepend");
    if (this.is(buf, 0, W.bget)) {
      if (nt < 3) return this.out(sess, "ERROR");
      return this.get(ctx, sess, buf, false, false);
    }
    if (this.is(buf, 0, W.flush_all)) {
      if (nt < 2 || nt > 4) return this.out(sess, "ERROR");
      return this.flushAll(ctx, sess, buf, nt);
    }
    if (this.is(buf, 0, W.version)) return sess.outbox.add(this.replies.version);
    if (this.is(buf, 0, W.quit)) {
      sess.closing = true;
      return;
    }
    if (this.is(buf, 0, W.verbosity)) {
      if (nt !== 3 && nt !== 4) return this.out(sess, "ERROR");
      this.noreplyMaybe(sess, buf);
      if (this.num.u32(buf, t.start[1], t.end[1]) === null) return this.out(sess, "BAD_FORMAT");
      return this.out(sess, "OK");
    }
    // Unknown command. memcached 1.6 drops HTTP clients without a reply.
    if (startsWith(buf, t.start[nt - 2], t.end[nt - 2], W.http)) {
      sess.closing = true;
      return;
    }
    this.out(sess, "ERROR");
  }

  // ---------------------------------------------------------- retrieval

  private get(
    ctx: WorkContext,
    sess: McSession,
    buf: Uint8Array,
    returnCas: boolean,
    touch: boolean,
  ): void {
    const t = this.t;
    const ob = sess.outbox;
    const stats = this.stats;
    let first = 1;
    let expiresAt = 0;
    if (touch) {
      const exptime = this.num.i32(buf, t.start[1], t.end[1]);
      if (exptime === null) return this.out(sess, "BAD_EXPTIME");
      expiresAt = this.store.exptimeToTime(exptime);
      first = 2;
    }
    const refsMark = ob.markRefs();
    const holdsMark = ob.markHolds();
    let fail: McReply | null = null;
    outer: for (;;) {
      for (let i = first; i < t.count - 1; i++) {
        const ks = t.start[i];
        const ke = t.end[i];
        if (ke - ks > MEMCACHED_KEY_MAX) {
          fail = "BAD_FORMAT";
          break outer;
        }
        chargeApp(ctx, this.hashCost(ke - ks) + this.costs.threadStats);
        const key = latin1(buf, ks, ke);
        const hv = hashKey(buf, ks, ke);
        const it = touch
          ? this.store.getAndTouch(ctx, key, hv, expiresAt)
          : this.store.get(ctx, key, hv);
        if (touch) stats.cmdTouch++;
        else stats.cmdGet++;
        if (it === null) {
          if (touch) stats.touchMisses++;
          else stats.getMisses++;
          continue;
        }
        if (touch) stats.touchHits++;
        else stats.getHits++;
        ob.hold(it.block);
        if (returnCas) {
          ob.add(it.headRef);
          const f = this.fmt;
          f[0] = SP;
          let p = writeDecimal(f, 1, it.cas);
          f[p++] = CR;
          f[p++] = LF;
          if (!ob.text(ctx, f, p)) {
            fail = "OOM_GET";
            break outer;
          }
          ob.add(it.dataRef);
        } else {
          ob.add(it.fullRef);
        }
      }
      if (t.rest < 0) break;
      tokenize(buf, t.rest, t.lineEnd, t);
      first = 0;
    }
    if (fail !== null) {
      ob.rollback(ctx, refsMark, holdsMark);
      return this.out(sess, fail);
    }
    ob.add(this.replies.get("END"));
  }

  // ------------------------------------------------------------ storage

  private update(
    ctx: WorkContext,
    sess: McSession,
    buf: Uint8Array,
    nt: number,
    mode: StoreMode,
  ): void {
    const handleCas = mode === "cas";
    if (handleCas ? nt !== 7 && nt !== 8 : nt !== 6 && nt !== 7) return this.out(sess, "ERROR");
    const t = this.t;
    this.noreplyMaybe(sess, buf);
    const ks = t.start[1];
    const ke = t.end[1];
    if (ke - ks > MEMCACHED_KEY_MAX) return this.out(sess, "BAD_FORMAT");
    const flags = this.num.u32(buf, t.start[2], t.end[2]);
    const exptime = flags === null ? null : this.num.i32(buf, t.start[3], t.end[3]);
    const vlen = exptime === null ? null : this.num.i32(buf, t.start[4], t.end[4]);
    if (flags === null || exptime === null || vlen === null) return this.out(sess, "BAD_FORMAT");
    let reqCas = 0n;
    if (handleCas) {
      const c = this.num.u64(buf, t.start[5], t.end[5]);
      if (c === null) return this.out(sess, "BAD_FORMAT");
      reqCas = c;
    }
    if (vlen < 0 || vlen > INT_MAX - 2) return this.out(sess, "BAD_FORMAT");
    chargeApp(ctx, this.hashCost(ke - ks));
    const key = latin1(buf, ks, ke);
    const hv = hashKey(buf, ks, ke);
    const expiresAt = this.store.exptimeToTime(exptime);
    const it = this.store.allocItem(ctx, key, hv, flags, expiresAt, vlen);
    if (typeof it === "string") {
      if (it === "too_large") {
        this.out(sess, "TOO_LARGE");
        this.stats.storeTooLarge++;
      } else {
        this.out(sess, "OOM_STORE");
        this.stats.storeNoMemory++;
      }
      // Swallow the value; for set, drop the stale old value (memcached does).
      sess.mode = MODE_SWALLOW;
      sess.swallow = vlen + 2;
      if (mode === "set") this.store.unlinkKey(ctx, key, hv);
      return;
    }
    sess.item = it;
    sess.valueAt = 0;
    sess.valueNeed = vlen + 2;
    sess.storeMode = mode;
    sess.reqCas = reqCas;
    sess.mode = MODE_VALUE;
  }

  private delta(ctx: WorkContext, sess: McSession, buf: Uint8Array, incr: boolean): void {
    const t = this.t;
    this.noreplyMaybe(sess, buf);
    const ks = t.start[1];
    const ke = t.end[1];
    if (ke - ks > MEMCACHED_KEY_MAX) return this.out(sess, "BAD_FORMAT");
    const amount = this.num.u64(buf, t.start[2], t.end[2]);
    if (amount === null) return this.out(sess, "BAD_DELTA");
    chargeApp(ctx, this.hashCost(ke - ks) + this.costs.threadStats);
    const r = this.store.delta(
      ctx,
      latin1(buf, ks, ke),
      hashKey(buf, ks, ke),
      incr,
      amount,
      this.u64,
    );
    const s = this.stats;
    switch (r.kind) {
      case "ok":
        if (incr) s.incrHits++;
        else s.decrHits++;
        return this.formatted(ctx, sess, `${r.value}\r\n`, "OOM");
      case "not_found":
        if (incr) s.incrMisses++;
        else s.decrMisses++;
        return this.out(sess, "NOT_FOUND");
      case "non_numeric":
        return this.out(sess, "NON_NUMERIC");
      case "eom":
        if (incr) s.incrHits++;
        else s.decrHits++;
        return this.out(sess, "OOM");
    }
  }

  private del(ctx: WorkContext, sess: McSession, buf: Uint8Array, nt: number): void {
    const t = this.t;
    if (nt > 3) {
      const holdIsZero = this.is(buf, 2, W.zero);
      const setsNoreply = this.noreplyMaybe(sess, buf);
      const valid = (nt === 4 && (holdIsZero || setsNoreply)) ||
        (nt === 5 && holdIsZero && setsNoreply);
      if (!valid) return this.out(sess, "BAD_DELETE");
    }
    const ks = t.start[1];
    const ke = t.end[1];
    if (ke - ks > MEMCACHED_KEY_MAX) return this.out(sess, "BAD_FORMAT");
    chargeApp(ctx, this.hashCost(ke - ks) + this.costs.threadStats);
    if (this.store.delete(ctx, latin1(buf, ks, ke), hashKey(buf, ks, ke))) {
      this.stats.deleteHits++;
      this.out(sess, "DELETED");
    } else {
      this.stats.deleteMisses++;
      this.out(sess, "NOT_FOUND");
    }
  }

  private touch(ctx: WorkContext, sess: McSession, buf: Uint8Array): void {
    const t = this.t;
    this.noreplyMaybe(sess, buf);
    const ks = t.start[1];
    const ke = t.end[1];
    if (ke - ks > MEMCACHED_KEY_MAX) return this.out(sess, "BAD_FORMAT");
    const exptime = this.num.i32(buf, t.start[2], t.end[2]);
    if (exptime === null) return this.out(sess, "BAD_EXPTIME");
    chargeApp(ctx, this.hashCost(ke - ks) + this.costs.threadStats);
    const expiresAt = this.store.exptimeToTime(exptime);
    this.stats.cmdTouch++;
    if (this.store.touch(ctx, latin1(buf, ks, ke), hashKey(buf, ks, ke), expiresAt)) {
      this.stats.touchHits++;
      this.out(sess, "TOUCHED");
    } else {
      this.stats.touchMisses++;
      this.out(sess, "NOT_FOUND");
    }
  }

  private flushAll(ctx: WorkContext, sess: McSession, buf: Uint8Array, nt: number): void {
    const t = this.t;
    this.noreplyMaybe(sess, buf);
    this.stats.cmdFlush++;
    let exptime = 0;
    if (nt !== (sess.noreply ? 3 : 2)) {
      const v = this.num.i32(buf, t.start[1], t.end[1]);
      if (v === null) return this.out(sess, "BAD_EXPTIME");
      exptime = v;
    }
    this.store.flushAll(ctx, exptime);
    this.out(sess, "OK");
  }

  // -------------------------------------------------------------- stats

  private statsCmd(ctx: WorkContext, sess: McSession, buf: Uint8Array, nt: number): void {
    const now = this.cfg.now();
    const uptime = Math.floor(now / SEC);
    if (nt === 2) {
      const lines = generalStats(this.stats, {
        pid: this.cfg.pid,
        uptimeSec: uptime,
        unixTime: this.cfg.unixTimeAtZero + uptime,
        version: this.cfg.version,
        limitMaxbytes: this.cfg.memLimit,
        threads: this.cfg.threads,
      });
      return this.formatted(ctx, sess, renderStats(lines), "OOM_STATS");
    }
    if (this.is(buf, 1, W.reset)) {
      this.stats.reset();
      return this.out(sess, "RESET");
    }
    if (this.is(buf, 1, W.detail)) {
      if (nt >= 4 && (this.is(buf, 2, W.on) || this.is(buf, 2, W.off))) return this.out(sess, "OK");
      if (nt >= 4 && this.is(buf, 2, W.dump)) return this.out(sess, "END");
      return this.out(sess, "STATS_DETAIL_USAGE");
    }
    if (this.is(buf, 1, W.settings)) return this.formatted(ctx, sess, this.settings(), "OOM_STATS");
    if (this.is(buf, 1, W.slabs)) return this.formatted(ctx, sess, this.slabStats(), "OOM_STATS");
    if (this.is(buf, 1, W.items)) return this.formatted(ctx, sess, this.itemStats(), "OOM_STATS");
    this.out(sess, "ERROR");
  }

  private settings(): string {
    const c = this.cfg;
    return renderStats([
      ["maxbytes", c.memLimit],
      ["tcpport", c.port],
      ["evictions", "on"],
      ["growth_factor", c.slabGrowthFactor.toFixed(2)],
      ["chunk_size", c.slabMinChunk - MC_ITEM_HEADER_BYTES],
      ["num_threads", c.threads],
      ["cas_enabled", "yes"],
      ["item_size_max", c.itemSizeMax],
      ["slab_chunk_max", c.slabPageSize],
    ]);
  }

  private slabStats(): string {
    const sl = this.store.slabs;
    const lines: [string, number][] = [];
    let active = 0;
    for (let c = 0; c < sl.classSizes.length; c++) {
      if (sl.pages(c) === 0) continue;
      active++;
      const id = c + 1;
      const per = Math.floor(sl.pageSize / sl.classSizes[c]);
      lines.push(
        [`${id}:chunk_size`, sl.classSizes[c]],
        [`${id}:chunks_per_page`, per],
        [`${id}:total_pages`, sl.pages(c)],
        [`${id}:total_chunks`, per * sl.pages(c)],
        [`${id}:used_chunks`, sl.chunksInUse(c)],
        [`${id}:free_chunks`, sl.chunksFree(c)],
      );
    }
    lines.push(["active_slabs", active], ["total_malloced", sl.pagesAssigned * sl.pageSize]);
    return renderStats(lines);
  }

  private itemStats(): string {
    const sl = this.store.slabs;
    const lines: [string, number][] = [];
    for (let c = 0; c < sl.classSizes.length; c++) {
      let n = 0;
      for (const _ of this.store.lru(c)) n++;
      if (n > 0) lines.push([`items:${c + 1}:number`, n]);
    }
    return renderStats(lines);
  }
}
