/**
 * Runs the simulated wrk and mutilate (apps/wrk/app.ts, apps/mutilate/app.ts)
 * on x86 client hosts against the webserver or Memcached on the board under
 * test, in one hosting mode, on the multi-host testbed (stack/host/testbed.ts
 * `Cluster`: client host h on its own 10 GbE link to server port h % ports).
 *
 * A run: the server starts, the clients start, connect (mutilate also loads
 * its keys), run the warm-up, then the measurement window, at whose start
 * every node's counters are zeroed (`cluster.resetStats()`), so busy time,
 * drops, retransmissions and RTO expiries cover the window only. The result
 * carries what the tool prints (its own layout in `report`) and flat numbers
 * for results files.
 */
import { serverApp, type ServerBuild } from "./servers.ts";
import { MS, SEC, type Time, US } from "../core/time.ts";
import type { Endpoint } from "../stack/events.ts";
import { ipToString } from "../stack/wire/ipv4.ts";
import type { Ipv4Addr } from "../stack/wire/ipv4.ts";
import type { Layout } from "../stack/host/layout.ts";
import type { HostMode } from "../stack/host/node.ts";
import {
  Cluster,
  CLUSTER_SERVER_HOST,
  type ClusterSpec,
  type HostSpec,
  testbedIp,
} from "../stack/host/testbed.ts";
import { addLossCounters, emptyLossCounters, type LossCounters } from "../stack/host/counters.ts";
import { MEMCACHED_MEM_LIMIT, MEMCACHED_PORT } from "../apps/memcached/config.ts";
import { HTTP_PORT } from "../apps/web/mod.ts";
import { WrkApp, WrkLoad } from "../apps/wrk/app.ts";
import type { WrkErrors } from "../apps/wrk/connection.ts";
import { parseUrl } from "../apps/wrk/http.ts";
import { formatTimeUs, formatWrkReport, type WrkSummary } from "../apps/wrk/report.ts";
import { MutilateApp, MutilateLoad, mutilateTxBytes } from "../apps/mutilate/app.ts";
import { parseGenerator } from "../apps/mutilate/generators.ts";
import { formatReport } from "../apps/mutilate/report.ts";
import { search, type SearchOutcome } from "../apps/mutilate/search.ts";
import { LOG_BIN_RATIO, type LogHistogram, type MutilateStats } from "../apps/mutilate/stats.ts";
import { BOARDS } from "./netpipe.ts";
import { DEFAULT_PAGE_BYTES } from "./apps_run.ts";
import type { Calibration } from "../hw/costs/calibration.ts";

// ---------------------------------------------------------------------------
// The testbed

/** Builds the testbed (tests may wrap it, e.g. to slow the server). */
export type ClusterFactory = (spec: ClusterSpec) => Cluster;

/** The multi-host testbed of stack/host/testbed.ts. */
export const defaultCluster: ClusterFactory = (spec) => new Cluster(spec);

// ---------------------------------------------------------------------------
// Options and results

/** Client hosts by default (one per board port, as the paper's testbed). */
export const DEFAULT_CLIENTS = 4;
/** Server ports used by default. */
export const DEFAULT_PORTS = 4;
/** Simulated time allowed for connecting and loading before the timed phases (a bound, not a model). */
export const SETUP_TIME_LIMIT: Time = 2 * SEC;
/** The URL path wrk asks for by default (the webserver's index page). */
export const DEFAULT_WRK_PATH = "/index.html";
/** Item memory per mutilate record (ETC's values average ~200 B; the tail is long). */
const MEMCACHED_BYTES_PER_RECORD = 2048;

export interface LoadgenCommon {
  readonly mode: HostMode;
  readonly board: string;
  readonly layout: Layout;
  /** Server ports in use (default 4). */
  readonly ports?: number;
  /** x86 client hosts (default 4). */
  readonly clients?: number;
  readonly seed: number;
  /** Builds the testbed (tests may pass their own). */
  readonly cluster?: ClusterFactory;
  /** The server's free parameters (default the fit, hw/costs/calibration.ts; bench/calibrate.ts). */
  readonly calibration?: Calibration;
}

