/**
 * mutilate as an application on simulated x86 client hosts: drives the
 * sans-IO engine (connection.ts) over the socket API.
 *
 * One {@link MutilateLoad} is the whole run: the measuring client (master)
 * and one agent per client host, as in the paper's setup. Every host runs an
 * agent with `-T` threads of `-c` connections at depth `-d` (thread `i` on
 * application core `i % cores`); host `measureHost` also runs the master's
 * `measureConns` connections at depth 1, which alone sample latency. Every
 * connection sends at lambda = qps / N (N: all connections, master's
 * included), each on its own open-loop schedule kept with the socket API's
 * timer.
 *
 * Phases, as mutilate's master and agents run them: connect everything;
 * load keys 0..records-1 (once, on the master's first connection; mutilate
 * has every thread of every process load the same keys, which leaves the
 * same keys behind); start; after the warm-up, wait until every connection
 * is idle, reset the statistics and start the measurement
 * ({@link MutilateLoad.onMeasure}); stop at the first instant after it
 * (outstanding replies dropped; {@link MutilateLoad.onStop}). The barriers
 * between master and agents (ZeroMQ in mutilate) are modelled as a shared
 * record each application core polls on a common {@link SYNC_INTERVAL} grid,
 * so every core starts a phase at the same instant.
 *
 * Requests are copied into the connection's slice of the host's transmit
 * memory ({@link TxRing}), reused as `data_acked` arrives. Client work is
 * charged per request and per reply (hw/costs/x86.ts LOADGEN_OPS) before the
 * timestamps it affects. A socket error or EOF (mutilate exits) is counted in
 * {@link MutilateLoad.errors} and ends that connection.
 */
import { Rng } from "../../core/rng.ts";
import { type Time, US } from "../../core/time.ts";
import type { WorkContext } from "../../core/work.ts";
import type { Endpoint, SocketEvent } from "../../stack/events.ts";
import type { App, ConnRef, SocketApi } from "../api.ts";
import {
  CoreIndex,
  ItemClock,
  type LoadgenCosts,
  type LoadgenEnv,
  TxRing,
  X86_LOADGEN_COSTS,
} from "../clients/loadgen.ts";
import { makeValuePool, MutilateConnection, perConnectionLambda } from "./connection.ts";
import type { Generator } from "./generators.ts";
import { KeyGenerator } from "./keys.ts";
import { MutilateStats } from "./stats.ts";

/**
 * Grid on which the cores check the shared phase record (standing in for
 * mutilate's ZeroMQ barriers between master and agents; approximation).
 */
export const SYNC_INTERVAL: Time = 50 * US;
/** Transmit memory per connection (a few requests of ETC's mostly small values; more wait). */
export const CONN_TX_BYTES = 8 * 1024;
/** Transmit memory of the loading connection (LOADER_CHUNK sets in flight). */
export const LOADER_TX_BYTES = 256 * 1024;

const TAG_CHECK = 0;
const TAG_STOP = 1;
const TAG_CONN = 2;

export interface MutilateLoadConfig {
  readonly server: Endpoint;
  /** Client hosts, one agent each. */
  readonly hosts: number;
  /** `-q`: aggregate target QPS (0: unpaced, depth-limited). */
  readonly qps: number;
  /** `-c`: connections per agent thread. */
  readonly connections: number;
  /** `-d`: agents' depth. */
  readonly depth: number;
  /** `-T`: threads per agent. */
  readonly threads: number;
  /** The master's connections (depth 1, sampling latency); default 32. */
  readonly measureConns: number;
  /** Host running the master; default 0. */
  readonly measureHost?: number;
  readonly keySize: Generator;
  readonly valueSize: Generator;
  readonly interarrival: Generator;
  /** `-r`. */
  readonly records: number;
  /** `-u`: probability of a set. */
  readonly update: number;
  /** `-w`: warm-up (0: none). */
  readonly warmup: Time;
  /** `-t`: the measurement window. */
  readonly duration: Time;
  readonly seed: number;
  /** `-S`. */
  readonly skip?: boolean;
  /** `--noload`. */
  readonly noload?: boolean;
  readonly costs?: LoadgenCosts;
  readonly hz?: number;
}

