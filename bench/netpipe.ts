/**
 * The NetPIPE experiment (slides "NetPIPE"): two boards back to back, one
 * connection, ping-pong over NetPIPE's message sizes, in each hosting mode
 * and both variants (a copy per request, and none).
 */
import { SEC, type Time, toNs, toUs } from "../core/time.ts";
import type { Core } from "../core/executor.ts";
import { CATEGORIES } from "../core/work.ts";
import { type BoardSpec, GX36, GX72 } from "../hw/board.ts";
import {
  NETPIPE_PORT,
  NetpipeClient,
  type NetpipeConfig,
  type NetpipePoint,
  NetpipeServer,
  netpipeSizes,
  type NetpipeVariant,
} from "../apps/netpipe/netpipe.ts";
import { type Layout, parseLayout } from "../stack/host/layout.ts";
import type { HostedNode, HostMode } from "../stack/host/node.ts";
import { Pair, testbedIp } from "../stack/host/testbed.ts";
import type { PcapWriter } from "../stack/pcap.ts";
import type { Point, Series } from "../report/results.ts";
import type { Calibration } from "../hw/costs/calibration.ts";

/** The boards an experiment can name, by key. */
export const BOARDS: Readonly<Record<string, BoardSpec>> = Object.freeze({
  gx36: GX36,
  gx72: GX72,
});

/** Largest NetPIPE message by default (the issue asks for at least 1 MB). */
export const NETPIPE_DEFAULT_MAX = 1 << 20;
/** Timed repetitions per size and untimed warm-up exchanges (NetPIPE adapts these; we fix them). */
export const NETPIPE_DEFAULT_REPS = 3;
export const NETPIPE_DEFAULT_WARMUP = 1;
/** Simulated-time bound of one run; a run that has not finished by then is an error. */
export const NETPIPE_TIME_LIMIT: Time = 60 * SEC;

/** One NetPIPE configuration for {@link runNetpipe}. */
export interface NetpipeRun {
  /** Hosting mode of both boards. */
  readonly mode: HostMode;
  /** Whether the server copies each message before echoing it. */
  readonly variant: NetpipeVariant;
  /** Board name, a key of {@link BOARDS}. */
  readonly board: string;
  /** Core layout of both boards. */
  readonly layout: Layout;
  /** Message sizes in bytes, run in this order. */
  readonly sizes: readonly number[];
  /** Timed repetitions per size. */
  readonly reps: number;
  /** Untimed warm-up exchanges per size. */
  readonly warmup: number;
  /** Root seed of every random stream of the run. */
  readonly seed: number;
  /** Records every frame on the wire when given. */
  readonly pcap?: PcapWriter;
  /** Both boards' free parameters (default the fit, hw/costs/calibration.ts; bench/calibrate.ts). */
  readonly calibration?: Calibration;
}

/** Busy time of one core role on the server, by category, per ping-pong exchange. */
export interface RoleProfile {
  /** "net" (DLibOS network cores), "app" (DLibOS application cores) or "all" (RTC, Linux). */
  readonly role: string;
  /** Busy-time category (see {@link CATEGORIES}). */
  readonly category: string;
  /** Simulated busy time per exchange, summed over the role's cores (ns). */
  readonly nsPerExchange: number;
}

/** The result of one {@link runNetpipe} run. */
export interface NetpipeOutcome {
  /** One measurement per message size, in the order of {@link NetpipeRun.sizes}. */
  readonly points: readonly NetpipePoint[];
  /** Where the server's cores spent their time (whole run, per exchange). */
  readonly profile: readonly RoleProfile[];
  /** Simulated time the run took. */
  readonly simTime: Time;
  /** Scheduler events dispatched (for speed figures). */
  readonly events: number;
}

/**
 * NetPIPE's size schedule up to `max` bytes (powers of two, each also at plus and minus 3 bytes).
 */
export function defaultSizes(max = NETPIPE_DEFAULT_MAX): number[] {
  return netpipeSizes(max);
}

