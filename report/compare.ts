/**
 * Comparison of two results files of the same experiment (e.g. from two
 * commits): per series, per point, per numeric field, the old and new value
 * with absolute and relative differences; plus config differences and claim
 * verdict changes. Printable as text or as an HTML report.
 *
 * CLI:
 *   deno run -A report/compare.ts old.json new.json [--html out.html] [--key bytes] [--all]
 *
 * The summary lists only the changed figures ("N figures compared, all
 * unchanged" when none changed); `--all` lists every one.
 */
import { opt, parseOptions, type ParseSettings, runCli, UsageError } from "../core/cli.ts";
import { holdsText } from "./claims.ts";
import { type Cell, type Column, ReportBuilder } from "./html.ts";
import { textTable } from "./text.ts";
import { barChart, type Row, type VegaLiteSpec } from "./vega.ts";
import { flattenJson, type Point, readResults, type Results, type Series } from "./results.ts";

/** Fields tried, in order, to match points between the two files. */
export const DEFAULT_KEY_FIELDS = ["bytes", "size", "load", "rate", "offered", "connections", "x"];

export interface FieldDiff {
  /** Series identity: name plus mode and variant when set. */
  readonly series: string;
  /** Value of the key field, or "#i" when points are matched by index. */
  readonly key: string | number;
  readonly field: string;
  /** null when the point or field is missing on that side. */
  readonly old: number | null;
  readonly new: number | null;
  /** new - old, when both exist. */
  readonly abs: number | null;
  /** (new - old) / |old|, when both exist and old != 0. */
  readonly rel: number | null;
}

export interface ConfigDiff {
  /** Dotted path, e.g. "layout.net". */
  readonly path: string;
  readonly old: string;
  readonly new: string;
}

export interface ClaimChange {
  readonly id: string;
  readonly old: string;
  readonly new: string;
}

export interface Comparison {
  readonly experiment: string;
  readonly oldCommit: string;
  readonly newCommit: string;
  readonly config: readonly ConfigDiff[];
  /** Series only in the old or only in the new file. */
  readonly removedSeries: readonly string[];
  readonly addedSeries: readonly string[];
  /** The key field used for each compared series ("#index" if none). */
  readonly keys: readonly { readonly series: string; readonly key: string }[];
  readonly diffs: readonly FieldDiff[];
  readonly claims: readonly ClaimChange[];
}

export interface CompareOptions {
  /** Key field to match points by (default: first of {@link DEFAULT_KEY_FIELDS} present). */
  readonly key?: string;
}

/** How a series is named in comparisons. */
export function seriesId(s: Series): string {
  return [s.name, s.mode, s.variant].filter((x) => x !== undefined).join(" / ");
}

function configDiffs(a: Results, b: Results): ConfigDiff[] {
  const fa = new Map(flattenJson(a.config));
  const fb = new Map(flattenJson(b.config));
  const paths = [...new Set([...fa.keys(), ...fb.keys()])].sort();
  return paths.filter((p) => fa.get(p) !== fb.get(p)).map((p) => ({
    path: p,
    old: fa.get(p) ?? "(absent)",
    new: fb.get(p) ?? "(absent)",
  }));
}

function pickKey(a: Series, b: Series, wanted: string | undefined): string | undefined {
  const all = [...a.points, ...b.points];
  const usable = (f: string) => all.length > 0 && all.every((p) => p[f] !== undefined);
  if (wanted !== undefined) return usable(wanted) ? wanted : undefined;
  return DEFAULT_KEY_FIELDS.find(usable);
}

/** Points by key value, in first-appearance order; duplicates get "#n" suffixes. */
function keyed(points: readonly Point[], key: string | undefined): Map<string, Point> {
  const m = new Map<string, Point>();
  points.forEach((p, i) => {
    let k = key === undefined ? `#${i}` : String(p[key]);
    for (let n = 2; m.has(k); n++) k = `${String(p[key!])}#${n}`;
    m.set(k, p);
  });
  return m;
}

function numericFields(points: readonly (Point | undefined)[], key: string | undefined): string[] {
  const fields: string[] = [];
  for (const p of points) {
    if (!p) continue;
    for (const [f, v] of Object.entries(p)) {
      if (f !== key && typeof v === "number" && !fields.includes(f)) fields.push(f);
    }
  }
  return fields.sort();
}