/** What {@link MutilateLoad.perConnection} returns. */
export interface PerConnectionFigures {
  /** Requests completed in the window, per connection (agents' and the master's). */
  readonly completed: readonly number[];
  /** Get p99 (us) per measuring connection; null when it completed no get. */
  readonly measuringP99Us: readonly (number | null)[];
}

/** The transmit memory client host `host` needs. */
export function mutilateTxBytes(cfg: MutilateLoadConfig, host: number): number {
  const agent = cfg.threads * cfg.connections;
  const master = host === (cfg.measureHost ?? 0) ? cfg.measureConns : 0;
  const loader = host === (cfg.measureHost ?? 0) && cfg.noload !== true ? LOADER_TX_BYTES : 0;
  return (agent + master) * CONN_TX_BYTES + loader;
}

/** The first multiple of SYNC_INTERVAL after `t`. */
function gridAfter(t: Time): Time {
  return (Math.floor(t / SYNC_INTERVAL) + 1) * SYNC_INTERVAL;
}

/** The whole mutilate run (master and agents); shared by every host's app. */
export class MutilateLoad {
  readonly keys: KeyGenerator;
  readonly valuePool: Uint8Array;
  readonly totalConnections: number;
  /** Per-connection rate (requests per second). */
  readonly lambda: number;
  readonly measureHost: number;
  /** Socket errors and EOFs (each ends its connection; mutilate exits). */
  errors = 0;
  /** When everything was connected and loaded; the timed run's start, window and stop (-1: not yet). */
  readyAt: Time = -1;
  startAt: Time = -1;
  measureAt: Time = -1;
  stopAt: Time = -1;
  onMeasure: ((t: Time) => void) | null = null;
  onStop: ((t: Time) => void) | null = null;
  /** @internal every connection, for the summed statistics. */
  readonly engines: MutilateConnection[] = [];
  /** @internal the agents' connections (no latency samples). */
  readonly agentEngines: MutilateConnection[] = [];
  private settled = 0;
  private loaded: boolean;
  private activeCores = 0;
  private idleCores = 0;
  private stoppedCores = 0;

  constructor(readonly cfg: MutilateLoadConfig) {
    const { hosts, threads, connections, measureConns, depth } = cfg;
    if (!(hosts >= 1 && threads >= 1 && connections >= 1 && measureConns >= 0 && depth >= 1)) {
      throw new RangeError("mutilate: hosts, threads, connections and depth must be >= 1");
    }
    if (!(cfg.duration > 0) || !(cfg.warmup >= 0)) {
      throw new RangeError("mutilate: duration must be > 0 and warm-up >= 0");
    }
    this.measureHost = cfg.measureHost ?? 0;
    const rng = new Rng(cfg.seed, "mutilate");
    this.keys = new KeyGenerator(cfg.keySize, cfg.records, rng.stream("keys"));
    this.valuePool = makeValuePool(rng.stream("values"));
    this.totalConnections = hosts * threads * connections + measureConns;
    this.lambda = perConnectionLambda(cfg.qps, this.totalConnections);
    this.loaded = cfg.noload === true;
  }

  /** The run's counters: every connection summed (latency from the master's only). */
  stats(): MutilateStats {
    const s = new MutilateStats();
    for (const e of this.engines) s.add(e.stats);
    return s;
  }

  /** The agents' counters alone (their schedules never wait for the master's replies). */
  agentStats(): MutilateStats {
    const s = new MutilateStats();
    for (const e of this.agentEngines) s.add(e.stats);
    return s;
  }

  /**
   * Per-connection figures of the window, read once after a run (fairness):
   * every connection's completed requests (gets + sets), in connection
   * order, and each measuring connection's get p99 (us; null when it
   * completed no get).
   */
  perConnection(): PerConnectionFigures {
    const agents = new Set(this.agentEngines);
    const completed: number[] = [];
    const measuringP99Us: (number | null)[] = [];
    for (const e of this.engines) {
      completed.push(e.stats.gets + e.stats.sets);
      if (!agents.has(e)) {
        measuringP99Us.push(e.stats.get.count > 0 ? e.stats.get.percentile(99) : null);
      }
    }
    return { completed, measuringP99Us };
  }

  /** Measurement window in seconds. */
  get seconds(): number {
    return this.cfg.duration / 1e12;
  }

  /** @internal a core with connections started. */
  coreStarted(): void {
    this.activeCores++;
  }

