/**
 * wrk as an application on simulated x86 client hosts: drives the sans-IO
 * engine (connection.ts) over the socket API.
 *
 * One {@link WrkLoad} is the whole wrk run (its {@link WrkRun}: options,
 * shared latency statistics, `-t` threads); each client host runs a
 * {@link WrkApp} holding the threads `i` with `i % hosts === host`, each on
 * application core `j % cores` (`j` its place among the host's threads).
 * Every thread opens floor(c / t) connections at start, as wrk does, and
 * keeps one request in flight on each (closed loop, zero think time).
 *
 * The request (wrk.lua's GET) sits once in the host's transmit memory and
 * every send references it: it never changes, so nothing waits for
 * `data_acked`. Client work is charged per request formatted and per
 * response parsed (hw/costs/x86.ts LOADGEN_OPS) before the timestamps it
 * affects, so it counts in the latency wrk measures.
 *
 * Phases, from the first host's start (all hosts start together): the
 * warm-up (default 0: wrk has none; its numbers include the ramp-up), then
 * the measurement window, at whose start the statistics are taken afresh
 * ({@link WrkLoad.onMeasure}), and the stop, after which replies are
 * ignored and nothing more is sent ({@link WrkLoad.onStop} once every core
 * has stopped). Each thread's Req/Sec sample runs every 100 ms (wrk's
 * RECORD_INTERVAL_MS), so windows shorter than that leave that line empty.
 * Unlike wrk, the run ends exactly at the window's end, not at the next
 * 100 ms tick.
 *
 * Errors, as wrk counts them: a connection refused or timed out while
 * opening, reset, or a reply that cannot be parsed is a read error; the
 * peer's FIN completes an EOF-delimited body or is a read error; then the
 * connection is reopened (wrk's reconnect_socket).
 */
import { type Time, US } from "../../core/time.ts";
import type { WorkContext } from "../../core/work.ts";
import type { BufRef } from "../../hw/buffers.ts";
import type { Endpoint, SocketEvent } from "../../stack/events.ts";
import type { App, ConnRef, SocketApi } from "../api.ts";
import {
  CoreIndex,
  ItemClock,
  type LoadgenCosts,
  type LoadgenEnv,
  X86_LOADGEN_COSTS,
} from "../clients/loadgen.ts";
import {
  RECORD_INTERVAL,
  type SendFn,
  WrkConnection,
  type WrkOptions,
  WrkRun,
  type WrkThread,
} from "./connection.ts";
import { defaultRequest, type ParsedUrl } from "./http.ts";
import { summarize, type WrkSummary } from "./report.ts";
import { WrkStats } from "./stats.ts";

const TAG_TICK = 0;
const TAG_MEASURE = 1;
const TAG_STOP = 2;
const TAG_WAIT = 3;
/**
 * How often a core looks whether every connection is up (the window's start
 * is only known then); a grid like mutilate's barrier (docs/LOADGEN.md).
 */
export const SETTLE_POLL: Time = 50 * US;

export interface WrkLoadConfig {
  readonly options: WrkOptions;
  /** The URL as printed; `target` is its parsed form, whose path and host make the request. */
  readonly url: string;
  readonly target: ParsedUrl;
  /** Where connections go (the server under test). */
  readonly server: Endpoint;
  /** Client hosts sharing the threads. */
  readonly hosts: number;
  /** Untimed run before the measurement window (0: none, as wrk). */
  readonly warmup: Time;
  /** The measurement window (wrk's -d). */
  readonly duration: Time;
  /** Client-side cycles (default: hw/costs/x86.ts). */
  readonly costs?: LoadgenCosts;
  /** Client core clock (default X86_HOST.hz). */
  readonly hz?: number;
}

