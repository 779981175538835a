/**
 * The command line: `deno task sim <experiment> [options]`.
 *
 *   deno task sim netpipe --mode dlibos --variant nocopy --sizes 64,1024 --json out.json
 *   deno task sim wrk -c 2048 -t 64 -d 20ms --latency --mode dlibos
 *   deno task sim mutilate -q 2000000 -c 34 -T 10 -d 4 -t 20ms --search 99:500
 *
 * Output rules: a short human summary goes to stdout; `--json FILE` writes
 * the results file, `--json -` writes it to stdout instead of the summary.
 * Output paths are checked before anything runs, and files are written
 * before anything is printed. Bad options print one line naming the problem
 * and exit 2.
 */
import { command, dispatch, opt, type Program, runCli, UsageError } from "../core/cli.ts";
import { Progress } from "./progress.ts";
import { BOARDS, NETPIPE_DEFAULT_REPS, NETPIPE_DEFAULT_WARMUP } from "./netpipe.ts";
import { defaultSizes } from "./netpipe.ts";
import { runNetpipeExperiment } from "./netpipe_experiment.ts";
import { type Layout, parseLayout } from "../stack/host/layout.ts";
import { HOST_MODES, type HostMode } from "../stack/host/node.ts";
import type { NetpipeVariant } from "../apps/netpipe/netpipe.ts";
import { PcapWriter } from "../stack/pcap.ts";
import { runAppLoad, type ServerApp } from "./apps_run.ts";
import { toUs } from "../core/time.ts";
import { formatLoss, lossFields } from "../stack/host/counters.ts";
import {
  collectMeta,
  makeResults,
  type Point,
  type Results,
  serializeResults,
  writeResults,
} from "../report/results.ts";
import { STDOUT_PATH } from "../core/cli.ts";
import { appSummary, netpipeSummary } from "./summary.ts";
import { MS, SEC, type Time, US } from "../core/time.ts";
import {
  DEFAULT_CLIENTS,
  DEFAULT_PORTS,
  DEFAULT_WRK_PATH,
  type LoadgenResult,
  type MutilateRunOptions,
  runMutilate,
  runWrk,
  searchMutilate,
} from "./loadgen.ts";
import { parseGenerator } from "../apps/mutilate/generators.ts";
import { parseScan, parseSearch } from "../apps/mutilate/search.ts";
import { scanHeader, scanRow } from "../apps/mutilate/report.ts";
import { X86_HOST } from "../hw/costs/x86.ts";

const VARIANTS: readonly NetpipeVariant[] = ["copy", "nocopy"];
/** Largest message the CLI accepts (the transmit region must hold it). */
const MAX_MESSAGE_BYTES = 64 << 20;
const MAX_REPS = 100_000;

/** Parses --layout and checks that it fits the chosen board. */
function layoutValue(raw: string, board: string): Layout {
  let layout: Layout;
  try {
    layout = parseLayout(raw);
  } catch (e) {
    throw new UsageError(`--layout: ${(e as Error).message}`);
  }
  const spec = BOARDS[board];
  if (spec === undefined) throw new UsageError(`--board: unknown board ${board}`);
  const tiles = spec.width * spec.height;
  if (layout.net + layout.app > tiles) {
    throw new UsageError(
      `--layout: ${raw} needs ${layout.net + layout.app} cores; ${board} has ${tiles}`,
    );
  }
  return layout;
}

const RESULTS_HELP = "write the results file here ('-': to stdout instead of the summary)";

/**
 * The output rule of every `sim` command: the results file goes to `json`
 * (checked at parse time) or, for "-", to stdout; otherwise stdout gets the
 * human summary.
 */
async function emitResults(
  results: Results,
  json: string | undefined,
  summary: (r: Results) => string,
): Promise<void> {
  if (json === STDOUT_PATH) {
    console.log(serializeResults(results).trimEnd());
    return;
  }
  if (json !== undefined) await writeResults(json, results);
  console.log(summary(results));
}