  /** @internal a connection is open or failed to open. */
  connectionSettled(now: Time): void {
    this.settled++;
    this.checkReady(now);
  }

  /** @internal loading finished (or its connection died). */
  loadDone(now: Time): void {
    this.loaded = true;
    this.checkReady(now);
  }

  private checkReady(now: Time): void {
    if (this.readyAt >= 0 || !this.loaded || this.settled < this.totalConnections) return;
    this.readyAt = now;
    this.startAt = gridAfter(now);
    if (this.cfg.warmup === 0) this.window(this.startAt);
  }

  /** @internal a core's connections are idle after the warm-up. */
  coreIdle(now: Time): void {
    if (++this.idleCores === this.activeCores) this.window(gridAfter(now));
  }

  private window(at: Time): void {
    this.measureAt = at;
    this.stopAt = at + this.cfg.duration + 1; // mutilate: the first instant past start + t
  }

  /** @internal the first core to open the window reports it. */
  measuring(now: Time): void {
    if (this.onMeasure === null) return;
    const f = this.onMeasure;
    this.onMeasure = null;
    f(now);
  }

  /** @internal a core stopped. */
  coreStopped(now: Time): void {
    if (++this.stoppedCores === this.activeCores) this.onStop?.(now);
  }
}

const enum Phase {
  Waiting,
  Warm,
  WarmIdle,
  Measure,
  Done,
}

class Slot {
  ref: ConnRef | null = null;
  dead = false;
  /** The engine's timer asked for (-1: none). */
  armedAt: Time = -1;
  /** Requests waiting for room in the ring (copies), oldest first. */
  readonly queue: Uint8Array[] = [];
  engine!: MutilateConnection;

  constructor(readonly core: MutilateCore, readonly tag: number, readonly ring: TxRing) {}
}

interface MutilateCore {
  readonly slots: Slot[];
  /** Connects issued and not yet completed, oldest first. */
  readonly pending: Slot[];
  phase: Phase;
}

/** mutilate's master and/or agent on one client host. */
export class MutilateApp implements App {
  private readonly clock: ItemClock;
  private readonly costs: LoadgenCosts;
  private readonly coreIndex = new CoreIndex();
  private readonly cores: MutilateCore[] = [];
  private readonly byConn = new Map<number, Slot>();
  private loader: Slot | null = null;
  private ctx: WorkContext | null = null;
  private api: SocketApi | null = null;
  private current: Slot | null = null;
  private loading = false;
  private sent = 0;
  private token = 0;

  constructor(
    readonly load: MutilateLoad,
    readonly host: number,
    private readonly env: LoadgenEnv,
  ) {
    const cfg = load.cfg;
    this.clock = new ItemClock(env.now, cfg.hz);
    this.costs = cfg.costs ?? X86_LOADGEN_COSTS;
    for (let k = 0; k < env.cores; k++) {
      this.cores.push({ slots: [], pending: [], phase: Phase.Waiting });
    }
    let off = 0;
    const rng = new Rng(cfg.seed, `mutilate/host${host}`);
    const add = (core: number, sampling: boolean, depth: number, bytes: number): Slot => {
      if (off + bytes > env.tx.size) throw new Error("mutilate: transmit memory too small");
      const c = this.cores[core];
      const slot = new Slot(c, TAG_CONN + c.slots.length, new TxRing(env.tx, off, bytes));
      off += bytes;
      const n = load.engines.length;
      slot.engine = new MutilateConnection(
        {
          keys: load.keys,
          valueSize: cfg.valueSize,
          interarrival: cfg.interarrival,
          lambda: load.lambda,
          depth,
          update: cfg.update,
          sampling,
          skip: cfg.skip,
          valuePool: load.valuePool,
        },
        rng.stream(`conn${n}`),
        this.send,
      );
      load.engines.push(slot.engine);
      if (!sampling) load.agentEngines.push(slot.engine);
      c.slots.push(slot);
      return slot;
    };
    // The loader: the first connection on the master's host (unless --noload).
    let loaderToCome = host === load.measureHost && cfg.noload !== true;
    const next = (core: number, sampling: boolean, depth: number): void => {
      const s = add(core, sampling, depth, loaderToCome ? LOADER_TX_BYTES : CONN_TX_BYTES);
      if (loaderToCome) this.loader = s;
      loaderToCome = false;
    };
    if (host === load.measureHost) {
      for (let j = 0; j < cfg.measureConns; j++) next(j % env.cores, true, 1);
    }
    for (let i = 0; i < cfg.threads; i++) {
      for (let j = 0; j < cfg.connections; j++) next(i % env.cores, false, cfg.depth);
    }
  }