/** The whole wrk run over every client host. */
export class WrkLoad {
  readonly run: WrkRun;
  readonly request: Uint8Array;
  /** Start of the run (the first host's start), the measurement window and the stop; -1 until known. */
  startAt: Time = -1;
  measureAt: Time = -1;
  stopAt: Time = -1;
  /** Called at the measurement window's start (once). */
  onMeasure: ((t: Time) => void) | null = null;
  /** Called once every core has stopped. */
  onStop: ((t: Time) => void) | null = null;
  private latencyBase: WrkStats | null = null;
  private requestsBase: WrkStats | null = null;
  private running = 0;
  /** Connections whose first connect has succeeded or failed. */
  private settled = 0;

  constructor(readonly cfg: WrkLoadConfig) {
    if (!(cfg.hosts >= 1)) throw new RangeError("wrk: hosts must be >= 1");
    if (!(cfg.duration > 0) || !(cfg.warmup >= 0)) {
      throw new RangeError("wrk: duration must be > 0 and warm-up >= 0");
    }
    this.request = new TextEncoder().encode(defaultRequest(cfg.target));
    this.run = new WrkRun(cfg.options, this.request);
  }

  /** The threads client host `host` runs. */
  threadsOf(host: number): WrkThread[] {
    return this.run.threads.filter((_, i) => i % this.cfg.hosts === host);
  }

  /** The report's numbers for the measurement window (wrk's summary). */
  summary(): WrkSummary {
    const s = summarize(this.run, this.cfg.url, this.cfg.duration / 1_000_000);
    if (this.latencyBase === null || this.requestsBase === null) return s;
    // Only what the window added: the warm-up's samples come off before the correction.
    const raw = since(this.run.latency, this.latencyBase);
    const latency = raw.clone();
    latency.correct(s.correctionUs);
    return { ...s, raw, latency, requests: since(this.run.requests, this.requestsBase) };
  }

  /** @internal a core starts (the first call is the run's start). */
  begin(now: Time): void {
    this.running++;
    if (this.startAt < 0) this.startAt = now;
  }

  /**
   * @internal a connection's first request has been answered (or the
   * connection failed). Once every connection has, the schedule is fixed:
   * the window opens after the warm-up (counted from the start) and not
   * before every connection has served a request, so a short simulated
   * window never measures connection set-up, on either side (real wrk
   * counts its ramp-up in seconds-long runs).
   */
  settle(now: Time): void {
    const opened = this.run.connectionsPerThread * this.run.threads.length;
    if (++this.settled !== opened || this.measureAt >= 0) return;
    const warm = this.startAt + this.cfg.warmup;
    this.measureAt = warm > now ? warm : now;
    this.stopAt = this.measureAt + this.cfg.duration;
  }

  /** @internal the measurement window opens: keep the warm-up's statistics aside. */
  measure(now: Time): void {
    if (this.latencyBase !== null) return;
    this.latencyBase = this.run.latency.clone();
    this.requestsBase = this.run.requests.clone();
    this.onMeasure?.(now);
  }

  /** @internal a core stopped. */
  stopped(now: Time): void {
    if (--this.running === 0) this.onStop?.(now);
  }
}

/** `after` minus `before` (both with the same buckets), as fresh statistics. */
function since(after: WrkStats, before: WrkStats): WrkStats {
  const out = new WrkStats(after.limit - 1);
  if (after.count === before.count) return out;
  for (let n = after.min; n <= after.max; n++) {
    const d = after.at(n) - before.at(n);
    for (let k = 0; k < d; k++) out.record(n);
  }
  return out;
}

class Slot {
  readonly engine: WrkConnection;
  ref: ConnRef | null = null;
  /** The engine asked for a fresh connection during the current event. */
  reconnect = false;
  /** Its first request was answered, or it failed (counted by {@link WrkLoad.settle}). */
  settled = false;

  constructor(thread: WrkThread, readonly core: WrkCore, send: SendFn) {
    this.engine = new WrkConnection(thread, send, () => this.reconnect = true);
  }
}

interface WrkCore {
  readonly threads: WrkThread[];
  readonly slots: Slot[];
  /** Connects issued on this core and not yet completed, oldest first. */
  readonly pending: Slot[];
  stopped: boolean;
}

