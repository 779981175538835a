/**
 * Helpers the point-based load experiments (bench/webserver_experiment.ts,
 * bench/memcached_experiment.ts) share: capturing the testbed a runner
 * builds, a server profile flattened into JSON for a point's data, the link
 * limit of a response size, and folding points of several seeds into a mean
 * with a 95% interval.
 */
import { jainIndex } from "../core/stats.ts";
import { toUs } from "../core/time.ts";
import { CATEGORIES } from "../core/work.ts";
import { ETH_FCS_BYTES, ETH_IFG_BYTES, ETH_PREAMBLE_BYTES, TEN_GBE_BPS } from "../hw/link.ts";
import { DEFAULT_MSS } from "../stack/tcp/config.ts";
import { profileNode, profileRows } from "../stack/host/profile.ts";
import { Cluster, type ClusterSpec } from "../stack/host/testbed.ts";
import type { JsonObject, JsonValue, Point } from "../report/results.ts";
import type { PointResult, PointSpec } from "./plan.ts";
import type { HostMode } from "../stack/host/node.ts";

/** A server configuration of the paper's experiments: hosting mode and core layout. */
export interface ServerConfig {
  /** Label used in point ids and series names. */
  readonly label: string;
  readonly mode: HostMode;
  /** Layout name (stack/host/layout.ts). */
  readonly layout: string;
}

/**
 * The paper's configurations: DLibOS in both layouts, RTC and Linux on all 36
 * tiles (they run stack and application on every tile of the layout: 12 + 24).
 */
export const PAPER_CONFIGS: readonly ServerConfig[] = [
  { label: "dlibos/d12-all", mode: "dlibos", layout: "d12-all" },
  { label: "dlibos/d12-q", mode: "dlibos", layout: "d12-q" },
  { label: "rtc/36", mode: "rtc", layout: "12:24" },
  { label: "linux/36", mode: "linux", layout: "12:24" },
];

/** A cluster factory that remembers the last cluster it built (to profile it after the run). */
export function capturingCluster(): {
  factory: (spec: ClusterSpec) => Cluster;
  last: () => Cluster;
} {
  let last: Cluster | null = null;
  return {
    factory: (spec) => (last = new Cluster(spec)),
    last: () => {
      if (last === null) throw new Error("no cluster was built");
      return last;
    },
  };
}

/** Ethernet + IPv4 + TCP headers of a data frame without options (bytes). */
const FRAME_HEADERS = 14 + 20 + 20;

/**
 * Wire bytes of `bytes` of TCP payload sent in full-MSS segments: headers,
 * FCS, preamble and inter-frame gap per frame (docs/PAPER.md "Ethernet on the
 * wire"); short frames padded to the minimum.
 */
export function wireBytesOfPayload(bytes: number): number {
  const frames = Math.max(1, Math.ceil(bytes / DEFAULT_MSS));
  const perFrame = FRAME_HEADERS + ETH_FCS_BYTES + ETH_PREAMBLE_BYTES + ETH_IFG_BYTES;
  const padding = bytes < 60 - FRAME_HEADERS ? 60 - FRAME_HEADERS - bytes : 0;
  return bytes + padding + frames * perFrame;
}

/** Responses/s `links` 10 GbE links can carry when each response is `bytes` of TCP payload. */
export function linkLimitPerSec(bytes: number, links: number): number {
  return (links * TEN_GBE_BPS) / (8 * wireBytesOfPayload(bytes));
}

/** CDF points kept: one per this step of cumulative fraction (plus the last). */
const CDF_STEP = 0.02;
/** Lock rows a profile keeps (most spin first). */
const TOP_LOCKS = 8;

/** Fairness over a run's connections (Jain's index; 1 = perfectly fair). */
export interface Fairness {
  /** Over every connection's completed requests. */
  readonly throughputJain: number;
  /** Over the measuring connections' get p99 (those with samples). */
  readonly p99Jain: number;
  /** Connections counted. */
  readonly connections: number;
  /** The fewest and most requests one connection completed. */
  readonly minCompleted: number;
  readonly maxCompleted: number;
}

/** Jain's index over per-connection counts and per-measuring-connection p99. */
export function fairnessOf(
  completed: readonly number[],
  p99: readonly (number | null)[],
): Fairness {
  const lat = p99.filter((x): x is number => x !== null);
  return {
    throughputJain: jainIndex(completed),
    p99Jain: jainIndex(lat),
    connections: completed.length,
    minCompleted: completed.length ? Math.min(...completed) : 0,
    maxCompleted: completed.length ? Math.max(...completed) : 0,
  };
}

