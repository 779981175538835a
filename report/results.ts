/**
 * The results file format (`dlibos.results/v1`): types, a validator and a
 * canonical serializer.
 *
 * Every experiment writes one JSON file of this shape. Everything outside the
 * `meta` block is a pure function of the seed and config, and the serializer
 * makes that byte-identical across runs:
 *
 * - Key order is fixed: the top-level and series keys in the order of the
 *   types below, every other object (config, points, extra) with its keys
 *   sorted by UTF-16 code units (`Array.prototype.sort`), so the order never
 *   depends on the order in which a program happened to insert keys.
 * - Integers (|x| <= 2^53) are written exactly: simulated time in picoseconds
 *   and counters survive unchanged.
 * - Any other number is rounded to {@link SIGNIFICANT_DIGITS} significant
 *   digits and written in JavaScript's shortest round-trip form, so float
 *   noise in the last bits (summation order, libm differences) cannot leak
 *   into the file. `-0` is written as `0`.
 * - NaN and infinities are rejected (JSON cannot hold them): write `null`
 *   for "no value".
 * - Objects whose values are all scalars (e.g. a point) and arrays of
 *   scalars are written on one line; everything else is indented by two.
 */
import type { ClaimCheck } from "./claims.ts";

/** Value of the `schema` field of every results file this module writes. */
export const RESULTS_SCHEMA = "dlibos.results/v1";

/**
 * Significant digits kept for non-integer numbers. Nine is far more than any
 * simulated measurement warrants and far fewer than the 17 at which the last
 * bits of a double show through.
 */
export const SIGNIFICANT_DIGITS = 9;

/** Indentation of the serialized JSON (spaces). */
const INDENT = 2;

/** A value of a results point. */
export type Scalar = number | string | boolean | null;
/** A JSON value. */
export type JsonValue = Scalar | JsonValue[] | { [key: string]: JsonValue };
/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

/** One measured point: flat fields, e.g. `{ bytes: 64, latency_us: 6.1 }`. */
export type Point = { [field: string]: Scalar };

/** One curve or bar group: a named list of points. */
export interface Series {
  /** Series name (unique in the file). */
  readonly name: string;
  /** Hosting mode, e.g. "dlibos", "rtc", "linux". */
  readonly mode?: string;
  /** Any further variant, e.g. a core layout "d12-q" or "nocopy". */
  readonly variant?: string;
  /** The points, in order. */
  readonly points: readonly Point[];
}

/** A plain table (for results that are not curves). */
export interface Table {
  /** Table name. */
  readonly name: string;
  /** Column headings. */
  readonly columns: readonly string[];
  /** Rows, one value per column. */
  readonly rows: readonly (readonly Scalar[])[];
}

/** The machine a run happened on. */
export interface MachineInfo {
  /** Logical cores (`navigator.hardwareConcurrency`). */
  readonly cores: number;
  /** CPU model from /proc/cpuinfo ("model name"), or "unknown". */
  readonly cpu: string;
}

/**
 * Provenance: facts about the run that may differ between identical runs.
 * Comparisons and determinism checks ignore this block. The fields after
 * `date` are optional so that files written before they existed still read.
 */
export interface ResultsMeta {
  /** `git rev-parse HEAD`, or "unknown". */
  readonly commit: string;
  /** Whether the work tree had uncommitted changes (`git status --porcelain`); absent if unknown. */
  readonly dirty?: boolean;
  /** Wall-clock duration of the run in seconds. */
  readonly wallSeconds: number;
  /** `Deno.version.deno`. */
  readonly deno: string;
  /** ISO 8601 date and time the file was written. */
  readonly date: string;
  /** The machine the run happened on. */
  readonly machine?: MachineInfo;
  /** The random seeds the run used. */
  readonly seeds?: readonly number[];
  /** How fast the simulator ran each point of the run (wall time is not deterministic). */
  readonly speed?: readonly PointSpeed[];
}

