/**
 * What `deno task reproduce`, `deno task merge` and the `deno bench` suites
 * share: the whole plan of every registered experiment, shards of it, the
 * points file a shard writes, speed figures, and turning every point's
 * result into the results files and the HTML report.
 *
 * The results files and the report depend only on the points' specs and
 * data (assembled in plan order), never on how or where the points ran:
 * one process, N Workers, or shards on several machines merged afterwards
 * give the same bytes outside the provenance (`meta`, the report header).
 */
import { ReportBuilder } from "../report/html.ts";
import {
  canonicalJson,
  collectMeta,
  type PointSpeed,
  type Results,
  type ResultsMeta,
  writeResults,
} from "../report/results.ts";
import { type ClaimCheck, combineRtcVsDlibos } from "../report/claims.ts";
import { EXPERIMENTS } from "./experiments.ts";
import {
  type PointExperiment,
  type PointResult,
  type PointSpec,
  type Scale,
  SCALES,
} from "./plan.ts";
import { toSec } from "../core/time.ts";

/** One experiment's part of a plan. */
export interface ExperimentPlan {
  readonly experiment: PointExperiment;
  readonly specs: readonly PointSpec[];
}

/** Every experiment's points at `scale` and `seeds`; checks the ids are unique. */
export function planAll(
  experiments: readonly PointExperiment[],
  scale: Scale,
  seeds: readonly number[],
): ExperimentPlan[] {
  return experiments.map((experiment) => {
    const specs = experiment.plan(scale, seeds);
    const ids = new Set<string>();
    for (const s of specs) {
      if (s.experiment !== experiment.name) {
        throw new Error(`${experiment.name}: point ${s.id} names experiment ${s.experiment}`);
      }
      if (ids.has(s.id)) throw new Error(`${experiment.name}: point id ${s.id} is not unique`);
      ids.add(s.id);
    }
    return { experiment, specs };
  });
}

/** Shard `index` (1-based) of `count`: the points whose plan index % count == index - 1. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** Parses "I/N" (1 <= I <= N); throws a one-line Error otherwise. */
export function parseShard(raw: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(raw);
  if (m === null) throw new Error(`expected I/N (e.g. 1/4), got '${raw}'`);
  const index = Number(m[1]), count = Number(m[2]);
  if (count < 1 || index < 1 || index > count) {
    throw new Error(`expected 1 <= I <= N in I/N, got '${raw}'`);
  }
  return { index, count };
}

/** "I/N". */
export function shardText(s: Shard): string {
  return `${s.index}/${s.count}`;
}

/** A point with its index in the whole plan (all experiments, in order). */
export interface IndexedSpec {
  readonly index: number;
  readonly spec: PointSpec;
}

/** The whole plan's points with their indices, optionally only those of `shard`. */
export function indexedPoints(plans: readonly ExperimentPlan[], shard?: Shard): IndexedSpec[] {
  const all = plans.flatMap((p) => p.specs).map((spec, index) => ({ index, spec }));
  return shard ? all.filter((p) => p.index % shard.count === shard.index - 1) : all;
}

/** One line of `reproduce --plan`: a point as one-line JSON. */
export function planLine(p: IndexedSpec): string {
  const { experiment, id, seed, params } = p.spec;
  return JSON.stringify({ index: p.index, experiment, id, seed, params });
}

// ---------------------------------------------------------------------------
// Points files (a shard's partial results)

/** Value of the `schema` field of a points file. */
export const POINTS_SCHEMA = "dlibos.points/v1";
/** Where a run with `--shard` writes its points, under `--out`. */
export const POINTS_DIR = "points";

/** A points file: one experiment's points run by one shard, with their results. */
export interface PointsFile {
  readonly schema: typeof POINTS_SCHEMA;
  readonly experiment: string;
  readonly scale: Scale;
  readonly seeds: readonly number[];
  /** "I/N". */
  readonly shard: string;
  /** Points in the experiment's whole plan. */
  readonly planSize: number;
  /** Provenance of the shard's run. */
  readonly meta: ResultsMeta;
  readonly points: readonly { readonly spec: PointSpec; readonly result: PointResult }[];
}

/**
 * The file's text. Plain `JSON.stringify`, one point per line: every number
 * is written in its shortest round-trip form, so merged data are bit-exact.
 */
export function pointsFileText(f: PointsFile): string {
  const { points, ...head } = f;
  const lines = points.map((p) => JSON.stringify(p));
  const headText = JSON.stringify(head);
  return `${headText.slice(0, -1)},"points":[\n${lines.join(",\n")}\n]}\n`;
}