export interface WrkRunOptions extends LoadgenCommon {
  /** `-c`: total connections. */
  readonly connections: number;
  /** `-t`: threads, spread over the client hosts. */
  readonly threads: number;
  /** `-d`: the measurement window. */
  readonly duration: Time;
  /** Untimed run first (default 0: wrk has none). */
  readonly warmup?: Time;
  /** `--timeout` in ms. */
  readonly timeoutMs: number;
  /** `--latency`. */
  readonly latency: boolean;
  /** URL path (default /index.html). */
  readonly path?: string;
  /** Size of the webserver's index page (default bench/apps_run.ts DEFAULT_PAGE_BYTES). */
  readonly pageBytes?: number;
}

export interface MutilateRunOptions extends LoadgenCommon {
  /** `-q` (0: unpaced). */
  readonly qps: number;
  /** `-c` per agent thread. */
  readonly connections: number;
  /** `-d`. */
  readonly depth: number;
  /** `-T` per agent. */
  readonly threads: number;
  /** The master's sampling connections (default 32). */
  readonly measureConns: number;
  /** `-K`, `-V`, `-i` specs. */
  readonly keySize: string;
  readonly valueSize: string;
  readonly interarrival: string;
  /** `-r`. */
  readonly records: number;
  /** `-u`. */
  readonly update: number;
  /** `-w`. */
  readonly warmup: Time;
  /** `-t`. */
  readonly duration: Time;
}

export interface LatencyUs {
  readonly mean: number;
  readonly stdev: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  /** wrk: the largest sample; mutilate: the upper edge of the highest non-empty 1.1x bin. */
  readonly max: number;
}

export interface LoadgenResult {
  readonly tool: "wrk" | "mutilate";
  readonly mode: HostMode;
  /** Completed requests per simulated second of the window. */
  readonly requestsPerSec: number;
  /** wrk: corrected for coordinated omission, as it prints; mutilate: the master's gets. */
  readonly latencyUs: LatencyUs;
  /** Bytes read by the clients in the window (wrk: headers and bodies; mutilate: its RX count). */
  readonly transferBytes: number;
  readonly errors: WrkErrors | { readonly socket: number };
  /** mutilate: get misses. */
  readonly misses: number;
  /** Drops, retransmissions and RTO expiries over server and clients, in the window. */
  readonly loss: LossCounters;
  readonly simTime: Time;
  readonly events: number;
  readonly wallSeconds: number;
  /** The tool's own terminal output. */
  readonly report: string;
  readonly wrk?: WrkSummary;
  readonly mutilate?: MutilateStats;
  /** mutilate: the run's master and agents (per-connection state, agents' counters). */
  readonly mutilateLoad?: MutilateLoad;
}

function boardOf(name: string) {
  const b = BOARDS[name];
  if (b === undefined) throw new Error(`unknown board "${name}"`);
  return b;
}

/** The server under test: the paper's server for the mode (bench/servers.ts; NGINX or stock memcached on Linux). */
function serverSpec(o: LoadgenCommon, server: ServerBuild): HostSpec {
  return {
    name: "server",
    mode: o.mode,
    board: boardOf(o.board),
    layout: o.layout,
    app: server.app,
    txBytes: server.txBytes,
    linux: server.linux,
    calibration: o.calibration,
  };
}

/** Runs the cluster from start to the load's stop; throws if it never gets there. */
function drive(
  cluster: Cluster,
  limit: Time,
  hooks: { onMeasure: ((t: Time) => void) | null; onStop: ((t: Time) => void) | null },
  stopAt: () => Time,
): void {
  let stopped = false;
  hooks.onMeasure = () => cluster.resetStats();
  hooks.onStop = () => {
    stopped = true;
    cluster.sched.stop();
  };
  cluster.start();
  cluster.sched.runUntil(limit);
  if (!stopped) {
    throw new Error(
      `the load did not finish within ${limit / SEC} simulated s (stop at ${stopAt()})`,
    );
  }
}

