/**
 * The command line: `deno task sim <experiment> [options]`.
 *
 *   deno task sim netpipe --mode dlibos --variant nocopy --sizes 64,1024 --json out.json
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
  type Results,
  serializeResults,
  writeResults,
} from "../report/results.ts";
import { STDOUT_PATH } from "../core/cli.ts";
import { appSummary, netpipeSummary } from "./summary.ts";

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

export const SIM: Program = {
  name: "sim",
  summary: "dlibos: run one of the paper's experiments on the simulated machines.",
  commands: [netpipe, appCommand("memcached"), appCommand("web")],
};

if (import.meta.main) {
  await runCli(() => dispatch(SIM, Deno.args));
}
