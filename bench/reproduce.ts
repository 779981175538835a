/**
 * `deno task reproduce`: rebuilds the paper's evaluation into
 * report/out/index.html (self-contained) and report/out/results/<experiment>.json.
 *
 * Every registered experiment (bench/experiments.ts) is a list of
 * independent points (bench/plan.ts) run on a pool of Workers (`--jobs`);
 * `--seeds N` runs each configuration with seeds base..base+N-1; `--plan`
 * lists the points; `--shard I/N` runs every N-th point and writes partial
 * results (DIR/points/<experiment>.json) that `deno task merge` turns into the
 * same files a one-machine run writes. Experiments that are not implemented
 * yet are listed as such.
 */
import { opt, type OptionSpec, parseOptions, type ParseSettings, runCli } from "../core/cli.ts";
import { collectMeta } from "../report/results.ts";
import { EXPERIMENTS, registeredExperiments } from "./experiments.ts";
import { type PointResult, type Scale, SCALES } from "./plan.ts";
import { defaultJobs, runPoints } from "./pool.ts";
import { Progress } from "./progress.ts";
import {
  indexedPoints,
  parseShard,
  planAll,
  planLine,
  POINTS_DIR,
  POINTS_SCHEMA,
  pointsFileText,
  type Shard,
  shardText,
  writeRun,
} from "./runs.ts";
import { seedRange } from "./seeds.ts";

const DEFAULT_OUT = "report/out";
const DEFAULT_SEED = 1;
/** Upper bound of --seeds and --jobs (a typo guard, not a limit of the design). */
const MAX_SEEDS = 1000;
const MAX_JOBS = 1024;

const shardOpt: OptionSpec<Shard | undefined> = {
  type: "string",
  help: "run only the points whose plan index % N == I-1 and write DIR/points/<experiment>.json " +
    "(merge shards with `deno task merge`)",
  placeholder: "I/N",
  default: undefined,
  parse: parseShard,
};

/** The program's options. */
export const REPRODUCE_OPTIONS = {
  out: opt.outputDir("output directory (created if its parent exists)", { default: DEFAULT_OUT }),
  scale: opt.oneOf("experiment scale", SCALES, "paper" as Scale),
  seed: opt.int("first random seed", { min: 0, default: DEFAULT_SEED }),
  seeds: opt.int("seeds per configuration (figures are means with a 95% interval)", {
    min: 1,
    max: MAX_SEEDS,
    default: 1,
  }),
  jobs: {
    ...opt.int("Workers running points side by side", { min: 1, max: MAX_JOBS }),
    defaultText: "logical cores",
  },
  plan: opt.flag("print the points (one JSON line each) and exit"),
  shard: shardOpt,
  quiet: opt.flag("no progress output", { short: "q" }),
};

const REPRODUCE_SETTINGS: ParseSettings = {
  usage: "reproduce [--out DIR] [--scale quick|paper] [--seed N] [--seeds N] [--jobs N] " +
    "[--plan] [--shard I/N]",
  summary: "Runs every implemented experiment and writes DIR/index.html and " +
    "DIR/results/<experiment>.json (with --shard: DIR/points/<experiment>.json).",
};

/** Where `reproduceMain` writes its lines (stdout for --plan). */
export interface ReproduceIo {
  readonly stdout: (line: string) => void;
}

const STDOUT: ReproduceIo = { stdout: (line) => console.log(line) };

/**
 * Parses `argv` (a bad option throws a one-line `UsageError`, `--help` the
 * help text; see core/cli.ts), runs every implemented experiment and writes
 * the report, or the plan, or a shard's points.
 */
export async function reproduceMain(
  argv: readonly string[],
  io: ReproduceIo = STDOUT,
): Promise<number> {
  const { values } = parseOptions(REPRODUCE_OPTIONS, argv, REPRODUCE_SETTINGS);
  const { out, scale, quiet, shard } = values;
  const seeds = seedRange(values.seed, values.seeds);
  const jobs = values.jobs ?? defaultJobs();
  const experiments = registeredExperiments();
  const plans = planAll(experiments, scale, seeds);
  const points = indexedPoints(plans, shard);
  if (values.plan) {
    for (const p of points) io.stdout(planLine(p));
    return 0;
  }
  const log = (line: string) => {
    if (!quiet) console.error(line);
  };
  const missing = EXPERIMENTS.filter((e) => !experiments.some((x) => x.name === e.name));
  log(
    `dlibos reproduce: ${experiments.length} of ${EXPERIMENTS.length} experiments implemented` +
      (missing.length ? ` (not yet: ${missing.map((e) => e.name).join(", ")})` : "") +
      `; ${points.length} points at ${scale} scale` + (shard ? `, shard ${shardText(shard)}` : "") +
      `, ${Math.min(jobs, Math.max(points.length, 1))} Workers`,
  );
  const t0 = performance.now();
  const progress = new Progress(points.length, "reproduce", { quiet });
  const results = await runPoints(points.map((p) => p.spec), {
    jobs,
    onProgress: (_done, _total, spec) => progress.tick(1, `${spec.experiment} ${spec.id}`),
  });
  progress.done();
  const wall = (performance.now() - t0) / 1000;
  const byIndex = new Map<number, PointResult>();
  points.forEach((p, i) => byIndex.set(p.index, results[i]));

  if (shard !== undefined) {
    const meta = await collectMeta(wall, { seeds });
    let first = 0;
    for (const { experiment, specs } of plans) {
      const mine = specs.flatMap((spec, i) => {
        const r = byIndex.get(first + i);
        return r === undefined ? [] : [{ spec, result: r }];
      });
      first += specs.length;
      const path = `${out}/${POINTS_DIR}/${experiment.name}.json`;
      await Deno.mkdir(`${out}/${POINTS_DIR}`, { recursive: true });
      await Deno.writeTextFile(
        path,
        pointsFileText({
          schema: POINTS_SCHEMA,
          experiment: experiment.name,
          scale,
          seeds,
          shard: shardText(shard),
          planSize: specs.length,
          meta,
          points: mine,
        }),
      );
      log(`wrote ${path} (${mine.length} of ${specs.length} points)`);
    }
    return 0;
  }

  let first = 0;
  const runs = plans.map(({ experiment, specs }) => {
    const rs = specs.map((_, i) => byIndex.get(first + i)!);
    first += specs.length;
    return { experiment, specs, results: rs };
  });
  const written = await writeRun(out, runs, scale, seeds, wall);
  log(`wrote ${written.html} and ${runs.length} results files in ${wall.toFixed(1)} s`);
  return 0;
}

if (import.meta.main) await runCli(() => reproduceMain(Deno.args));
