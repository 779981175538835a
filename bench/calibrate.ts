/**
 * `deno task calibrate`: fits the model's three free parameters
 * (hw/costs/calibration.ts) to three of the paper's figures, each parameter
 * inside its physical bounds, and writes the fit back:
 *
 * | parameter        | target                                                          |
 * | ---------------- | --------------------------------------------------------------- |
 * | `dmaLatencyNs`   | NetPIPE 64 B one-way latency, DLibOS: 6 us                      |
 * | `stackScale`     | webserver, DLibOS, wrk 2048 connections, 64 B page: 4.2 M req/s |
 * | `memcachedScale` | Memcached, DLibOS, mutilate ETC at p99 <= 500 us: 3.1 M req/s   |
 *
 * Each parameter mostly moves its own target, so the fit is coordinate-wise:
 * a round bisects each parameter in turn for its target (the others fixed),
 * and rounds repeat until every target is within its tolerance or the round
 * limit is reached. A parameter whose target lies beyond its bound stops at
 * the bound and is reported as such. Every other figure of the paper is a
 * prediction, never a target.
 *
 * Output: the fit on stdout; the fitted values into hw/costs/calibration.ts
 * and the fit table into docs/CALIBRATION.md, each between its markers
 * (`--dry-run` writes nothing). `--quick` runs at a small scale (tests).
 */
import { MS, toUs } from "../core/time.ts";
import { opt, parseOptions, type ParseSettings, runCli } from "../core/cli.ts";
import {
  type Calibration,
  CALIBRATION_PARAMS,
  type CalibrationParam,
  type ParamSpec,
  resolveCalibration,
} from "../hw/costs/calibration.ts";
import { LAYOUT_PRESETS } from "../stack/host/layout.ts";
import { runNetpipe } from "./netpipe.ts";
import { type MutilateRunOptions, runWrk, searchMutilate } from "./loadgen.ts";

// ---------------------------------------------------------------------------
// Targets

/** The figure a target reproduces. */
export type TargetKey = "netpipe" | "web" | "memcached";

/** How big the runs are: `full` for the committed fit, `quick` for tests. */
export type CalibrationScale = "quick" | "full";

/** One of the paper's figures the fit aims at. */
export interface Target {
  readonly key: TargetKey;
  /** What is measured. */
  readonly label: string;
  /** The paper's figure (docs/PAPER.md). */
  readonly paper: number;
  /** Unit of {@link paper} and of the model's value. */
  readonly unit: string;
  /** Relative error at which the target counts as met. */
  readonly tolerance: number;
  /** The model's value under `cal`. */
  readonly evaluate: (cal: Calibration, scale: CalibrationScale) => number;
}

/** The board and layout of every target (the paper's Gx36, 12 network : 24 application cores). */
const BOARD = "gx36";
const LAYOUT = LAYOUT_PRESETS["d12-all"];
const SEED = 1;
/**
 * The webserver's page: 64 B, the smallest the webserver experiment serves
 * (the peak figure is at the smallest page; a 1 KB page at 4.2 M req/s would
 * need ~44 Gb/s, more than the four 10 GbE ports carry).
 */
export const CALIBRATION_PAGE_BYTES = 64;

/** NetPIPE: timed and warm-up exchanges (the warm-up outlasts TCP's quick-ACK start). */
const NETPIPE_REPS = { full: 32, quick: 4 } as const;
const NETPIPE_WARMUP = { full: 16, quick: 2 } as const;

function netpipeUs(cal: Calibration, scale: CalibrationScale): number {
  const out = runNetpipe({
    mode: "dlibos",
    variant: "nocopy",
    board: BOARD,
    layout: LAYOUT,
    sizes: [64],
    reps: NETPIPE_REPS[scale],
    warmup: NETPIPE_WARMUP[scale],
    seed: SEED,
    calibration: cal,
  });
  return toUs(out.points[0].oneWay);
}