const netpipe = command({
  name: "netpipe",
  summary: "NetPIPE ping-pong latency and throughput between two boards",
  options: {
    mode: opt.oneOf("hosting mode (default: all three)", HOST_MODES),
    variant: opt.oneOf("copy per request or zero-touch (default: both)", VARIANTS),
    board: opt.oneOf("board model", ["gx36", "gx72"] as const, "gx36"),
    layout: opt.string("core layout: d12-all, d12-q or N:M[-q] (network:application)", {
      default: "d12-all",
    }),
    sizes: opt.intList("message sizes in bytes (default: NetPIPE schedule up to 1 MiB)", {
      min: 1,
      max: MAX_MESSAGE_BYTES,
    }),
    reps: opt.int("timed round trips per size", {
      min: 1,
      max: MAX_REPS,
      default: NETPIPE_DEFAULT_REPS,
    }),
    warmup: opt.int("untimed round trips per size", {
      min: 0,
      max: MAX_REPS,
      default: NETPIPE_DEFAULT_WARMUP,
    }),
    seed: opt.int("random seed", { min: 0, max: 2 ** 31 - 1, default: 1 }),
    json: opt.outputFile(RESULTS_HELP, { stdout: true }),
    pcap: opt.outputFile("write the first run's wire traffic here (libpcap, ns timestamps)"),
    quiet: opt.flag("no progress output"),
  },
  async run(v) {
    const layout = layoutValue(v.layout, v.board);
    const modes: HostMode[] = v.mode ? [v.mode] : [...HOST_MODES];
    const variants: NetpipeVariant[] = v.variant ? [v.variant] : [...VARIANTS];
    const sizes = v.sizes ?? defaultSizes();
    const pcap = v.pcap ? new PcapWriter() : undefined;
    const progress = new Progress(modes.length * variants.length, "netpipe", { quiet: v.quiet });
    const t0 = performance.now();
    const exp = runNetpipeExperiment({
      modes,
      variants,
      board: v.board,
      layout,
      sizes,
      reps: v.reps,
      warmup: v.warmup,
      seed: v.seed,
      pcap,
      onRun: (label) => progress.tick(1, label),
    });
    const wall = (performance.now() - t0) / 1000;
    progress.done(`${exp.events} events in ${wall.toFixed(1)} s`);
    const results = makeResults(exp.body, await collectMeta(wall, { seeds: [v.seed] }));
    if (pcap && v.pcap) await pcap.writeFile(v.pcap);
    await emitResults(results, v.json, netpipeSummary);
    return 0;
  },
});

const MAX_CONNECTIONS = 4096;

/** `sim memcached` / `sim web`: a closed-loop client against the server in each mode. */
function appCommand(app: ServerApp) {
  return command({
    name: app,
    summary: app === "memcached"
      ? "Memcached (get loop after one set per connection) served to a closed-loop client"
      : "the in-memory webserver (keep-alive GET loop) served to a closed-loop client",
    options: {
      mode: opt.oneOf("hosting mode (default: all three)", HOST_MODES),
      board: opt.oneOf("board model", ["gx36", "gx72"] as const, "gx36"),
      layout: opt.string("core layout: d12-all, d12-q or N:M[-q]", { default: "d12-all" }),
      connections: opt.int("client connections", { min: 1, max: MAX_CONNECTIONS, default: 16 }),
      requests: opt.int("requests per connection", { min: 1, max: MAX_REPS, default: 100 }),
      seed: opt.int("random seed", { min: 0, max: 2 ** 31 - 1, default: 1 }),
      json: opt.outputFile(RESULTS_HELP, { stdout: true }),
      quiet: opt.flag("no progress output"),
    },
    async run(v) {
      const layout = layoutValue(v.layout, v.board);
      const modes: HostMode[] = v.mode ? [v.mode] : [...HOST_MODES];
      const progress = new Progress(modes.length, app, { quiet: v.quiet });
      const t0 = performance.now();
      const series = modes.map((mode) => {
        const o = runAppLoad({
          mode,
          app,
          board: v.board,
          layout,
          connections: v.connections,
          requests: v.requests,
          seed: v.seed,
        });
        progress.tick(1, mode);
        if (!v.quiet) console.error(`${mode}: ${formatLoss(o.loss)}`);
        return {
          name: mode,
          mode,
          points: [{
            connections: v.connections,
            completed: o.completed,
            errors: o.errors,
            requestsPerSec: o.requestsPerSec,
            p50Us: toUs(o.latency.p50),
            p99Us: toUs(o.latency.p99),
            ...lossFields(o.loss),
          }],
        };
      });
      const wall = (performance.now() - t0) / 1000;
      progress.done();
      const results = makeResults(
        {
          experiment: `${app}-closed-loop`,
          config: {
            board: v.board,
            layout: layout.name,
            connections: v.connections,
            requests: v.requests,
            seed: v.seed,
          },
          series,
        },
        await collectMeta(wall, { seeds: [v.seed] }),
      );
      await emitResults(results, v.json, appSummary);
      return 0;
    },
  });
}