/**
 * Runs one NetPIPE configuration: the client on board A, the server on board B.
 *
 * @example 64-byte ping-pong between two DLibOS boards
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseLayout } from "../stack/host/layout.ts";
 * import { runNetpipe } from "./netpipe.ts";
 *
 * const out = runNetpipe({
 *   mode: "dlibos",
 *   variant: "nocopy",
 *   board: "gx36",
 *   layout: parseLayout("2:2"),
 *   sizes: [64],
 *   reps: 2,
 *   warmup: 1,
 *   seed: 1,
 * });
 * assert.equal(out.points[0].bytes, 64);
 * assert.ok(out.points[0].oneWay > 0); // ps; about 5 us (the paper: 6 us)
 * ```
 */
export function runNetpipe(run: NetpipeRun): NetpipeOutcome {
  const board = BOARDS[run.board];
  if (board === undefined) throw new Error(`unknown board "${run.board}"`);
  const maxSize = Math.max(...run.sizes);
  const txBytes = Math.max(maxSize, 4096);
  const base = (tx: NetpipeConfig["tx"]): NetpipeConfig => ({
    sizes: run.sizes,
    reps: run.reps,
    warmup: run.warmup,
    variant: run.variant,
    tx,
  });
  let client: NetpipeClient | null = null;
  const pair = new Pair(
    {
      name: "client",
      mode: run.mode,
      board,
      layout: run.layout,
      txBytes,
      calibration: run.calibration,
      app: (tx) => {
        client = new NetpipeClient(base(tx), { addr: testbedIp(2), port: NETPIPE_PORT });
        return client;
      },
    },
    {
      name: "server",
      mode: run.mode,
      board,
      layout: run.layout,
      txBytes,
      calibration: run.calibration,
      app: (tx) => new NetpipeServer(base(tx)),
    },
    { seed: run.seed, pcap: run.pcap },
  );
  const c = client as NetpipeClient | null;
  if (c === null) throw new Error("netpipe: client app was not built");
  c.onDone = () => pair.sched.stop();
  pair.start();
  pair.sched.runUntil(NETPIPE_TIME_LIMIT);
  if (!c.finished) {
    throw new Error(
      `netpipe (${run.mode}, ${run.variant}) did not finish within ${
        NETPIPE_TIME_LIMIT / SEC
      } simulated s`,
    );
  }
  const exchanges = run.sizes.length * (run.reps + run.warmup);
  return {
    points: c.results(),
    profile: serverProfile(pair.b, exchanges),
    simTime: pair.sched.now,
    events: pair.sched.dispatched,
  };
}

/** Sums the server's core breakdowns by role and category, per exchange. */
function serverProfile(node: HostedNode, exchanges: number): RoleProfile[] {
  const shared = node.netCores[0] === node.appCores[0];
  const roles: [string, readonly Core[]][] = shared
    ? [["all", node.netCores]]
    : [["net", node.netCores], ["app", node.appCores]];
  const out: RoleProfile[] = [];
  for (const [role, cores] of roles) {
    for (const cat of CATEGORIES) {
      let t = 0;
      for (const core of cores) t += core.timeIn(cat);
      if (t > 0) out.push({ role, category: cat, nsPerExchange: toNs(t) / exchanges });
    }
  }
  return out;
}

/** The results-file series of one run. */
export function netpipeSeries(run: NetpipeRun, out: NetpipeOutcome): Series {
  const points: Point[] = out.points.map((p) => ({
    bytes: p.bytes,
    oneWayLatencyUs: toUs(p.oneWay),
    minOneWayLatencyUs: toUs(p.minOneWay),
    throughputGbps: (p.bytes * 8) / (p.oneWay / 1000), // bits per ns = Gb/s
    reps: p.reps,
  }));
  return { name: `${run.mode}/${run.variant}`, mode: run.mode, variant: run.variant, points };
}

/** The results-file series of one run's server profile. */
export function profileSeries(run: NetpipeRun, out: NetpipeOutcome): Series {
  return {
    name: `profile/${run.mode}/${run.variant}`,
    mode: run.mode,
    variant: run.variant,
    points: out.profile.map((p) => ({ ...p })),
  };
}

export { parseLayout };