/** The simulator's speed on one point of an experiment. */
export interface PointSpeed {
  /** The point's id. */
  readonly id: string;
  /** Wall time of the point (the least disturbed run when it ran several times), seconds. */
  readonly wallSeconds: number;
  /** Simulated time the point covered, seconds. */
  readonly simSeconds: number;
  /** Scheduler events dispatched. */
  readonly events: number;
  /** What the point's simulated work is counted in ("round trips", "requests", "events"). */
  readonly unit: string;
  /** Simulated work units done. */
  readonly units: number;
  /** `units / wallSeconds`. */
  readonly perWallSecond: number;
}

/**
 * A results file: an experiment's configuration, series, claims and tables, with run information.
 */
export interface Results {
  /** Schema name and version. */
  readonly schema: typeof RESULTS_SCHEMA;
  /** Experiment name. */
  readonly experiment: string;
  /** The configuration the experiment ran. */
  readonly config: JsonObject;
  /** The measured series. */
  readonly series: readonly Series[];
  /** The paper's claims, checked. */
  readonly claims?: readonly ClaimCheck[];
  /** Further tables. */
  readonly tables?: readonly Table[];
  /** Free-form further sections (histograms, per-core breakdowns, ...). */
  readonly extra?: JsonObject;
  /** When, where and how long it ran (left out of comparisons). */
  readonly meta: ResultsMeta;
}

/** The part of {@link Results} an experiment supplies; see {@link makeResults}. */
export type ResultsBody = Omit<Results, "schema" | "meta">;

/** A results file of `body` with run information `meta`. */
export function makeResults(body: ResultsBody, meta: ResultsMeta): Results {
  return { schema: RESULTS_SCHEMA, ...body, meta };
}

// ---------------------------------------------------------------------------
// Meta

/** What {@link collectMeta} records beyond what it can find out by itself. */
export interface MetaOptions {
  /** Directory whose git commit is recorded (default: the current one). */
  readonly cwd?: string;
  /** The seeds the run used. */
  readonly seeds?: readonly number[];
}

/**
 * Gathers the run's provenance. Needs --allow-run for the commit and the
 * dirty flag (else "unknown" and absent) and --allow-read for the CPU model.
 * A string argument is the `cwd` (older call form).
 */
export async function collectMeta(
  wallSeconds: number,
  opts: MetaOptions | string = {},
): Promise<ResultsMeta> {
  const o: MetaOptions = typeof opts === "string" ? { cwd: opts } : opts;
  const commit = (await git(["rev-parse", "HEAD"], o.cwd)) ?? "unknown";
  const status = await git(["status", "--porcelain"], o.cwd);
  return {
    commit: commit === "" ? "unknown" : commit,
    ...(status === null ? {} : { dirty: status !== "" }),
    wallSeconds,
    deno: Deno.version.deno,
    date: new Date().toISOString(),
    machine: machineInfo(),
    ...(o.seeds ? { seeds: [...o.seeds] } : {}),
  };
}

/** Trimmed stdout of a git command, or null when git fails or may not run. */
async function git(args: string[], cwd?: string): Promise<string | null> {
  try {
    const out = await new Deno.Command("git", { args, cwd, stdout: "piped", stderr: "null" })
      .output();
    return out.success ? new TextDecoder().decode(out.stdout).trim() : null;
  } catch {
    return null;
  }
}

/** Cores and CPU model of this machine (the model from /proc/cpuinfo where it exists). */
export function machineInfo(): MachineInfo {
  let cpu = "unknown";
  try {
    const text = Deno.readTextFileSync("/proc/cpuinfo");
    const m = /^model name\s*:\s*(.+)$/m.exec(text);
    if (m) cpu = m[1].trim();
  } catch {
    // Not Linux, or no read permission: the model stays unknown.
  }
  return { cores: navigator.hardwareConcurrency ?? 0, cpu };
}

/** Provenance as labelled lines for reports, e.g. ["commit", "1a2b3c... (uncommitted changes)"]. */
export function provenanceEntries(m: ResultsMeta): [string, string][] {
  const dirty = m.dirty === undefined ? "" : m.dirty ? " (uncommitted changes)" : " (clean)";
  const rows: [string, string][] = [
    ["commit", m.commit + dirty],
    ["date", m.date],
    ["deno", m.deno],
  ];
  if (m.machine) rows.push(["machine", `${m.machine.cores} cores, ${m.machine.cpu}`]);
  if (m.seeds) rows.push(["seeds", m.seeds.join(", ")]);
  rows.push(["wall time", `${m.wallSeconds.toFixed(1)} s`]);
  return rows;
}