/** Units of `--duration`-style values; a bare number is seconds (as wrk and mutilate read it). */
const DURATION_UNITS: Readonly<Record<string, Time>> = { us: US, ms: MS, s: SEC, m: 60 * SEC };
/** Longest simulated window the command line accepts. */
const MAX_WINDOW: Time = 60 * SEC;

/** A duration such as `20ms`, `500us`, `2s` or `0.01` (seconds). */
function durationOpt(help: string, def: string, o: { min?: Time; short?: string } = {}) {
  const parse = (raw: string): Time => {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(us|ms|s|m)?\s*$/.exec(raw);
    if (m === null) throw new Error(`expected a duration like 20ms, 500us or 2s, got '${raw}'`);
    const t = Math.round(Number(m[1]) * DURATION_UNITS[m[2] ?? "s"]);
    if (t < (o.min ?? 0) || t > MAX_WINDOW) {
      throw new Error(
        `'${raw}' is out of range (${(o.min ?? 0) / US} us .. ${MAX_WINDOW / SEC} s)`,
      );
    }
    return t;
  };
  return {
    ...opt.string(help, { default: def, short: o.short }),
    placeholder: "TIME",
    parse,
    default: parse(def),
    defaultText: def,
  };
}

/** Options every load-generator command takes. */
function testbedOptions() {
  return {
    mode: opt.oneOf("server hosting mode (default: all three)", HOST_MODES),
    board: opt.oneOf("board model", ["gx36", "gx72"] as const, "gx36"),
    layout: opt.string("core layout: d12-all, d12-q or N:M[-q]", { default: "d12-all" }),
    ports: opt.int("server ports in use", { min: 1, max: DEFAULT_PORTS, default: DEFAULT_PORTS }),
    clients: opt.int("x86 client hosts, one per port (<= --ports)", {
      min: 1,
      max: DEFAULT_PORTS,
      default: DEFAULT_CLIENTS,
    }),
    seed: opt.int("random seed", { min: 0, max: 2 ** 31 - 1, default: 1 }),
    json: opt.outputFile("write the results file here"),
    quiet: opt.flag("no progress output"),
  };
}

function checkTestbed(v: { ports: number; clients: number }): void {
  if (v.clients > v.ports) {
    throw new UsageError(
      `--clients: ${v.clients} client hosts need as many ports (--ports ${v.ports})`,
    );
  }
}

/** The flat result point of one run (report/results.ts Points are flat). */
function loadgenPoint(r: LoadgenResult, extra: Point = {}): Point {
  const errors = Object.values(r.errors).reduce((a, b) => a + b, 0);
  return {
    ...extra,
    requestsPerSec: r.requestsPerSec,
    "latencyUs.mean": r.latencyUs.mean,
    "latencyUs.p50": r.latencyUs.p50,
    "latencyUs.p90": r.latencyUs.p90,
    "latencyUs.p99": r.latencyUs.p99,
    "latencyUs.max": r.latencyUs.max,
    transferBytes: r.transferBytes,
    errors,
    misses: r.misses,
    simTime: r.simTime,
    events: r.events,
    ...lossFields(r.loss),
  };
}

/** Prints a run's report and its loss line. */
function printRun(label: string, r: LoadgenResult, quiet: boolean): void {
  console.log(`# ${label}`);
  console.log(r.report.trimEnd());
  console.log(formatLoss(r.loss));
  if (!quiet) {
    console.error(`${label}: ${r.events} events, ${r.wallSeconds.toFixed(1)} s wall`);
  }
}

async function writeLoadgenResults(
  experiment: string,
  config: Record<string, string | number | boolean>,
  series: { name: string; mode: string; points: Point[] }[],
  json: string | undefined,
  wall: number,
): Promise<void> {
  if (json === undefined) return;
  const results = makeResults({ experiment, config, series }, await collectMeta(wall));
  await writeResults(json, results);
}

const MAX_WRK_CONNECTIONS = 65_536;
const MAX_THREADS = 1024;