function num(p: Point | undefined, f: string): number | null {
  const v = p?.[f];
  return typeof v === "number" ? v : null;
}

/** Compares two results files of the same experiment. */
export function compareResults(a: Results, b: Results, opts: CompareOptions = {}): Comparison {
  if (a.experiment !== b.experiment) {
    throw new Error(`cannot compare different experiments: '${a.experiment}' vs '${b.experiment}'`);
  }
  const bSeries = new Map(b.series.map((s) => [seriesId(s), s]));
  const aIds = new Set(a.series.map(seriesId));
  const diffs: FieldDiff[] = [];
  const keys: { series: string; key: string }[] = [];
  for (const sa of a.series) {
    const id = seriesId(sa);
    const sb = bSeries.get(id);
    if (sb === undefined) continue;
    const key = pickKey(sa, sb, opts.key);
    if (opts.key !== undefined && key === undefined) {
      throw new Error(`series '${id}': not every point has the key field '${opts.key}'`);
    }
    keys.push({ series: id, key: key ?? "#index" });
    const pa = keyed(sa.points, key);
    const pb = keyed(sb.points, key);
    const order = [...pa.keys(), ...[...pb.keys()].filter((k) => !pa.has(k))];
    for (const k of order) {
      const oldP = pa.get(k);
      const newP = pb.get(k);
      const keyVal = key !== undefined ? ((oldP ?? newP)![key] as string | number) : k;
      const displayKey = key === undefined || k !== String(keyVal) ? k : keyVal;
      for (const f of numericFields([oldP, newP], key)) {
        const o = num(oldP, f);
        const n = num(newP, f);
        const abs = o !== null && n !== null ? n - o : null;
        diffs.push({
          series: id,
          key: displayKey,
          field: f,
          old: o,
          new: n,
          abs,
          rel: abs !== null && o !== 0 ? abs / Math.abs(o!) : null,
        });
      }
    }
  }
  const claimsA = new Map((a.claims ?? []).map((c) => [c.id, holdsText(c.holds)]));
  const claimsB = new Map((b.claims ?? []).map((c) => [c.id, holdsText(c.holds)]));
  const claimIds = [...new Set([...claimsA.keys(), ...claimsB.keys()])];
  const claims = claimIds
    .map((id) => ({ id, old: claimsA.get(id) ?? "absent", new: claimsB.get(id) ?? "absent" }))
    .filter((c) => c.old !== c.new);
  return {
    experiment: a.experiment,
    oldCommit: a.meta.commit,
    newCommit: b.meta.commit,
    config: configDiffs(a, b),
    removedSeries: a.series.map(seriesId).filter((id) => !bSeries.has(id)),
    addedSeries: b.series.map(seriesId).filter((id) => !aIds.has(id)),
    keys,
    diffs,
    claims,
  };
}

/** A difference is a change when the values differ at all (or one side is missing). */
export function isChanged(d: FieldDiff): boolean {
  return d.old !== d.new;
}

/**
 * A change beyond a relative tolerance (e.g. 0.01 = 1%): |rel| > tolerance,
 * or any change where no relative difference exists (a side missing, old 0).
 */
export function isBeyond(d: FieldDiff, tolerance: number): boolean {
  if (!isChanged(d)) return false;
  return d.rel === null || Math.abs(d.rel) > tolerance;
}

export interface ComparisonViewOptions {
  /** List every compared figure, not only the changed ones. */
  readonly all?: boolean;
  /** Relative tolerance: changes beyond it are flagged (default: every change is flagged). */
  readonly tolerance?: number;
}

/** Significant digits of values in the text table. */
const TEXT_DIGITS = 6;
/** Decimals of relative differences (in percent). */
const PERCENT_DECIMALS = 2;
/** Short commit length in headings. */
const SHORT_COMMIT = 10;
/** Most changed figures drawn in a comparison chart (the largest relative changes). */
const MAX_CHARTED = 40;
/** Marks a change beyond the tolerance in text tables. */
const FLAG = "!";