/** wrk on one client host. */
export class WrkApp implements App {
  private readonly clock: ItemClock;
  private readonly costs: LoadgenCosts;
  private readonly coreIndex = new CoreIndex();
  private readonly cores: WrkCore[] = [];
  private readonly byConn = new Map<number, Slot>();
  /** Connections this app closed whose cleanup has not arrived yet. */
  private readonly closing = new Set<number>();
  private readonly requestRef: BufRef;
  private readonly threads: WrkThread[];
  // The work item running now (engine callbacks happen inside it).
  private ctx: WorkContext | null = null;
  private api: SocketApi | null = null;
  private current: Slot | null = null;
  private token = 0;

  constructor(readonly load: WrkLoad, readonly host: number, private readonly env: LoadgenEnv) {
    this.clock = new ItemClock(env.now, load.cfg.hz);
    this.costs = load.cfg.costs ?? X86_LOADGEN_COSTS;
    const req = load.request;
    if (req.length > env.tx.size) throw new Error("wrk: transmit memory too small for the request");
    env.tx.write(0, req);
    this.requestRef = { mem: env.tx, off: 0, len: req.length };
    this.threads = load.threadsOf(host);
  }

  start(ctx: WorkContext, api: SocketApi): void {
    const k = this.coreIndex.register(api);
    const core: WrkCore = { threads: [], slots: [], pending: [], stopped: false };
    this.cores[k] = core;
    for (let j = k; j < this.threads.length; j += this.env.cores) {
      core.threads.push(this.threads[j]);
    }
    if (core.threads.length === 0) return;
    const now = this.clock.now(ctx);
    const load = this.load;
    load.begin(now);
    const perThread = load.run.connectionsPerThread;
    for (const t of core.threads) {
      t.start(now);
      for (let i = 0; i < perThread; i++) {
        const slot = new Slot(t, core, this.send);
        core.slots.push(slot);
        this.open(api, slot);
      }
    }

    api.timer(now + RECORD_INTERVAL, TAG_TICK);
    api.timer(now + SETTLE_POLL, TAG_WAIT);
  }

  onTimer(ctx: WorkContext, api: SocketApi, tag: number): void {
    const core = this.cores[this.coreIndex.of(api)];
    if (core === undefined || core.stopped) return;
    const now = this.clock.now(ctx);
    switch (tag) {
      case TAG_TICK:
        for (const t of core.threads) t.tick(now);
        api.timer(now + RECORD_INTERVAL, TAG_TICK);
        return;
      case TAG_WAIT: {
        const load = this.load;
        if (load.stopAt < 0) api.timer(now + SETTLE_POLL, TAG_WAIT);
        else {
          api.timer(load.measureAt > now ? load.measureAt : now, TAG_MEASURE);
          api.timer(load.stopAt, TAG_STOP);
        }
        return;
      }
      case TAG_MEASURE:
        this.load.measure(now);
        for (const t of core.threads) {
          t.complete = t.requests = t.bytes = 0;
          for (const e of Object.keys(t.errors) as (keyof typeof t.errors)[]) t.errors[e] = 0;
          t.start(now);
        }
        return;
      case TAG_STOP:
        core.stopped = true;
        this.load.stopped(now);
        return;
    }
  }