// ---------------------------------------------------------------------------
// Serialization

/** Rounds a number the way the serializer writes it. */
export function canonicalNumber(x: number, where = "number"): number {
  if (!Number.isFinite(x)) {
    throw new Error(`${where}: ${x} cannot be written to JSON (use null for "no value")`);
  }
  if (Object.is(x, -0)) return 0;
  if (Number.isSafeInteger(x)) return x;
  const r = Number(x.toPrecision(SIGNIFICANT_DIGITS));
  return Object.is(r, -0) ? 0 : r;
}

function isScalar(v: unknown): v is Scalar {
  return v === null || typeof v === "number" || typeof v === "string" || typeof v === "boolean";
}

function scalarText(v: Scalar, where: string): string {
  return typeof v === "number" ? JSON.stringify(canonicalNumber(v, where)) : JSON.stringify(v);
}

/** Object entries in canonical order: `order` first (if given), then the rest sorted. */
function orderedEntries(
  obj: Record<string, unknown>,
  order: readonly string[] | undefined,
): [string, unknown][] {
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined);
  const fixed = order ? order.filter((k) => keys.includes(k)) : [];
  const rest = keys.filter((k) => !fixed.includes(k)).sort();
  return [...fixed, ...rest].map((k) => [k, obj[k]]);
}

/** Key order of the known object kinds, by path pattern. */
const TOP_ORDER = ["schema", "experiment", "config", "series", "claims", "tables", "extra", "meta"];
const SERIES_ORDER = ["name", "mode", "variant", "points"];
const CLAIM_ORDER = ["id", "ours", "holds", "verdict", "note"];
const TABLE_ORDER = ["name", "columns", "rows"];
const META_ORDER = [
  "commit",
  "dirty",
  "wallSeconds",
  "deno",
  "date",
  "machine",
  "seeds",
  "speed",
];

function keyOrderFor(path: readonly string[]): readonly string[] | undefined {
  if (path.length === 0) return TOP_ORDER;
  if (path.length === 1 && path[0] === "meta") return META_ORDER;
  if (path.length === 2 && path[0] === "series") return SERIES_ORDER;
  if (path.length === 2 && path[0] === "claims") return CLAIM_ORDER;
  if (path.length === 2 && path[0] === "tables") return TABLE_ORDER;
  return undefined;
}

function emit(v: unknown, path: string[], depth: number): string {
  const where = path.join(".") || "(root)";
  if (isScalar(v)) return scalarText(v, where);
  const pad = " ".repeat(INDENT * (depth + 1));
  const close = " ".repeat(INDENT * depth);
  if (Array.isArray(v)) {
    if (v.length === 0) return "[]";
    if (v.every(isScalar)) {
      return `[${v.map((x, i) => scalarText(x, `${where}[${i}]`)).join(", ")}]`;
    }
    const items = v.map((x, i) => pad + emit(x, [...path, String(i)], depth + 1));
    return `[\n${items.join(",\n")}\n${close}]`;
  }
  if (typeof v === "object") {
    const entries = orderedEntries(v as Record<string, unknown>, keyOrderFor(path));
    if (entries.length === 0) return "{}";
    if (entries.every(([, x]) => isScalar(x))) {
      const parts = entries.map(([k, x]) =>
        `${JSON.stringify(k)}: ${scalarText(x as Scalar, `${where}.${k}`)}`
      );
      return `{ ${parts.join(", ")} }`;
    }
    const parts = entries.map(([k, x]) =>
      `${pad}${JSON.stringify(k)}: ${emit(x, [...path, k], depth + 1)}`
    );
    return `{\n${parts.join(",\n")}\n${close}}`;
  }
  throw new Error(`${where}: cannot serialize a ${typeof v}`);
}

/**
 * Canonical JSON text of a results object (ends with a newline). With
 * `withMeta: false` the `meta` block is left out: that text is byte-identical
 * for the same seed and config.
 */
export function serializeResults(r: Results, opts: { withMeta?: boolean } = {}): string {
  const withMeta = opts.withMeta ?? true;
  const obj: Record<string, unknown> = { ...r };
  if (!withMeta) delete obj.meta;
  return emit(obj, [], 0) + "\n";
}