function fmt(x: number | null): string {
  return x === null ? "-" : String(Number(x.toPrecision(TEXT_DIGITS)));
}
/** A relative difference as a signed percentage, e.g. "+20.00%". */
export function pct(x: number | null): string {
  return x === null ? "-" : `${x >= 0 ? "+" : ""}${(x * 100).toFixed(PERCENT_DECIMALS)}%`;
}

/** A fraction as a plain percentage, e.g. 0.01 -> "1%". */
export function percentText(x: number): string {
  return `${Number((x * 100).toPrecision(TEXT_DIGITS))}%`;
}

/** The figures a view lists: all of them, or the changed ones. */
export function listedDiffs(diffs: readonly FieldDiff[], all = false): FieldDiff[] {
  return diffs.filter((d) => all || isChanged(d));
}

/**
 * One line counting figures: "N figures compared, all unchanged" or
 * "N figures compared, K changed (M beyond 1.00%)".
 */
export function changeSummary(diffs: readonly FieldDiff[], tolerance?: number): string {
  const changed = diffs.filter(isChanged).length;
  const head = `${diffs.length} figure${diffs.length === 1 ? "" : "s"} compared`;
  if (changed === 0) return `${head}, all unchanged`;
  const beyond = tolerance === undefined
    ? ""
    : ` (${diffs.filter((d) => isBeyond(d, tolerance)).length} beyond ${percentText(tolerance)})`;
  return `${head}, ${changed} changed${beyond}`;
}

const DIFF_COLUMNS = ["series", "key", "field", "old", "new", "abs diff", "rel diff"];
const DIFF_ALIGN = ["left", "left", "left", "right", "right", "right", "right"] as const;

/** The figures as a text table; with a tolerance, changes beyond it are marked "!". */
export function diffTextTable(diffs: readonly FieldDiff[], tolerance?: number): string {
  const header = tolerance === undefined ? DIFF_COLUMNS : [...DIFF_COLUMNS, ""];
  const rows = diffs.map((d) => {
    const row = [d.series, String(d.key), d.field, fmt(d.old), fmt(d.new), fmt(d.abs), pct(d.rel)];
    if (tolerance !== undefined) row.push(isBeyond(d, tolerance) ? FLAG : "");
    return row;
  });
  return textTable(header, rows, tolerance === undefined ? DIFF_ALIGN : [...DIFF_ALIGN, "left"]);
}

/**
 * The comparison as plain text: what differs in config, series and claims,
 * then "N figures compared, all unchanged", or the count of changes and a
 * table of the changed figures (all figures with `all`).
 */
export function formatComparisonText(c: Comparison, opts: ComparisonViewOptions = {}): string {
  const out: string[] = [
    `experiment: ${c.experiment}`,
    `old: ${c.oldCommit}  new: ${c.newCommit}`,
  ];
  if (c.config.length) {
    out.push("", "config differences:");
    for (const d of c.config) out.push(`  ${d.path}: ${d.old} -> ${d.new}`);
  }
  for (const id of c.removedSeries) out.push(`series only in old: ${id}`);
  for (const id of c.addedSeries) out.push(`series only in new: ${id}`);
  for (const ch of c.claims) out.push(`claim ${ch.id}: ${ch.old} -> ${ch.new}`);
  out.push("", changeSummary(c.diffs, opts.tolerance));
  const rows = listedDiffs(c.diffs, opts.all);
  if (rows.length) out.push("", diffTextTable(rows, opts.tolerance));
  return out.join("\n") + "\n";
}

/** A label naming one figure in charts, e.g. "latency / dlibos 1024 us". */
export function figureLabel(d: FieldDiff): string {
  return `${d.series} ${d.key} ${d.field}`;
}

/**
 * A bar chart of the largest relative changes (percent), or null when no
 * figure changed by a measurable ratio.
 */
export function changeChart(diffs: readonly FieldDiff[], title: string): VegaLiteSpec | null {
  const moved = diffs.filter((d) => isChanged(d) && d.rel !== null)
    .sort((a, b) => Math.abs(b.rel!) - Math.abs(a.rel!)).slice(0, MAX_CHARTED);
  if (moved.length === 0) return null;
  const data: Row[] = moved.map((d) => ({
    figure: figureLabel(d),
    changePercent: Number((d.rel! * 100).toPrecision(TEXT_DIGITS)),
  }));
  return barChart({
    title,
    data,
    x: "figure",
    y: "changePercent",
    xTitle: "figure",
    yTitle: "change (%)",
  });
}