function lossOf(cluster: Cluster): LossCounters {
  const loss = addLossCounters(emptyLossCounters(), cluster.server.stacks, cluster.server.nic);
  for (const c of cluster.clients) addLossCounters(loss, c.stacks, c.nic);
  return loss;
}

/** The server's address, read when the clients connect (the cluster is built after the loads). */
function serverEndpoint(get: () => Cluster | null, port: number): Endpoint {
  return {
    get addr(): Ipv4Addr {
      const c = get();
      if (c === null) throw new Error("connect before the cluster exists");
      return c.serverIp;
    },
    port,
  };
}

// ---------------------------------------------------------------------------
// wrk

/** `sim wrk`: wrk's closed loop against the webserver. */
export function runWrk(o: WrkRunOptions): LoadgenResult {
  const t0 = performance.now();
  const clients = o.clients ?? DEFAULT_CLIENTS;
  const path = o.path ?? DEFAULT_WRK_PATH;
  const pageBytes = o.pageBytes ?? DEFAULT_PAGE_BYTES;
  const url = `http://${ipToString(testbedIp(CLUSTER_SERVER_HOST))}${path}`;
  const target = parseUrl(url);
  if (target === null) throw new Error(`invalid URL path ${path}`);
  let cluster: Cluster | null = null;
  const warmup = o.warmup ?? 0;
  const load = new WrkLoad({
    options: {
      connections: o.connections,
      threads: o.threads,
      durationS: o.duration / SEC,
      timeoutMs: o.timeoutMs,
      latency: o.latency,
    },
    url,
    target,
    server: serverEndpoint(() => cluster, HTTP_PORT),
    hosts: clients,
    warmup,
    duration: o.duration,
  });
  cluster = (o.cluster ?? defaultCluster)({
    server: serverSpec(o, serverApp("web", o.mode, { pageBytes, calibration: o.calibration })),
    ports: o.ports ?? DEFAULT_PORTS,
    clients,
    clientApp: (h) => (tx, env) => new WrkApp(load, h, { tx, now: env.now, cores: env.cores }),
    seed: o.seed,
  });
  drive(cluster, warmup + o.duration + SETUP_TIME_LIMIT, load, () => load.stopAt);
  const s = load.summary();
  const lat = s.latency;
  const mean = lat.mean();
  const secs = o.duration / SEC;
  const report = formatWrkReport(s).replace(
    /^Running \S+ test/,
    `Running ${formatTimeUs(o.duration / US)} test`,
  );
  return {
    tool: "wrk",
    mode: o.mode,
    requestsPerSec: s.complete / secs,
    latencyUs: {
      mean,
      stdev: lat.stdev(mean),
      p50: lat.percentile(50),
      p90: lat.percentile(90),
      p99: lat.percentile(99),
      max: lat.max,
    },
    transferBytes: s.bytes,
    errors: s.errors,
    misses: 0,
    loss: lossOf(cluster),
    simTime: cluster.sched.now,
    events: cluster.sched.dispatched,
    wallSeconds: (performance.now() - t0) / 1000,
    report,
    wrk: s,
  };
}

// ---------------------------------------------------------------------------
// mutilate

/** The upper edge of the highest non-empty bin (0 when empty). */
function histogramMax(h: LogHistogram): number {
  for (let i = h.bins.length - 1; i >= 0; i--) {
    if (h.bins[i] > 0) return Math.pow(LOG_BIN_RATIO, i + 1);
  }
  return 0;
}