const wrk = command({
  name: "wrk",
  summary: "wrk (closed loop, keep-alive GETs) on x86 client hosts against the webserver",
  options: {
    connections: opt.int("total connections", {
      short: "c",
      min: 1,
      max: MAX_WRK_CONNECTIONS,
      default: 64,
    }),
    threads: opt.int("threads, spread over the client hosts' cores", {
      short: "t",
      min: 1,
      max: MAX_THREADS,
      default: DEFAULT_CLIENTS * X86_HOST.cores,
    }),
    duration: durationOpt("measurement window (e.g. 20ms, 1s)", "10ms", { min: US, short: "d" }),
    warmup: durationOpt("untimed run first (wrk has none)", "0"),
    timeout: durationOpt("latencies above it count as timeouts (whole seconds in wrk)", "2s", {
      min: SEC,
    }),
    latency: opt.flag("print the latency distribution", { short: "L" }),
    path: opt.string("URL path requested", { default: DEFAULT_WRK_PATH }),
    ...testbedOptions(),
  },
  async run(v) {
    checkTestbed(v);
    const layout = layoutValue(v.layout, v.board);
    if (v.threads > v.connections) throw new UsageError("--connections: must be >= --threads");
    if (!v.path.startsWith("/") || /\s/.test(v.path)) {
      throw new UsageError(`--path: expected an absolute path without spaces, got '${v.path}'`);
    }
    const modes: HostMode[] = v.mode ? [v.mode] : [...HOST_MODES];
    const t0 = performance.now();
    const series = modes.map((mode) => {
      const r = runWrk({
        mode,
        board: v.board,
        layout,
        ports: v.ports,
        clients: v.clients,
        seed: v.seed,
        connections: v.connections,
        threads: v.threads,
        duration: v.duration,
        warmup: v.warmup,
        timeoutMs: Math.floor(v.timeout / SEC) * 1000,
        latency: v.latency,
        path: v.path,
      });
      printRun(mode, r, v.quiet);
      return { name: mode, mode, points: [loadgenPoint(r, { connections: v.connections })] };
    });
    await writeLoadgenResults(
      "wrk",
      {
        board: v.board,
        layout: layout.name,
        ports: v.ports,
        clients: v.clients,
        connections: v.connections,
        threads: v.threads,
        durationUs: v.duration / US,
        warmupUs: v.warmup / US,
        path: v.path,
        seed: v.seed,
      },
      series,
      v.json,
      (performance.now() - t0) / 1000,
    );
    return 0;
  },
});

/** mutilate's per-thread connection limit (-c, cmdline.ggo). */
const MUTILATE_MAX_CONNECTIONS = 512;
const MAX_DEPTH = 4096;
const MAX_RECORDS = 10_000_000;
const MAX_QPS = 1e9;

/** A -K/-V/-i spec mutilate accepts (and, for -i under pacing, one with a rate). */
function generatorOpt(help: string, short: string, def: string, interarrival = false) {
  const parse = (raw: string): string => {
    const g = parseGenerator(raw);
    if (interarrival) g.withLambda(1);
    return raw;
  };
  return { ...opt.string(help, { short, default: def }), placeholder: "DIST", parse };
}