  start(ctx: WorkContext, api: SocketApi): void {
    const core = this.cores[this.coreIndex.register(api)];
    if (core === undefined || core.slots.length === 0) return;
    this.load.coreStarted();
    for (const s of core.slots) {
      core.pending.push(s);
      api.connect(this.load.cfg.server, this.token++);
    }
    api.timer(gridAfter(this.clock.now(ctx)), TAG_CHECK);
  }

  onTimer(ctx: WorkContext, api: SocketApi, tag: number): void {
    const core = this.cores[this.coreIndex.of(api)];
    if (core === undefined) return;
    const now = this.clock.now(ctx);
    if (tag === TAG_CHECK) return this.check(ctx, api, core, now);
    if (tag === TAG_STOP) {
      for (const s of core.slots) s.engine.stop();
      core.phase = Phase.Done;
      this.load.coreStopped(now);
      return;
    }
    const slot = core.slots[tag - TAG_CONN];
    if (slot === undefined || slot.dead) return;
    if (slot.armedAt >= 0 && now >= slot.armedAt) slot.armedAt = -1;
    this.enter(ctx, api, slot);
    slot.engine.onTimer(now);
    this.leave(api, slot);
  }

  onEvent(ctx: WorkContext, api: SocketApi, stack: number, ev: SocketEvent): void {
    switch (ev.kind) {
      case "connected": {
        const slot = this.cores[this.coreIndex.of(api)]?.pending.shift();
        if (slot === undefined) {
          api.close({ stack, conn: ev.conn }); // not ours (cannot happen)
          return;
        }
        slot.ref = { stack, conn: ev.conn };
        this.byConn.set(key(stack, ev.conn), slot);
        const now = this.clock.now(ctx);
        if (slot === this.loader) {
          this.loading = true;
          this.enter(ctx, api, slot);
          slot.engine.startLoading(now);
          this.leave(api, slot);
        }
        this.load.connectionSettled(now);
        return;
      }
      case "new_data": {
        const slot = this.byConn.get(key(stack, ev.conn));
        if (slot === undefined || slot.dead) {
          api.recvDone({ stack, conn: ev.conn }, ev.rxId);
          return;
        }
        this.enter(ctx, api, slot);
        const e = slot.engine;
        const before = e.outstanding, sentBefore = this.sent;
        // Reading the reply is the client's work before its timestamp.
        this.clock.charge(ctx, this.costs.response);
        const now = this.clock.now(ctx);
        for (const r of ev.refs) e.onData(now, r.mem.read(r.off, r.len), 0, r.len);
        const done = before + (this.sent - sentBefore) - e.outstanding;
        if (done > 1) this.clock.charge(ctx, (done - 1) * this.costs.response);
        api.recvDone(slot.ref!, ev.rxId);
        this.leave(api, slot);
        if (this.loading && slot === this.loader && e.idle) {
          this.loading = false;
          this.load.loadDone(now);
        }
        return;
      }
      case "data_acked": {
        const slot = this.byConn.get(key(stack, ev.conn));
        if (slot === undefined || slot.dead) return;
        slot.ring.release(ev.token);
        if (slot.queue.length > 0) this.flush(api, slot);
        return;
      }
      case "remote_closed": {
        const slot = this.byConn.get(key(stack, ev.conn));
        if (slot !== undefined && !slot.dead) {
          api.close(slot.ref!);
          this.fail(ctx, slot);
        }
        return;
      }
      case "cleanup": {
        const k = key(stack, ev.conn);
        let slot = this.byConn.get(k);
        if (slot !== undefined) this.byConn.delete(k);
        else if (ev.reason === "refused" || ev.reason === "timeout") {
          slot = this.cores[this.coreIndex.of(api)]?.pending.shift();
          if (slot !== undefined) this.load.connectionSettled(this.clock.now(ctx));
        }
        if (slot === undefined) return;
        slot.ref = null;
        if (!slot.dead) this.fail(ctx, slot);
        return;
      }
      default:
        return;
    }
  }