/** One mutilate run at `o.qps`; `peakQps` only labels the report (search). */
export function runMutilate(o: MutilateRunOptions, peakQps?: number): LoadgenResult {
  const t0 = performance.now();
  const clients = o.clients ?? DEFAULT_CLIENTS;
  let cluster: Cluster | null = null;
  const load = new MutilateLoad({
    server: serverEndpoint(() => cluster, MEMCACHED_PORT),
    hosts: clients,
    qps: o.qps,
    connections: o.connections,
    depth: o.depth,
    threads: o.threads,
    measureConns: o.measureConns,
    keySize: parseGenerator(o.keySize),
    valueSize: parseGenerator(o.valueSize),
    interarrival: parseGenerator(o.interarrival),
    records: o.records,
    update: o.update,
    warmup: o.warmup,
    duration: o.duration,
    seed: o.seed,
  });
  // memcached's -m 64 default: every slab class the values land in takes a 1 MiB page.
  const memLimit = Math.max(MEMCACHED_MEM_LIMIT, o.records * MEMCACHED_BYTES_PER_RECORD);
  let txBytes = 0;
  for (let h = 0; h < clients; h++) txBytes = Math.max(txBytes, mutilateTxBytes(load.cfg, h));
  cluster = (o.cluster ?? defaultCluster)({
    server: serverSpec(o, serverApp("memcached", o.mode, { memLimit, calibration: o.calibration })),
    ports: o.ports ?? DEFAULT_PORTS,
    clients,
    clientApp: (h) => (tx, env) => new MutilateApp(load, h, { tx, now: env.now, cores: env.cores }),
    clientTxBytes: txBytes,
    seed: o.seed,
  });
  drive(cluster, o.warmup + o.duration + SETUP_TIME_LIMIT, load, () => load.stopAt);
  const s = load.stats();
  const get = s.get;
  const empty = get.count === 0;
  return {
    tool: "mutilate",
    mode: o.mode,
    requestsPerSec: (s.gets + s.sets) / load.seconds,
    latencyUs: {
      mean: empty ? 0 : get.average(),
      stdev: empty ? 0 : get.stddev(),
      p50: empty ? 0 : get.percentile(50),
      p90: empty ? 0 : get.percentile(90),
      p99: empty ? 0 : get.percentile(99),
      max: histogramMax(get),
    },
    transferBytes: s.rxBytes,
    errors: { socket: load.errors },
    misses: s.getMisses,
    loss: lossOf(cluster),
    simTime: cluster.sched.now,
    events: cluster.sched.dispatched,
    wallSeconds: (performance.now() - t0) / 1000,
    report: formatReport({ stats: s, seconds: load.seconds, peakQps }),
    mutilate: s,
    mutilateLoad: load,
  };
}

export interface MutilateSearch {
  readonly outcome: SearchOutcome;
  /** Every run, in order; the answer is the last one's requestsPerSec. */
  readonly runs: readonly LoadgenResult[];
}

/**
 * mutilate's `--search P:X`: the highest QPS whose read p-th percentile
 * stays <= X us (apps/mutilate/search.ts), one full run (a fresh cluster:
 * connect, load, warm-up, window) per step. The last run's report carries
 * "Peak QPS".
 */
export function searchMutilate(
  o: MutilateRunOptions,
  percentile: number,
  boundUs: number,
): MutilateSearch {
  const runs: LoadgenResult[] = [];
  const outcome = search(boundUs, (qps) => {
    const r = runMutilate({ ...o, qps });
    runs.push(r);
    return { achievedQps: r.requestsPerSec, latencyUs: r.mutilate!.get.percentile(percentile) };
  }, o.qps);
  const last = runs[runs.length - 1];
  const report = formatReport({
    stats: last.mutilate!,
    seconds: o.duration / SEC,
    peakQps: outcome.peakQps,
  });
  runs[runs.length - 1] = { ...last, report };
  return { outcome, runs };
}

/** A short window for tests and benches: 2 ms measured after 0.5 ms of warm-up. */
export const SHORT_WINDOW: { readonly warmup: Time; readonly duration: Time } = Object.freeze({
  warmup: MS / 2,
  duration: 2 * MS,
});