/** wrk: the paper's 2048 connections over 4 client hosts x 16 cores; a short simulated window. */
const WRK = {
  full: { connections: 2048, threads: 64, warmup: MS / 4, duration: 2 * MS },
  quick: { connections: 128, threads: 16, warmup: MS / 10, duration: MS / 2 },
} as const;

function webRps(cal: Calibration, scale: CalibrationScale): number {
  const w = WRK[scale];
  return runWrk({
    mode: "dlibos",
    board: BOARD,
    layout: LAYOUT,
    seed: SEED,
    ...w,
    timeoutMs: 2000,
    latency: false,
    pageBytes: CALIBRATION_PAGE_BYTES,
    calibration: cal,
  }).requestsPerSec;
}

/**
 * mutilate: the paper's 1392 connections (4 agents x 10 threads x 34, plus
 * the master's 32 that sample latency), Facebook's ETC stream, 30 gets per
 * set; `--search 99:500`.
 */
const MUTILATE = {
  full: { threads: 10, connections: 34, measureConns: 32, warmup: MS / 4, duration: 2 * MS },
  quick: { threads: 2, connections: 8, measureConns: 8, warmup: MS / 10, duration: MS / 2 },
} as const;
/** The SLA: 99th percentile of gets <= 500 us (slides "Memcached"). */
export const SLA_PERCENTILE = 99;
export const SLA_BOUND_US = 500;

function memcachedRps(cal: Calibration, scale: CalibrationScale): number {
  const m = MUTILATE[scale];
  const o: MutilateRunOptions = {
    mode: "dlibos",
    board: BOARD,
    layout: LAYOUT,
    seed: SEED,
    qps: 0,
    depth: 1,
    ...m,
    keySize: "fb_key",
    valueSize: "fb_value",
    interarrival: "fb_ia",
    records: 10_000,
    update: 0.0323,
    calibration: cal,
  };
  const s = searchMutilate(o, SLA_PERCENTILE, SLA_BOUND_US);
  return s.runs[s.runs.length - 1].requestsPerSec;
}

/** The three targets, one per parameter. */
export const TARGETS: Readonly<Record<TargetKey, Target>> = Object.freeze({
  netpipe: {
    key: "netpipe",
    label: "NetPIPE 64 B one-way latency, DLibOS (slides 'NetPIPE')",
    paper: 6,
    unit: "us",
    tolerance: 0.02,
    evaluate: netpipeUs,
  },
  web: {
    key: "web",
    label: "webserver, DLibOS, wrk -c 2048, 64 B page (abstract)",
    paper: 4.2e6,
    unit: "req/s",
    tolerance: 0.02,
    evaluate: webRps,
  },
  memcached: {
    key: "memcached",
    label: "Memcached, DLibOS, mutilate ETC 1392 conns, p99 <= 500 us (abstract)",
    paper: 3.1e6,
    unit: "req/s",
    tolerance: 0.03,
    evaluate: memcachedRps,
  },
});

/** Whether each parameter raises (+1) or lowers (-1) its target's value. */
export const DIRECTION: Readonly<Record<CalibrationParam, 1 | -1>> = Object.freeze({
  dmaLatencyNs: 1,
  stackScale: -1,
  memcachedScale: -1,
});

// ---------------------------------------------------------------------------
// Bisection and the coordinate-wise fit

/** The outcome of {@link bisect}. */
export interface Bisection {
  /** The value found (the evaluated one whose result came closest to the target). */
  readonly value: number;
  /** f(value). */
  readonly result: number;
  /** Set when the target lies beyond a bound: the value is that bound. */
  readonly atBound: "min" | "max" | null;
  /**
   * Set with `atBound` when moving x from the start to that bound changed f
   * by no more than the tolerance: x does not determine f in its bounds.
   */
  readonly insensitive: boolean;
  /** Evaluations made, in order. */
  readonly steps: readonly { readonly x: number; readonly y: number }[];
}

/** Options of {@link bisect}. */
export interface BisectOptions {
  /** Where to start (default the middle of the bounds). */
  readonly start?: number;
  /** +1 when f increases with x, -1 when it decreases. */
  readonly direction: 1 | -1;
  /** Relative error at which to stop. */
  readonly tolerance: number;
  /** Evaluations after the start and the bound (default 8). */
  readonly maxSteps?: number;
  /** Rounds a value to what would be written (default: as is). */
  readonly round?: (x: number) => number;
}

