/**
 * `deno task merge DIR...`: merges the points files that
 * `deno task reproduce --shard I/N --out DIR` runs wrote (DIR/points/*.json)
 * into the results files and report a one-machine run writes
 * (`--out`/results/<experiment>.json and `--out`/index.html).
 *
 * Every shard must come from the same scale, seeds and commit, and together
 * they must hold every point of every registered experiment's plan exactly
 * once; otherwise one line names the problem (a missing or duplicated point,
 * a point this commit's plan does not have) and the exit status is 2.
 */
import { opt, parseOptions, type ParseSettings, runCli, UsageError } from "../core/cli.ts";
import { registeredExperiments } from "./experiments.ts";
import type { PointResult, PointSpec } from "./plan.ts";
import {
  type ExperimentRun,
  parsePointsFile,
  planAll,
  POINTS_DIR,
  type PointsFile,
  specKey,
  writeRun,
} from "./runs.ts";

/** The program's options. */
export const MERGE_OPTIONS = {
  out: opt.outputDir("output directory (created if its parent exists)", {
    default: "report/out",
  }),
  quiet: opt.flag("no progress output", { short: "q" }),
};

const MERGE_SETTINGS: ParseSettings = {
  usage: "merge [--out DIR] SHARD_DIR...",
  summary: "Merges the points of `reproduce --shard I/N --out SHARD_DIR` runs into " +
    "DIR/results/<experiment>.json and DIR/index.html.",
  positionals: { min: 1, max: Infinity, names: "shard directories" },
};

/** The points files of one shard directory (DIR/points/*.json), sorted by name. */
async function readShardDir(dir: string): Promise<{ path: string; file: PointsFile }[]> {
  const pointsDir = `${dir}/${POINTS_DIR}`;
  let names: string[];
  try {
    names = [];
    for await (const e of Deno.readDir(pointsDir)) {
      if (e.isFile && e.name.endsWith(".json")) names.push(e.name);
    }
  } catch (e) {
    throw new UsageError(`${pointsDir}: cannot read (${(e as Error).name}); is ${dir} a shard?`);
  }
  if (names.length === 0) throw new UsageError(`${pointsDir}: no points files`);
  names.sort();
  const out = [];
  for (const n of names) {
    const path = `${pointsDir}/${n}`;
    let text: string;
    try {
      text = await Deno.readTextFile(path);
    } catch (e) {
      throw new UsageError(`${path}: cannot read (${(e as Error).name})`);
    }
    try {
      out.push({ path, file: parsePointsFile(text, path) });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  return out;
}

/** Lists at most a few ids. */
function someIds(ids: readonly string[]): string {
  const SHOWN = 3;
  return ids.slice(0, SHOWN).join(", ") + (ids.length > SHOWN ? `, ... (${ids.length})` : "");
}

/**
 * Parses `argv`, reads and checks every shard directory and writes the
 * merged results and report. Problems with the shards throw a one-line
 * `UsageError` before anything is written.
 */
export async function mergeMain(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseOptions(MERGE_OPTIONS, argv, MERGE_SETTINGS);
  const files: { path: string; file: PointsFile }[] = [];
  for (const dir of positionals) files.push(...await readShardDir(dir));
  const first = files[0];
  const { scale, seeds } = first.file;
  for (const { path, file } of files) {
    if (file.scale !== scale || JSON.stringify(file.seeds) !== JSON.stringify(seeds)) {
      throw new UsageError(
        `${path}: scale ${file.scale}, seeds ${file.seeds.join(",")} differ from ${first.path} ` +
          `(scale ${scale}, seeds ${seeds.join(",")})`,
      );
    }
    const a = first.file.meta.commit, b = file.meta.commit;
    if (a !== b && a !== "unknown" && b !== "unknown") {
      throw new UsageError(`${path}: commit ${b} differs from ${first.path}'s ${a}`);
    }
  }
  const experiments = registeredExperiments();
  for (const { path, file } of files) {
    if (!experiments.some((e) => e.name === file.experiment)) {
      throw new UsageError(`${path}: experiment ${file.experiment} is not registered`);
    }
  }
  const runs: ExperimentRun[] = [];
  let wall = 0;
  for (const { experiment, specs } of planAll(experiments, scale, seeds)) {
    const mine = files.filter((f) => f.file.experiment === experiment.name);
    if (mine.length === 0) {
      throw new UsageError(`${experiment.name}: no points file in ${positionals.join(", ")}`);
    }
    const byId = new Map<string, { spec: PointSpec; result: PointResult; path: string }>();
    const planned = new Map(specs.map((s) => [s.id, s]));
    for (const { path, file } of mine) {
      for (const p of file.points) {
        const want = planned.get(p.spec.id);
        if (want === undefined) {
          throw new UsageError(
            `${path}: point ${experiment.name}/${p.spec.id} is not in this commit's plan`,
          );
        }
        if (specKey(want) !== specKey(p.spec)) {
          throw new UsageError(
            `${path}: point ${experiment.name}/${p.spec.id} has other params than this ` +
              `commit's plan`,
          );
        }
        const twin = byId.get(p.spec.id);
        if (twin !== undefined) {
          throw new UsageError(
            `point ${experiment.name}/${p.spec.id} appears twice: ${twin.path} and ${path}`,
          );
        }
        byId.set(p.spec.id, { ...p, path });
        wall += p.result.wallSeconds;
      }
    }
    const absent = specs.filter((s) => !byId.has(s.id)).map((s) => s.id);
    if (absent.length > 0) {
      const shards = [...new Set(mine.map((f) => f.file.shard))].sort().join(", ");
      throw new UsageError(
        `${experiment.name}: ${absent.length} of ${specs.length} points missing (${
          someIds(absent)
        }); shards found: ${shards}`,
      );
    }
    runs.push({ experiment, specs, results: specs.map((s) => byId.get(s.id)!.result) });
  }
  const written = await writeRun(values.out, runs, scale, seeds, wall);
  if (!values.quiet) {
    console.error(
      `merged ${files.length} points files from ${positionals.length} shards into ` +
        `${written.html} and ${runs.length} results files`,
    );
  }
  return 0;
}

if (import.meta.main) await runCli(() => mergeMain(Deno.args));