/** Canonical JSON of any JSON value (same rules as {@link serializeResults}). */
export function canonicalJson(v: JsonValue): string {
  return emit(v, ["(value)"], 0);
}

/** Writes `r` canonically to `path`, creating parent directories. */
export async function writeResults(path: string, r: Results): Promise<void> {
  await ensureParentDir(path);
  await Deno.writeTextFile(path, serializeResults(r));
}

/** Creates the directory that will hold `path`, if it has one. */
export async function ensureParentDir(path: string): Promise<void> {
  const slash = path.lastIndexOf("/");
  if (slash > 0) await Deno.mkdir(path.slice(0, slash), { recursive: true });
}

// ---------------------------------------------------------------------------
// Validation

class Invalid extends Error {}

function fail(where: string, msg: string): never {
  throw new Invalid(`results: ${where}: ${msg}`);
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return `a ${typeof v}`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function need<T>(ok: (v: unknown) => v is T, v: unknown, where: string, what: string): T {
  if (!ok(v)) fail(where, `expected ${what}, got ${describe(v)}`);
  return v;
}

const isString = (v: unknown): v is string => typeof v === "string";
const isNumber = (v: unknown): v is number => typeof v === "number";
const isArray = (v: unknown): v is unknown[] => Array.isArray(v);
const isOptString = (v: unknown): v is string | undefined => v === undefined || isString(v);

function checkPoint(v: unknown, where: string): Point {
  const p = need(isPlainObject, v, where, "an object");
  for (const [k, x] of Object.entries(p)) {
    need(isScalar, x, `${where}.${k}`, "a number, string, boolean or null");
  }
  return p as Point;
}

function checkSeries(v: unknown, where: string): Series {
  const s = need(isPlainObject, v, where, "an object");
  need(isString, s.name, `${where}.name`, "a string");
  need(isOptString, s.mode, `${where}.mode`, "a string");
  need(isOptString, s.variant, `${where}.variant`, "a string");
  need(isArray, s.points, `${where}.points`, "an array").forEach((p, i) =>
    checkPoint(p, `${where}.points[${i}]`)
  );
  return s as unknown as Series;
}

function checkClaim(v: unknown, where: string): ClaimCheck {
  const c = need(isPlainObject, v, where, "an object");
  need(isString, c.id, `${where}.id`, "a string");
  need(
    (x): x is string | number => isString(x) || isNumber(x),
    c.ours,
    `${where}.ours`,
    "a string or number",
  );
  need(
    (x): x is boolean | null => x === null || typeof x === "boolean",
    c.holds,
    `${where}.holds`,
    "true, false or null",
  );
  need(isString, c.note, `${where}.note`, "a string");
  need(
    (x): x is string | undefined =>
      x === undefined || x === "reproduced" || x === "near" || x === "contradicted",
    c.verdict,
    `${where}.verdict`,
    "reproduced, near or contradicted",
  );
  return c as unknown as ClaimCheck;
}

function checkTable(v: unknown, where: string): Table {
  const t = need(isPlainObject, v, where, "an object");
  need(isString, t.name, `${where}.name`, "a string");
  const cols = need(isArray, t.columns, `${where}.columns`, "an array");
  cols.forEach((c, i) => need(isString, c, `${where}.columns[${i}]`, "a string"));
  need(isArray, t.rows, `${where}.rows`, "an array").forEach((row, i) => {
    const r = need(isArray, row, `${where}.rows[${i}]`, "an array");
    if (r.length !== cols.length) {
      fail(`${where}.rows[${i}]`, `has ${r.length} cells for ${cols.length} columns`);
    }
    r.forEach((x, j) => need(isScalar, x, `${where}.rows[${i}][${j}]`, "a scalar"));
  });
  return t as unknown as Table;
}

function checkMeta(v: unknown): ResultsMeta {
  const m = need(isPlainObject, v, "meta", "an object");
  need(isString, m.commit, "meta.commit", "a string");
  need(isNumber, m.wallSeconds, "meta.wallSeconds", "a number");
  need(isString, m.deno, "meta.deno", "a string");
  need(isString, m.date, "meta.date", "a string");
  if (m.dirty !== undefined) {
    need((x): x is boolean => typeof x === "boolean", m.dirty, "meta.dirty", "a boolean");
  }
  if (m.machine !== undefined) {
    const machine = need(isPlainObject, m.machine, "meta.machine", "an object");
    need(isNumber, machine.cores, "meta.machine.cores", "a number");
    need(isString, machine.cpu, "meta.machine.cpu", "a string");
  }
  if (m.seeds !== undefined) {
    need(isArray, m.seeds, "meta.seeds", "an array").forEach((x, i) =>
      need(isNumber, x, `meta.seeds[${i}]`, "a number")
    );
  }
  if (m.speed !== undefined) {
    need(isArray, m.speed, "meta.speed", "an array").forEach((x, i) => {
      const p = need(isPlainObject, x, `meta.speed[${i}]`, "an object");
      need(isString, p.id, `meta.speed[${i}].id`, "a string");
      need(isString, p.unit, `meta.speed[${i}].unit`, "a string");
      for (const k of ["wallSeconds", "simSeconds", "events", "units", "perWallSecond"]) {
        need(isNumber, p[k], `meta.speed[${i}].${k}`, "a number");
      }
    });
  }
  return m as unknown as ResultsMeta;
}

/**
 * Parses and validates a results file. Throws an Error whose one-line
 * message names the first problem found (e.g.
 * `results: series[1].points[3].latency_us: expected ..., got an object`).
 */
export function parseResults(text: string): Results {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`results: not valid JSON (${(e as Error).message.split("\n")[0]})`);
  }
  try {
    const r = need(isPlainObject, raw, "(root)", "an object");
    if (r.schema !== RESULTS_SCHEMA) {
      fail("schema", `expected "${RESULTS_SCHEMA}", got ${JSON.stringify(r.schema) ?? "nothing"}`);
    }
    need(isString, r.experiment, "experiment", "a string");
    need(isPlainObject, r.config, "config", "an object");
    need(isArray, r.series, "series", "an array").forEach((s, i) => checkSeries(s, `series[${i}]`));
    if (r.claims !== undefined) {
      need(isArray, r.claims, "claims", "an array").forEach((c, i) =>
        checkClaim(c, `claims[${i}]`)
      );
    }
    if (r.tables !== undefined) {
      need(isArray, r.tables, "tables", "an array").forEach((t, i) =>
        checkTable(t, `tables[${i}]`)
      );
    }
    if (r.extra !== undefined) need(isPlainObject, r.extra, "extra", "an object");
    checkMeta(r.meta);
    return r as unknown as Results;
  } catch (e) {
    if (e instanceof Invalid) throw new Error(e.message);
    throw e;
  }
}