const mutilate = command({
  name: "mutilate",
  summary: "mutilate (open loop, master + agents) on x86 client hosts against Memcached",
  options: {
    qps: opt.int("target QPS over all connections (0: unpaced)", {
      short: "q",
      min: 0,
      max: MAX_QPS,
      default: 0,
    }),
    connections: opt.int("connections per agent thread", {
      short: "c",
      min: 1,
      max: MUTILATE_MAX_CONNECTIONS,
      default: 1,
    }),
    depth: opt.int("agents' outstanding requests per connection", {
      short: "d",
      min: 1,
      max: MAX_DEPTH,
      default: 1,
    }),
    time: durationOpt("measurement window (e.g. 20ms, 1s)", "10ms", { min: US, short: "t" }),
    threads: opt.int("threads per agent (one agent per client host)", {
      short: "T",
      min: 1,
      max: MAX_THREADS,
      default: 1,
    }),
    keysize: generatorOpt("key size distribution (e.g. 30, fb_key)", "K", "30"),
    valuesize: generatorOpt("value size distribution (e.g. 200, fb_value)", "V", "200"),
    iadist: generatorOpt(
      "inter-arrival distribution (e.g. exponential, fb_ia)",
      "i",
      "exponential",
      true,
    ),
    records: opt.int("keys", { short: "r", min: 1, max: MAX_RECORDS, default: 10_000 }),
    update: opt.number("probability that a request is a set", {
      short: "u",
      min: 0,
      max: 1,
      default: 0,
    }),
    warmup: durationOpt("warm-up before the window", "0", { short: "w" }),
    scan: opt.string("min:max:step: one run per target QPS"),
    search: opt.string("P:X: highest QPS whose read P-th percentile stays <= X us"),
    "measure-conns": opt.int("the measuring client's connections (depth 1, sample latency)", {
      min: 0,
      max: MUTILATE_MAX_CONNECTIONS,
      default: 32,
    }),
    ...testbedOptions(),
  },
  async run(v) {
    checkTestbed(v);
    const layout = layoutValue(v.layout, v.board);
    if (v.scan !== undefined && v.search !== undefined) {
      throw new UsageError("--scan and --search exclude each other");
    }
    const scan = v.scan === undefined ? null : parseScan(v.scan);
    if (v.scan !== undefined && (scan === null || !(scan.step > 0) || scan.max < scan.min)) {
      throw new UsageError(`--scan: expected min:max:step with step > 0, got '${v.scan}'`);
    }
    const searchArg = v.search === undefined ? null : parseSearch(v.search);
    if (
      v.search !== undefined &&
      (searchArg === null || !(searchArg.percentile > 0 && searchArg.percentile <= 100) ||
        !(searchArg.boundUs > 0))
    ) {
      throw new UsageError(`--search: expected P:X with 0 < P <= 100 and X > 0, got '${v.search}'`);
    }
    if (v["measure-conns"] === 0 && (searchArg !== null || scan !== null)) {
      throw new UsageError("--measure-conns: --search and --scan need latency samples (>= 1)");
    }
    const modes: HostMode[] = v.mode ? [v.mode] : [...HOST_MODES];
    const t0 = performance.now();
    const series = modes.map((mode) => {
      const o: MutilateRunOptions = {
        mode,
        board: v.board,
        layout,
        ports: v.ports,
        clients: v.clients,
        seed: v.seed,
        qps: v.qps,
        connections: v.connections,
        depth: v.depth,
        threads: v.threads,
        measureConns: v["measure-conns"],
        keySize: v.keysize,
        valueSize: v.valuesize,
        interarrival: v.iadist,
        records: v.records,
        update: v.update,
        warmup: v.warmup,
        duration: v.time,
      };
      const points: Point[] = [];
      if (scan !== null) {
        console.log(`# ${mode}`);
        console.log(scanHeader());
        for (let q = scan.min; q <= scan.max; q += scan.step) {
          const r = runMutilate({ ...o, qps: q });
          console.log(scanRow(r.mutilate!, v.time / SEC, q));
          points.push(loadgenPoint(r, { targetQps: q }));
        }
      } else if (searchArg !== null) {
        const s = searchMutilate(o, searchArg.percentile, searchArg.boundUs);
        const last = s.runs[s.runs.length - 1];
        printRun(mode, last, v.quiet);
        s.runs.forEach((r, i) =>
          points.push(loadgenPoint(r, {
            step: i,
            targetQps: s.outcome.steps[i].targetQps,
            [`readP${searchArg.percentile}Us`]: s.outcome.steps[i].result.latencyUs,
            answer: i === s.runs.length - 1,
            met: s.outcome.met,
            peakQps: s.outcome.peakQps,
          }))
        );
      } else {
        const r = runMutilate(o);
        printRun(mode, r, v.quiet);
        points.push(loadgenPoint(r, { targetQps: v.qps }));
      }
      return { name: mode, mode, points };
    });
    await writeLoadgenResults(
      "mutilate",
      {
        board: v.board,
        layout: layout.name,
        ports: v.ports,
        clients: v.clients,
        qps: v.qps,
        connections: v.connections,
        depth: v.depth,
        threads: v.threads,
        measureConns: v["measure-conns"],
        keysize: v.keysize,
        valuesize: v.valuesize,
        iadist: v.iadist,
        records: v.records,
        update: v.update,
        timeUs: v.time / US,
        warmupUs: v.warmup / US,
        scan: v.scan ?? "",
        search: v.search ?? "",
        seed: v.seed,
      },
      series,
      v.json,
      (performance.now() - t0) / 1000,
    );
    return 0;
  },
});

export const SIM: Program = {
  name: "sim",
  summary: "dlibos: run one of the paper's experiments on the simulated machines.",
  commands: [netpipe, appCommand("memcached"), appCommand("web"), wrk, mutilate],
};

if (import.meta.main) {
  await runCli(() => dispatch(SIM, Deno.args));
}