/** Parses and checks a points file; errors are one line naming the file. */
export function parsePointsFile(text: string, where: string): PointsFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${where}: not valid JSON (${(e as Error).message.split("\n")[0]})`);
  }
  const f = raw as Partial<PointsFile> | null;
  if (f === null || typeof f !== "object" || f.schema !== POINTS_SCHEMA) {
    throw new Error(`${where}: not a points file (schema ${POINTS_SCHEMA})`);
  }
  if (typeof f.experiment !== "string") throw new Error(`${where}: no experiment name`);
  if (!SCALES.includes(f.scale as Scale)) throw new Error(`${where}: bad scale ${f.scale}`);
  if (!Array.isArray(f.seeds) || !f.seeds.every((s) => Number.isInteger(s))) {
    throw new Error(`${where}: bad seeds`);
  }
  if (!Array.isArray(f.points)) throw new Error(`${where}: no points`);
  f.points.forEach((p, i) => {
    const ok = p !== null && typeof p === "object" && typeof p.spec?.id === "string" &&
      typeof p.result?.id === "string" && p.result.id === p.spec.id &&
      typeof p.result.data === "object";
    if (!ok) throw new Error(`${where}: points[${i}] is not a {spec, result} pair`);
  });
  return f as PointsFile;
}

// ---------------------------------------------------------------------------
// Speed

/** The speed of one point, from a wall time (e.g. the least disturbed of several runs). */
export function pointSpeed(
  experiment: PointExperiment,
  spec: PointSpec,
  result: PointResult,
  wallSeconds = result.wallSeconds,
): PointSpeed {
  const work = experiment.workUnits?.(spec, result) ?? { unit: "events", count: result.events };
  return {
    id: spec.id,
    wallSeconds,
    simSeconds: toSec(result.simTime),
    events: result.events,
    unit: work.unit,
    units: work.count,
    perWallSecond: wallSeconds > 0 ? work.count / wallSeconds : 0,
  };
}

// ---------------------------------------------------------------------------
// Results files and the report

/** One experiment's points and their results, in plan order. */
export interface ExperimentRun {
  readonly experiment: PointExperiment;
  readonly specs: readonly PointSpec[];
  readonly results: readonly PointResult[];
  /** Speed per point (default: from each result's wall time). */
  readonly speed?: readonly PointSpeed[];
}

/** Assembles one experiment's results file (meta: summed point wall time, seeds, speed). */
export async function experimentResults(
  run: ExperimentRun,
  scale: Scale,
  seeds: readonly number[],
): Promise<Results> {
  const body = run.experiment.assemble(run.specs, run.results, scale);
  const wall = run.results.reduce((t, r) => t + r.wallSeconds, 0);
  const speed = run.speed ??
    run.specs.map((s, i) => pointSpeed(run.experiment, s, run.results[i]));
  const meta = { ...(await collectMeta(wall, { seeds })), speed };
  return { schema: "dlibos.results/v1", ...body, meta };
}

/** What {@link writeRun} wrote. */
export interface WrittenRun {
  readonly results: readonly Results[];
  readonly html: string;
}

/**
 * Writes `out`/results/<experiment>.json for every run and `out`/index.html:
 * the About section, each experiment's section, every paper experiment that
 * is not implemented yet, and one table of the paper's claims listing each
 * claim once: its verdict where an experiment checked it, else "not yet".
 */
export async function writeRun(
  out: string,
  runs: readonly ExperimentRun[],
  scale: Scale,
  seeds: readonly number[],
  wallSeconds: number,
): Promise<WrittenRun> {
  const report = new ReportBuilder("dlibos: reproducing DLibOS (ASPLOS 2018)");
  report.section(
    "About",
    "A deterministic simulation of the DLibOS evaluation. Every figure below emerges from the " +
      "modeled machine (cores, NoC, mPIPE, links) running a real TCP/IP stack; see docs/ for the " +
      "model and docs/CALIBRATION.md for the constants tuned against the paper. " +
      `Scale: ${scale}; seeds: ${seeds.join(", ")}.`,
  );
  const checks: ClaimCheck[] = [];
  const written: Results[] = [];
  for (const run of runs) {
    const r = await experimentResults(run, scale, seeds);
    await writeResults(`${out}/results/${run.experiment.name}.json`, r);
    await run.experiment.report(r, report);
    checks.push(...(r.claims ?? []));
    written.push(r);
  }
  const missing = EXPERIMENTS.filter((e) => !runs.some((r) => r.experiment.name === e.name));
  if (missing.length > 0) {
    report.section("Not implemented yet");
    report.table(["experiment", "reproduces"], missing.map((e) => [e.name, e.paper]));
  }
  const both = combineRtcVsDlibos(checks);
  if (both !== null) checks.push(both);
  report.section("Paper claims");
  report.claims(checks);
  report.meta(await collectMeta(wallSeconds, { seeds }));
  const html = `${out}/index.html`;
  await report.writeHtml(html);
  return { results: written, html };
}

/** Canonical JSON of a spec's params (to compare specs). */
export function specKey(s: PointSpec): string {
  return `${s.experiment}\n${s.id}\n${s.seed}\n${canonicalJson(s.params)}`;
}