/** Adds the figures table (changed ones, or all) to a report section. */
export function addDiffTable(
  r: ReportBuilder,
  diffs: readonly FieldDiff[],
  tolerance?: number,
  caption?: string,
): void {
  const cols: Column[] = [
    { label: "series" },
    { label: "key" },
    { label: "field" },
    { label: "old", align: "right" },
    { label: "new", align: "right" },
    { label: "abs diff", align: "right" },
    { label: "rel diff", align: "right" },
  ];
  if (tolerance !== undefined) cols.push({ label: "beyond tolerance" });
  r.table(
    cols,
    diffs.map((d) => {
      const row: Cell[] = [d.series, d.key, d.field, d.old, d.new, d.abs, pct(d.rel)];
      if (tolerance !== undefined) row.push(isBeyond(d, tolerance) ? "yes" : "");
      return row;
    }),
    caption,
  );
}

/** The comparison as an HTML report, with a chart of the changed figures. */
export async function comparisonReport(
  c: Comparison,
  opts: ComparisonViewOptions = {},
): Promise<ReportBuilder> {
  const r = new ReportBuilder(`Comparison: ${c.experiment}`)
    .meta({ old: c.oldCommit.slice(0, SHORT_COMMIT), new: c.newCommit.slice(0, SHORT_COMMIT) });
  r.section("Overview", `${changeSummary(c.diffs, opts.tolerance)}.`);
  if (c.config.length) {
    r.table(
      ["config", "old", "new"],
      c.config.map((d) => [d.path, d.old, d.new]),
      "Config differences",
    );
  }
  const only = [
    ...c.removedSeries.map((id): Cell[] => [id, "old only"]),
    ...c.addedSeries.map((id): Cell[] => [id, "new only"]),
  ];
  if (only.length) r.table(["series", "present in"], only, "Unmatched series");
  if (c.claims.length) {
    r.table(["claim", "old", "new"], c.claims.map((x) => [x.id, x.old, x.new]), "Claim changes");
  }
  const chart = changeChart(c.diffs, `${c.experiment}: changed figures`);
  if (chart) await r.chartFromSpec(chart, "Relative change of each changed figure (new vs old)");
  const listed = listedDiffs(c.diffs, opts.all);
  if (listed.length) {
    r.section(opts.all ? "All figures" : "Changed figures");
    addDiffTable(r, listed, opts.tolerance);
  }
  return r;
}

/** The CLI's options. */
const COMPARE_OPTIONS = {
  html: opt.outputFile("also write an HTML report to this file"),
  key: opt.string("field to match points by (default: bytes, size, load, ... whichever exists)", {
    placeholder: "FIELD",
  }),
  all: opt.flag("list every compared figure, not only the changed ones"),
};

const COMPARE_SETTINGS: ParseSettings = {
  usage: "deno run -A report/compare.ts old.json new.json [options]",
  summary: "Compare two results files of the same experiment (old vs new).",
  positionals: { min: 2, max: 2, names: "results files old.json and new.json" },
};

/**
 * CLI entry: prints the text comparison and returns the exit code. Bad
 * arguments, unreadable or invalid files → {@link UsageError}.
 */
export async function compareMain(
  argv: readonly string[],
  print: (s: string) => void,
): Promise<number> {
  const { values, positionals } = parseOptions(COMPARE_OPTIONS, argv, COMPARE_SETTINGS);
  const [oldPath, newPath] = positionals;
  let a: Results, b: Results, cmp: Comparison;
  try {
    a = await readResults(oldPath);
    b = await readResults(newPath);
    cmp = compareResults(a, b, { key: values.key });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.html !== undefined) {
    await (await comparisonReport(cmp, { all: values.all })).writeHtml(values.html);
  }
  print(formatComparisonText(cmp, { all: values.all }));
  return 0;
}

if (import.meta.main) {
  await runCli(() => compareMain(Deno.args, (s) => console.log(s.trimEnd())));
}