/**
 * The server's profile over the measurement window, as JSON: a summary
 * (shares, drops, frame waits), per role and per core the time by category
 * (per core in integer picoseconds, summing exactly to the window), the frame
 * waiting-time CDF (thinned), the top locks, and the kernel-spinlock share
 * (spin on kernel-owned locks over busy time; 0 outside Linux).
 */
export function serverProfile(cluster: Cluster): JsonObject {
  const p = profileNode(cluster.server);
  const rows = profileRows(p);
  let busy = 0;
  for (const c of p.cores) busy += c.busy;
  let kernelSpin = 0, lockSpinCat = 0;
  for (const l of p.locks) if (l.owner === "kernel") kernelSpin += l.spin;
  for (const c of p.cores) lockSpinCat += c.time["lock-spin"];
  const cores: JsonValue[] = p.cores.map((c) => {
    const o: JsonObject = { id: c.id, role: c.role, window: c.window, busy: c.busy };
    for (const k of CATEGORIES) o[k] = c.time[k];
    o.idle = c.time.idle;
    return o;
  });
  const cdf: JsonValue[] = [];
  let next = 0;
  rows.rxWaitCdf.forEach((q, i) => {
    if (q.fraction >= next || i === rows.rxWaitCdf.length - 1) {
      cdf.push({ us: q.us, fraction: q.fraction });
      next = (Math.floor(q.fraction / CDF_STEP) + 1) * CDF_STEP;
    }
  });
  return {
    summary: { ...rows.summary },
    roles: p.roles.map((r) => ({
      role: r.role,
      cores: r.cores,
      networkShare: r.networkShare,
      applicationShare: r.applicationShare,
      interfaceShare: r.interfaceShare,
      idleShare: r.idleShare,
    })),
    bars: rows.bars.map((b) => ({
      role: b.role,
      category: b.category,
      group: b.group,
      us: b.us,
      share: b.share,
    })),
    cores,
    rxWaitCdf: cdf,
    locks: rows.locks.slice(0, TOP_LOCKS).map((l) => ({
      owner: l.owner,
      name: l.name,
      acquisitions: l.acquisitions,
      contended: l.contended,
      spinUs: l.spinUs,
      meanHoldUs: l.meanHoldUs,
    })),
    busyUs: toUs(busy),
    kernelSpinShare: busy > 0 ? kernelSpin / busy : 0,
    lockSpinShare: busy > 0 ? lockSpinCat / busy : 0,
  };
}

/** Student's t (two-sided 95%) by degrees of freedom 1..10; the normal 1.96 beyond. */
const T95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228];

/** The mean and the half-width of its 95% interval (0 for one value). */
export function meanCi(xs: readonly number[]): { mean: number; ci95: number } {
  const n = xs.length;
  if (n === 0) return { mean: 0, ci95: 0 };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, ci95: 0 };
  const v = xs.reduce((a, b) => a + (b - mean) * (b - mean), 0) / (n - 1);
  const t = T95[n - 2] ?? 1.96;
  return { mean, ci95: (t * Math.sqrt(v)) / Math.sqrt(n) };
}

/** Points of one configuration (every seed), in plan order. */
export interface Group {
  /** The configuration key (`params.key`). */
  readonly key: string;
  /** Its specs and results, one per seed. */
  readonly specs: PointSpec[];
  readonly results: PointResult[];
}

/** Groups plan-ordered points by `params.key` (first appearance order). */
export function groupByKey(specs: readonly PointSpec[], results: readonly PointResult[]): Group[] {
  if (specs.length !== results.length) {
    throw new Error(`assemble: ${specs.length} specs but ${results.length} results`);
  }
  const by = new Map<string, Group>();
  specs.forEach((s, i) => {
    if (results[i].id !== s.id) {
      throw new Error(`assemble: result ${i} is ${results[i].id}, not ${s.id}`);
    }
    const key = String(s.params.key);
    let g = by.get(key);
    if (g === undefined) by.set(key, g = { key, specs: [], results: [] });
    g.specs.push(s);
    g.results.push(results[i]);
  });
  return [...by.values()];
}

/**
 * The mean over a group's seeds of each numeric field named in `fields`
 * (from `data`), with `<field>Ci95` beside it when there are several seeds.
 */
export function meanFields(g: Group, fields: readonly string[]): Point {
  const out: Point = {};
  for (const f of fields) {
    const xs = g.results.map((r) => r.data[f]).filter((x): x is number => typeof x === "number");
    if (xs.length === 0) {
      out[f] = null;
      continue;
    }
    const m = meanCi(xs);
    out[f] = m.mean;
    if (g.results.length > 1) out[`${f}Ci95`] = m.ci95;
  }
  return out;
}

/** The first seed's value of a JSON field (profiles and other structures are not averaged). */
export function firstData(g: Group, field: string): JsonValue | undefined {
  return g.results[0].data[field];
}