/**
 * Finds x in [min, max] with f(x) within `tolerance` of `target`, f monotone
 * in the given direction: f(start); if not met, f at the bound on the side
 * the target lies (if the target is beyond it, the answer is that bound,
 * flagged `atBound`); then bisection of the bracket. Never evaluates outside
 * [min, max].
 *
 * @example A linear function
 * ```ts
 * import assert from "node:assert/strict";
 * import { bisect } from "./calibrate.ts";
 *
 * const b = bisect((x) => 3 * x, 12, 0, 10, { direction: 1, tolerance: 1e-3, maxSteps: 30 });
 * assert.ok(Math.abs(b.value - 4) < 0.01);
 * assert.equal(b.atBound, null);
 * assert.equal(bisect((x) => 3 * x, 60, 0, 10, { direction: 1, tolerance: 1e-3 }).atBound, "max");
 * ```
 */
export function bisect(
  f: (x: number) => number,
  target: number,
  min: number,
  max: number,
  o: BisectOptions,
): Bisection {
  if (!(min <= max)) throw new RangeError(`bisect: bounds ${min}..${max} are empty`);
  const round = o.round ?? ((x: number) => x);
  const clamp = (x: number) => Math.min(max, Math.max(min, round(x)));
  const steps: { x: number; y: number }[] = [];
  const evalAt = (x: number): number => {
    const seen = steps.find((s) => s.x === x);
    if (seen !== undefined) return seen.y;
    const y = f(x);
    steps.push({ x, y });
    return y;
  };
  const err = (y: number) => Math.abs(y - target) / Math.abs(target);
  const best = (atBound: "min" | "max" | null): Bisection => {
    let b = steps[0];
    for (const s of steps) if (err(s.y) < err(b.y)) b = s;
    return { value: b.x, result: b.y, atBound, insensitive: false, steps };
  };
  const x0 = clamp(o.start ?? (min + max) / 2);
  const y0 = evalAt(x0);
  if (err(y0) <= o.tolerance) return best(null);
  // Which way x must move: up when f is below target and increasing, or above and decreasing.
  const up = (y0 < target) === (o.direction === 1);
  const bound = up ? max : min;
  const yb = evalAt(bound);
  if (err(yb) <= o.tolerance) return best(null);
  // Even the bound leaves f on the start's side of the target: the target is beyond it.
  if (Math.sign(yb - target) === Math.sign(y0 - target)) {
    const insensitive = x0 !== bound && Math.abs(yb - y0) / Math.abs(target) <= o.tolerance;
    return { value: bound, result: yb, atBound: up ? "max" : "min", insensitive, steps };
  }
  let lo = up ? x0 : bound;
  let hi = up ? bound : x0;
  const maxSteps = o.maxSteps ?? 8;
  for (let i = 0; i < maxSteps; i++) {
    const mid = clamp((lo + hi) / 2);
    if (mid === lo || mid === hi) break;
    const y = evalAt(mid);
    if (err(y) <= o.tolerance) break;
    // Below the target on an increasing f (or above on a decreasing one): the answer is higher.
    if ((y < target) === (o.direction === 1)) lo = mid;
    else hi = mid;
  }
  return best(null);
}

/** One parameter's part of a fit. */
export interface ParamFit {
  readonly spec: ParamSpec;
  readonly value: number;
  /** Set when the last round left it at a bound with its target beyond. */
  readonly atBound: "min" | "max" | null;
  /**
   * Set when its target did not respond to it across its bounds (bound by
   * something else): the value is then its `neutral` (literature) value.
   */
  readonly insensitive: boolean;
}

/** One target's part of a fit: the model at the fitted values against the paper. */
export interface TargetFit {
  readonly target: Target;
  readonly model: number;
  /** (model - paper) / paper. */
  readonly error: number;
  readonly met: boolean;
}