  onEvent(ctx: WorkContext, api: SocketApi, stack: number, ev: SocketEvent): void {
    switch (ev.kind) {
      case "connected": {
        const core = this.cores[this.coreIndex.of(api)];
        const slot = core?.pending.shift();
        if (slot === undefined) {
          this.closing.add(key(stack, ev.conn));
          api.close({ stack, conn: ev.conn }); // not ours (cannot happen): drop it
          return;
        }
        slot.ref = { stack, conn: ev.conn };
        this.byConn.set(key(stack, ev.conn), slot);
        if (slot.core.stopped) return;
        this.enter(ctx, api, slot);
        slot.engine.onConnected(this.clock.now(ctx));
        this.leave(api, slot);
        return;
      }
      case "new_data": {
        const slot = this.byConn.get(key(stack, ev.conn));
        if (slot === undefined || slot.core.stopped) {
          api.recvDone({ stack, conn: ev.conn }, ev.rxId);
          return;
        }
        this.enter(ctx, api, slot);
        const t = slot.engine.thread;
        const before = t.complete;
        // Parsing the reply is the client's work before its timestamp.
        this.clock.charge(ctx, this.costs.response);
        const now = this.clock.now(ctx);
        for (const r of ev.refs) {
          if (slot.reconnect) break;
          slot.engine.onData(now, r.mem.read(r.off, r.len), 0, r.len);
        }
        const extra = t.complete - before - 1;
        if (extra > 0) this.clock.charge(ctx, extra * this.costs.response);
        if (!slot.settled && t.complete > before) this.settle(ctx, slot);
        api.recvDone(slot.ref!, ev.rxId);
        this.leave(api, slot);
        return;
      }
      case "remote_closed": {
        const slot = this.byConn.get(key(stack, ev.conn));
        if (slot === undefined || slot.core.stopped) return;
        this.enter(ctx, api, slot);
        slot.engine.onEof(this.clock.now(ctx));
        this.leave(api, slot);
        return;
      }
      case "cleanup": {
        const k = key(stack, ev.conn);
        if (this.closing.delete(k)) return;
        let slot = this.byConn.get(k);
        if (slot !== undefined) {
          this.byConn.delete(k);
          slot.ref = null;
        } else if (ev.reason === "refused" || ev.reason === "timeout") {
          // A connect that failed: it was the oldest pending one on this core.
          slot = this.cores[this.coreIndex.of(api)]?.pending.shift();
        }
        if (slot !== undefined && !slot.settled) this.settle(ctx, slot);
        if (slot === undefined || slot.core.stopped) return;
        if (ev.reason === "closed") {
          // An orderly end after remote_closed: the engine has already asked to reconnect.
          if (!slot.reconnect && slot.engine.waiting) slot.engine.onEof(this.clock.now(ctx));
        } else {
          slot.engine.onError("read"); // reset, refused or timed out: read() fails
        }
        this.enter(ctx, api, slot);
        this.leave(api, slot);
        return;
      }
      default:
        return; // data_acked: the request is shared and never changes
    }
  }

  /** A connection's first request was answered (or its connection failed): see {@link WrkLoad.settle}. */
  private settle(ctx: WorkContext, slot: Slot): void {
    slot.settled = true;
    this.load.settle(this.clock.now(ctx));
  }

  private enter(ctx: WorkContext, api: SocketApi, slot: Slot): void {
    this.ctx = ctx;
    this.api = api;
    this.current = slot;
  }

  /** After an event: reconnects if the engine asked for it. */
  private leave(api: SocketApi, slot: Slot): void {
    this.current = null;
    if (!slot.reconnect) return;
    slot.reconnect = false;
    if (slot.ref !== null) {
      const k = key(slot.ref.stack, slot.ref.conn);
      this.byConn.delete(k);
      this.closing.add(k);
      api.close(slot.ref);
      slot.ref = null;
    }
    this.open(api, slot);
  }

  private open(api: SocketApi, slot: Slot): void {
    slot.core.pending.push(slot);
    api.connect(this.load.cfg.server, this.token++);
  }

  /** The engine's send: the shared request out on the current connection. */
  private readonly send = (_bytes: Uint8Array, _off: number, len: number): void => {
    const slot = this.current, ctx = this.ctx, api = this.api;
    if (slot === null || ctx === null || api === null || slot.ref === null) {
      throw new Error("wrk: engine sent outside an event");
    }
    if (len !== this.requestRef.len) throw new Error("wrk: engine sent another request");
    this.clock.charge(ctx, this.costs.request);
    api.send(slot.ref, [this.requestRef], this.token++);
  };
}

function key(stack: number, conn: number): number {
  return stack * 0x1_0000_0000 + conn;
}