/** Reads and validates a results file; errors name the file. */
export async function readResults(path: string): Promise<Results> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new Error(`${path}: cannot read (${(e as Error).name})`);
  }
  try {
    return parseResults(text);
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
}

// ---------------------------------------------------------------------------
// Helpers for charts and tables

/**
 * Scalar leaves of a JSON value as [dotted path, canonical JSON text], paths
 * sorted; arrays are leaves (e.g. `["sizes", "[64, 1024]"]`).
 */
export function flattenJson(v: JsonValue, prefix = ""): [string, string][] {
  const out: [string, string][] = [];
  const walk = (x: JsonValue, path: string) => {
    if (x !== null && typeof x === "object" && !Array.isArray(x)) {
      for (const k of Object.keys(x).sort()) walk(x[k], path ? `${path}.${k}` : k);
    } else {
      out.push([path, canonicalJson(x)]);
    }
  };
  walk(v, prefix);
  return out;
}

/**
 * Flattens series into chart rows: every point gets `series` (the series
 * name) and, when set, `mode` and `variant` fields (these win over point
 * fields of the same name).
 */
export function seriesRows(series: readonly Series[]): Point[] {
  const rows: Point[] = [];
  for (const s of series) {
    for (const p of s.points) {
      const row: Point = { series: s.name };
      if (s.mode !== undefined) row.mode = s.mode;
      if (s.variant !== undefined) row.variant = s.variant;
      rows.push({ ...p, ...row });
    }
  }
  return rows;
}
