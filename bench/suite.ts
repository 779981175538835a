/**
 * The experiments as `deno bench` suites: one bench case per point of an
 * experiment's plan (quick scale; `DLIBOS_SCALE=paper` for the paper's),
 * timed as usual, that also records the point's simulated results.
 *
 * `deno bench` has no after-all hook, and how often it calls a case is its
 * own business (warm-up, calibration). So results are written incrementally:
 * after every call of a case (outside the timed part, `b.end()`), once every
 * point of the experiment has a result, the suite rewrites
 * report/out/bench/results/<experiment>.json and rebuilds
 * report/out/bench/index.html from every results file in that directory.
 * The last call of the last case therefore leaves both complete and
 * current, whatever the order or number of calls, and with `--filter` the
 * files are only rewritten once every point has run. Every further call of a
 * point must give the same data as its first (the simulator is
 * deterministic); the speed recorded is the least disturbed call's.
 */
import { ReportBuilder } from "../report/html.ts";
import {
  collectMeta,
  type PointSpeed,
  readResults,
  type Results,
  writeResults,
} from "../report/results.ts";
import { barChart } from "../report/vega.ts";
import { POINT_EXPERIMENTS, registeredExperiments } from "./experiments.ts";
import { type PointResult, type PointSpec, type Scale, SCALES } from "./plan.ts";
import { pointSpeed } from "./runs.ts";

/** Where the suites write (ignored by git with the rest of report/out/). */
export const BENCH_OUT = "report/out/bench";
/** Environment variable choosing the suites' scale ("quick" or "paper"). */
export const SCALE_ENV = "DLIBOS_SCALE";
/** Seed of every point of the suites. */
const SUITE_SEED = 1;
/** Timed calls per case: a point is a whole simulation, tens of ms at quick scale. */
const ITERATIONS = 3;
/** Untimed calls per case before timing (JIT warm-up). */
const WARMUP = 1;

/** The suites' scale from {@link SCALE_ENV} (default quick); throws on another value. */
export function suiteScale(): Scale {
  let raw: string | undefined;
  try {
    raw = Deno.env.get(SCALE_ENV);
  } catch {
    raw = undefined; // no --allow-env: the default
  }
  if (raw === undefined || raw === "") return "quick";
  if (!SCALES.includes(raw as Scale)) {
    throw new Error(`${SCALE_ENV}=${raw}: expected one of ${SCALES.join(", ")}`);
  }
  return raw as Scale;
}

interface Recorded {
  readonly result: PointResult;
  readonly text: string;
  minWall: number;
}

/**
 * Registers one bench case per point of experiment `name` (nothing if no
 * experiment of that name is registered, so a suite file can exist before
 * its experiment does).
 */
export function benchExperiment(name: string, out = BENCH_OUT): void {
  const experiment = POINT_EXPERIMENTS[name];
  if (experiment === undefined) return;
  const scale = suiteScale();
  const seeds = [SUITE_SEED];
  const specs = experiment.plan(scale, seeds);
  const recorded = new Map<string, Recorded>();

  const record = (spec: PointSpec, r: PointResult) => {
    const text = JSON.stringify(r.data);
    const prev = recorded.get(spec.id);
    if (prev === undefined) {
      recorded.set(spec.id, { result: r, text, minWall: r.wallSeconds });
    } else if (prev.text !== text) {
      throw new Error(`${name} ${spec.id}: a second run gave other results (nondeterminism)`);
    } else {
      prev.minWall = Math.min(prev.minWall, r.wallSeconds);
    }
  };

  const write = async () => {
    if (!specs.every((s) => recorded.has(s.id))) return;
    const results = specs.map((s) => recorded.get(s.id)!.result);
    const speed = specs.map((s, i) =>
      pointSpeed(experiment, s, results[i], recorded.get(s.id)!.minWall)
    );
    const body = experiment.assemble(specs, results, scale);
    const wall = speed.reduce((t, p) => t + p.wallSeconds, 0);
    const meta = { ...(await collectMeta(wall, { seeds })), speed };
    await writeResults(`${out}/results/${name}.json`, {
      schema: "dlibos.results/v1",
      ...body,
      meta,
    });
    await writeBenchReport(out, scale);
  };

  for (const spec of specs) {
    Deno.bench({
      name: `${name} ${spec.id}`,
      group: name,
      n: ITERATIONS,
      warmup: WARMUP,
      async fn(b) {
        b.start();
        const r = experiment.runPoint(spec);
        b.end();
        record(spec, r);
        await write();
      },
    });
  }
}

/** Reads every results file in `out`/results of a registered experiment, in report order. */
async function benchResults(out: string): Promise<Results[]> {
  const found: Results[] = [];
  for (const e of registeredExperiments()) {
    try {
      found.push(await readResults(`${out}/results/${e.name}.json`));
    } catch {
      // Not run yet (or filtered out): left out of the report.
    }
  }
  return found;
}

/**
 * Rebuilds `out`/index.html: per experiment, the simulator's speed on each
 * point (from its results file's meta.speed) and the experiment's own section.
 */
export async function writeBenchReport(out: string, scale: Scale): Promise<void> {
  const report = new ReportBuilder("dlibos: experiment bench suites");
  report.section(
    "About",
    "The experiments as `deno bench` suites (`deno task bench`): one case per point at " +
      `${scale} scale (\`${SCALE_ENV}=paper\` for the paper's scale). Each experiment's speed ` +
      "table gives the least disturbed wall time of each point and the simulated work done per " +
      "wall-second; the charts below it are the experiment's simulated results.",
  );
  for (const r of await benchResults(out)) {
    const speed: readonly PointSpeed[] = r.meta.speed ?? [];
    report.section(`${r.experiment}: simulator speed`);
    report.table(
      [
        "point",
        { label: "wall (ms)", digits: 1 },
        { label: "simulated (ms)", digits: 3 },
        "unit",
        { label: "units", digits: 0 },
        { label: "units per wall-second", digits: 0 },
        { label: "events per wall-second", digits: 0 },
      ],
      speed.map((p) => [
        p.id,
        p.wallSeconds * 1000,
        p.simSeconds * 1000,
        p.unit,
        p.units,
        p.perWallSecond,
        p.wallSeconds > 0 ? p.events / p.wallSeconds : null,
      ]),
      `run ${r.meta.date} at commit ${r.meta.commit}${
        r.meta.dirty ? " (uncommitted changes)" : ""
      }`,
    );
    if (speed.length > 1) {
      await report.chartFromSpec(
        barChart({
          title: `${r.experiment}: simulated ${speed[0].unit} per wall-second`,
          data: speed.map((p) => ({ point: p.id, perWallSecond: p.perWallSecond })),
          x: "point",
          y: "perWallSecond",
          xTitle: "point",
          yTitle: `${speed[0].unit} per wall-second`,
        }),
        `Simulator speed per point of ${r.experiment}.`,
      );
    }
    const e = POINT_EXPERIMENTS[r.experiment];
    if (e) await e.report(r, report);
  }
  report.meta({ scale, written: new Date().toISOString() });
  await report.writeHtml(`${out}/index.html`);
}