  /** The connection is gone: counted; it sends no more (mutilate exits on it). */
  private fail(ctx: WorkContext, slot: Slot): void {
    const phaseOver = slot.core.phase === Phase.Done;
    slot.dead = true;
    slot.engine.stop();
    slot.ring.clear();
    slot.queue.length = 0;
    if (!phaseOver) this.load.errors++;
    if (slot === this.loader && (this.loading || this.load.readyAt < 0)) {
      this.loading = false;
      this.load.loadDone(this.clock.now(ctx));
    }
  }

  /** A phase check on the shared grid. */
  private check(ctx: WorkContext, api: SocketApi, core: MutilateCore, now: Time): void {
    const load = this.load;

    const again = (at: Time) => api.timer(Math.max(gridAfter(now), at), TAG_CHECK);
    switch (core.phase) {
      case Phase.Waiting: {
        if (load.startAt < 0 || now < load.startAt) return again(load.startAt);
        const warm = load.cfg.warmup > 0;
        this.startAll(ctx, api, core, now, warm ? load.cfg.warmup : load.cfg.duration, false);
        if (warm) {
          core.phase = Phase.Warm;
          return again(load.startAt + load.cfg.warmup);
        }
        return this.measure(api, core, now);
      }
      case Phase.Warm: {
        // Idle means no reply outstanding and no send left: a send due at the warm-up's
        // last instant may still follow this check at the same instant.
        for (const s of core.slots) {
          if (!s.dead && (!s.engine.idle || s.engine.mayStillSend(now))) return again(0);
        }
        core.phase = Phase.WarmIdle;
        load.coreIdle(now);
        return again(load.measureAt);
      }
      case Phase.WarmIdle: {
        if (load.measureAt < 0 || now < load.measureAt) return again(load.measureAt);
        this.startAll(ctx, api, core, now, load.cfg.duration, true);
        return this.measure(api, core, now);
      }
      default:
        return;
    }
  }

  private startAll(
    ctx: WorkContext,
    api: SocketApi,
    core: MutilateCore,
    now: Time,
    duration: Time,
    reset: boolean,
  ): void {
    for (const s of core.slots) {
      if (s.dead) continue;
      if (reset) s.engine.reset();
      this.enter(ctx, api, s);
      s.engine.start(now, duration);
      this.leave(api, s);
    }
  }

  private measure(api: SocketApi, core: MutilateCore, now: Time): void {
    core.phase = Phase.Measure;
    this.load.measuring(now);
    api.timer(this.load.stopAt, TAG_STOP);
  }

  private enter(ctx: WorkContext, api: SocketApi, slot: Slot): void {
    this.ctx = ctx;
    this.api = api;
    this.current = slot;
  }

  /** After the engine ran: asks for its next wake-up if it is earlier than the one pending. */
  private leave(api: SocketApi, slot: Slot): void {
    this.current = null;
    const w = slot.engine.nextWakeup();
    if (w !== null && (slot.armedAt < 0 || w < slot.armedAt)) {
      slot.armedAt = w;
      api.timer(w, slot.tag);
    }
  }

  /** The engine's send: the request into the connection's ring and out. */
  private readonly send = (bytes: Uint8Array, off: number, len: number): void => {
    const slot = this.current, ctx = this.ctx, api = this.api;
    if (slot === null || ctx === null || api === null || slot.ref === null) {
      throw new Error("mutilate: engine sent outside an event");
    }
    this.sent++;
    this.clock.charge(ctx, this.costs.request);
    if (slot.queue.length === 0) {
      const pos = slot.ring.write(bytes, off, len);
      if (pos >= 0) {
        api.send(slot.ref, [{ mem: slot.ring.mem, off: pos, len }], slot.ring.lastToken);
        return;
      }
    }
    slot.queue.push(bytes.slice(off, off + len));
  };

  /** Sends queued requests as acknowledgements make room. */
  private flush(api: SocketApi, slot: Slot): void {
    while (slot.queue.length > 0 && slot.ref !== null) {
      const q = slot.queue[0];
      const pos = slot.ring.write(q, 0, q.length);
      if (pos < 0) return;
      slot.queue.shift();
      api.send(slot.ref, [{ mem: slot.ring.mem, off: pos, len: q.length }], slot.ring.lastToken);
    }
  }
}

function key(stack: number, conn: number): number {
  return stack * 0x1_0000_0000 + conn;
}