/** What {@link fit} returns. */
export interface FitResult {
  readonly calibration: Calibration;
  readonly params: readonly ParamFit[];
  readonly targets: readonly TargetFit[];
  /** Rounds run. */
  readonly rounds: number;
  /** Whether every target is within its tolerance. */
  readonly converged: boolean;
  /** Model evaluations run (cache hits excluded). */
  readonly evaluations: number;
}

/** Options of {@link fit}. */
export interface FitOptions {
  /** The parameters, in fitting order (default {@link CALIBRATION_PARAMS}). */
  readonly params?: readonly ParamSpec[];
  /** Each parameter's target (default {@link TARGETS} by `spec.target`). */
  readonly targets?: Readonly<Record<string, Target>>;
  /** Each parameter's direction (default {@link DIRECTION}). */
  readonly direction?: Readonly<Record<string, 1 | -1>>;
  /**
   * Where to start (default every parameter's `neutral` value, so that a fit
   * does not depend on the one committed before it).
   */
  readonly start?: Calibration;
  /** Round limit (default 3). */
  readonly rounds?: number;
  /** Bisection steps per parameter and round (default 8). */
  readonly maxSteps?: number;
  readonly scale?: CalibrationScale;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

/** Rounds `x` to the digits the parameter is written with. */
export function roundParam(spec: ParamSpec, x: number): number {
  const k = 10 ** spec.digits;
  return Math.round(x * k) / k;
}

/**
 * Fits every parameter to its target, coordinate-wise (see the module doc):
 * values stay within their bounds, rounded to their written digits, and the
 * targets are evaluated at exactly the values returned.
 */
export function fit(o: FitOptions = {}): FitResult {
  const params = o.params ?? CALIBRATION_PARAMS;
  const targets: Readonly<Record<string, Target>> = o.targets ?? TARGETS;
  const direction = o.direction ?? DIRECTION;
  const scale = o.scale ?? "full";
  const log = o.log ?? (() => {});
  const maxRounds = o.rounds ?? 3;
  const cache = new Map<string, number>();
  let evaluations = 0;
  const targetOf = (spec: ParamSpec): Target => {
    const t = targets[spec.target];
    if (t === undefined) throw new Error(`no target "${spec.target}" for ${spec.key}`);
    return t;
  };
  const evaluate = (t: Target, cal: Calibration): number => {
    const key = `${t.key} ${JSON.stringify(cal)}`;
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const t0 = performance.now();
    const v = t.evaluate(cal, scale);
    evaluations++;
    cache.set(key, v);
    log(
      `  ${t.key} at ${formatCal(params, cal)}: ${formatValue(v, t.unit)} ` +
        `(${((performance.now() - t0) / 1000).toFixed(1)} s)`,
    );
    return v;
  };
  const within = (t: Target, v: number) => Math.abs(v - t.paper) / t.paper <= t.tolerance;
  let cal: Record<string, number> = {};
  for (const p of params) {
    const v = (o.start as unknown as Record<string, number> | undefined)?.[p.key] ?? p.neutral;
    cal[p.key] = roundParam(p, Math.min(p.max, Math.max(p.min, v)));
  }
  const asCal = (c: Record<string, number>) => Object.freeze({ ...c }) as unknown as Calibration;
  const atBound = new Map<string, "min" | "max" | null>();
  const insensitive = new Map<string, boolean>();
  let rounds = 0;
  let converged = false;
  while (rounds < maxRounds) {
    rounds++;
    log(`round ${rounds}`);
    for (const p of params) {
      const t = targetOf(p);
      const b = bisect(
        (x) => evaluate(t, asCal({ ...cal, [p.key]: x })),
        t.paper,
        p.min,
        p.max,
        {
          start: cal[p.key],
          direction: direction[p.key] ?? 1,
          tolerance: t.tolerance,
          maxSteps: o.maxSteps,
          round: (x) => roundParam(p, x),
        },
      );
      // A parameter its target does not respond to is not determined by the fit: it keeps its
      // literature value rather than drifting to a bound (where it would move other figures).
      const value = b.insensitive ? p.neutral : b.value;
      cal = { ...cal, [p.key]: value };
      atBound.set(p.key, b.insensitive ? null : b.atBound);
      insensitive.set(p.key, b.insensitive);
      log(
        `  ${p.key} = ${value}` +
          (b.insensitive
            ? ` (its target does not respond to it: kept at ${p.neutral})`
            : b.atBound
            ? ` (at its ${b.atBound} bound)`
            : ""),
      );
    }
    converged = params.every((p) => {
      const t = targetOf(p);
      return within(t, evaluate(t, asCal(cal)));
    });
    if (converged) break;
  }
  const final = asCal(cal);
  return {
    calibration: final,
    params: params.map((spec) => ({
      spec,
      value: cal[spec.key],
      atBound: atBound.get(spec.key) ?? null,
      insensitive: insensitive.get(spec.key) ?? false,
    })),
    targets: params.map((p) => {
      const t = targetOf(p);
      const model = evaluate(t, final);
      return { target: t, model, error: (model - t.paper) / t.paper, met: within(t, model) };
    }),
    rounds,
    converged,
    evaluations,
  };
}

// ---------------------------------------------------------------------------
// Output

function formatValue(v: number, unit: string): string {
  if (unit === "req/s") return `${(v / 1e6).toFixed(3)} M req/s`;
  return `${v.toFixed(3)} ${unit}`;
}

function formatCal(params: readonly ParamSpec[], cal: Calibration): string {
  const c = cal as unknown as Record<string, number>;
  return params.map((p) => `${p.key}=${c[p.key]}`).join(" ");
}

/** The fit as text tables (parameters, then targets), Markdown. */
export function fitTable(r: FitResult, scale: CalibrationScale): string {
  const lines = [
    "| parameter | value | bounds | target | note |",
    "| --- | --- | --- | --- | --- |",
  ];
  for (const p of r.params) {
    const s = p.spec;
    const note = p.insensitive
      ? `its target does not respond to it within the bounds: kept at ${s.neutral}`
      : p.atBound === null
      ? ""
      : `at its ${p.atBound} bound: the target lies beyond`;
    lines.push(
      `| \`${s.key}\` | ${p.value.toFixed(s.digits)} ${s.unit} | ${s.min}-${s.max} ${s.unit} | ` +
        `${s.target} | ${note} |`,
    );
  }
  lines.push("");
  lines.push("| target | model | paper | error | tolerance |");
  lines.push("| --- | --- | --- | --- | --- |");
  for (const t of r.targets) {
    lines.push(
      `| ${t.target.key}: ${t.target.label} | ${formatValue(t.model, t.target.unit)} | ` +
        `${formatValue(t.target.paper, t.target.unit)} | ${(t.error * 100).toFixed(1)}% | ` +
        `${(t.target.tolerance * 100).toFixed(0)}%${t.met ? "" : " (not met)"} |`,
    );
  }
  lines.push("");
  lines.push(
    `Scale \`${scale}\`, seed ${SEED}, ${r.rounds} round(s), ${r.evaluations} model runs; ` +
      (r.converged ? "every target within its tolerance." : "not every target within tolerance."),
  );
  return lines.join("\n");
}

/** Start and end markers of the generated block in hw/costs/calibration.ts. */
export const CODE_BEGIN = "// BEGIN GENERATED: deno task calibrate";
export const CODE_END = "// END GENERATED";
/** Start and end markers of the generated fit table in docs/CALIBRATION.md. */
export const DOC_BEGIN = "<!-- BEGIN GENERATED: deno task calibrate -->";
export const DOC_END = "<!-- END GENERATED -->";

/** The generated block's body: {@link FITTED_CALIBRATION} with `cal`'s values. */
export function calibrationBlock(cal: Calibration, params = CALIBRATION_PARAMS): string {
  const c = cal as unknown as Record<string, number>;
  const fields = params.map((p) => `  ${p.key}: ${c[p.key].toFixed(p.digits)},`);
  return [
    '/** The fitted values (docs/CALIBRATION.md "Fit"). */',
    "export const FITTED_CALIBRATION: Calibration = Object.freeze({",
    ...fields,
    "});",
  ].join("\n");
}

/**
 * `text` with the lines strictly between the line starting with `begin` and
 * the next line starting with `end` replaced by `body`; throws when either
 * marker is missing.
 */
export function replaceBetween(text: string, begin: string, end: string, body: string): string {
  const lines = text.split("\n");
  const i = lines.findIndex((l) => l.startsWith(begin));
  const j = lines.findIndex((l, k) => k > i && l.startsWith(end));
  if (i < 0 || j < 0) throw new Error(`markers "${begin}" ... "${end}" not found`);
  return [...lines.slice(0, i + 1), body, ...lines.slice(j)].join("\n");
}

/** The values of the generated block of calibration.ts's `text`. */
export function parseCalibrationBlock(text: string): Record<string, number> {
  const lines = text.split("\n");
  const i = lines.findIndex((l) => l.startsWith(CODE_BEGIN));
  const j = lines.findIndex((l, k) => k > i && l.startsWith(CODE_END));
  if (i < 0 || j < 0) throw new Error("calibration block markers not found");
  const out: Record<string, number> = {};
  for (const l of lines.slice(i + 1, j)) {
    const m = /^\s+(\w+): (-?[\d.]+),$/.exec(l);
    if (m !== null) out[m[1]] = Number(m[2]);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Command line

const CODE_PATH = new URL("../hw/costs/calibration.ts", import.meta.url);
const DOC_PATH = new URL("../docs/CALIBRATION.md", import.meta.url);

/** The program's options. */
export const CALIBRATE_OPTIONS = {
  quick: opt.flag("small runs (tests): a rough fit in seconds"),
  "dry-run": opt.flag("print the fit; write nothing"),
  rounds: opt.int("round limit", { min: 1, max: 10, default: 3 }),
  steps: opt.int("bisection steps per parameter and round", { min: 1, max: 30, default: 8 }),
};

const CALIBRATE_SETTINGS: ParseSettings = {
  usage: "calibrate [--quick] [--dry-run] [--rounds N] [--steps N]",
  summary: "Fits the free parameters (hw/costs/calibration.ts) to NetPIPE 64 B, the webserver's " +
    "4.2 M req/s and Memcached's 3.1 M req/s; writes the values and docs/CALIBRATION.md's table.",
};

/** Parses `argv`, fits, prints and (unless --dry-run) writes. */
export async function calibrateMain(argv: readonly string[]): Promise<number> {
  const { values } = parseOptions(CALIBRATE_OPTIONS, argv, CALIBRATE_SETTINGS);
  const scale: CalibrationScale = values.quick ? "quick" : "full";
  const t0 = performance.now();
  const r = fit({
    scale,
    rounds: values.rounds,
    maxSteps: values.steps,
    log: (l) => console.error(l),
  });
  resolveCalibration(r.calibration); // within bounds by construction; checked anyway
  const table = fitTable(r, scale);
  console.log(table);
  console.error(`calibrate: ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  if (!values["dry-run"]) {
    const code = await Deno.readTextFile(CODE_PATH);
    await Deno.writeTextFile(
      CODE_PATH,
      replaceBetween(code, CODE_BEGIN, CODE_END, calibrationBlock(r.calibration)),
    );
    const doc = await Deno.readTextFile(DOC_PATH);
    await Deno.writeTextFile(DOC_PATH, replaceBetween(doc, DOC_BEGIN, DOC_END, table));
    // The tables as `deno task check` wants them (aligned columns, wrapped prose).
    const fmt = new Deno.Command(Deno.execPath(), {
      args: ["fmt", "--quiet", CODE_PATH.pathname, DOC_PATH.pathname],
    });
    if (!(await fmt.output()).success) throw new Error("deno fmt failed on the written files");
    console.error("wrote hw/costs/calibration.ts and docs/CALIBRATION.md");
  }
  return 0;
}

if (import.meta.main) await runCli(() => calibrateMain(Deno.args));
