/**
 * `deno task compare`: did a change move any simulated figure, or slow the
 * simulator down?
 *
 *   deno task compare                      # HEAD against the working tree
 *   deno task compare v1 HEAD --out /tmp/cmp
 *   deno task compare --dirs old/ new/     # two saved results directories
 *
 * Each commit is checked out into a temporary `git worktree` (removed
 * afterwards, also on failure); the working tree is used in place. The quick
 * experiments ({@link QUICK_CASES}: `sim netpipe|memcached|web --json` at
 * fingerprint scale) run as subprocesses in each tree, interleaved A B A B
 * so that machine noise falls on both sides alike. The first run of each
 * side gives the figures; every further run must give the same figures (the
 * simulator is deterministic), and the least-disturbed (shortest) wall time
 * of the runs gives the speed.
 *
 * Prints a summary and, with `--out DIR`, writes DIR/a/<case>.json,
 * DIR/b/<case>.json (results directories `--dirs` can compare again) and
 * DIR/index.html: every figure side by side with its change, changes beyond
 * `--tolerance` flagged and charted, and the simulator's speed as a ratio
 * B/A per case. Exit status 1 when a figure moved beyond the tolerance, a
 * series appeared or vanished, a case failed or gave different figures on
 * repeated runs, or a case got slower than `--speed-threshold`; 0 otherwise;
 * 2 for bad usage.
 */
import { opt, parseOptions, type ParseSettings, runCli, UsageError } from "../core/cli.ts";
import {
  addDiffTable,
  changeChart,
  changeSummary,
  compareResults,
  type Comparison,
  diffTextTable,
  isBeyond,
  isChanged,
  listedDiffs,
  percentText,
} from "../report/compare.ts";
import { ReportBuilder } from "../report/html.ts";
import {
  parseResults,
  provenanceEntries,
  readResults,
  type Results,
  serializeResults,
  writeResults,
} from "../report/results.ts";
import { textTable } from "../report/text.ts";
import { barChart } from "../report/vega.ts";

/** One experiment run on both sides: `sim <args> --quiet --json FILE`. */
export interface Case {
  readonly name: string;
  readonly args: readonly string[];
}

/**
 * The quick experiments: the scale of `deno task fingerprint` (a few seconds
 * each), through the `sim` command line every commit has.
 */
export const QUICK_CASES: readonly Case[] = [
  {
    name: "netpipe",
    args: ["netpipe", "--sizes", "1,64,1460,4096,65536", "--reps", "20", "--warmup", "3"],
  },
  { name: "memcached", args: ["memcached", "--connections", "24", "--requests", "20"] },
  { name: "web", args: ["web", "--connections", "24", "--requests", "20"] },
];

/** Stands for the working tree as side B (or A). */
export const WORKTREE = "worktree";
/** Default relative tolerance of a figure, in percent. */
const DEFAULT_TOLERANCE_PERCENT = 1;
/**
 * Default allowed slow-down, in percent. Generous: wall time on a shared
 * machine varies by several percent between identical runs.
 */
const DEFAULT_SPEED_THRESHOLD_PERCENT = 20;
/** Default timed runs per side and case. */
const DEFAULT_RUNS = 3;
const MAX_RUNS = 50;
/** Short commit length in summaries. */
const SHORT_COMMIT = 10;
const PERCENT = 100;

// ---------------------------------------------------------------------------
// Comparing two results directories

/** One case compared: figures, or why not, and the two wall times. */
export interface CaseComparison {
  readonly name: string;
  readonly comparison: Comparison | null;
  /** Why the case could not be compared (missing file, failed run, nondeterminism). */
  readonly error?: string;
  /** Seconds of simulation per run on each side (a results file's meta.wallSeconds). */
  readonly wallA: number | null;
  readonly wallB: number | null;
  readonly metaA?: Results["meta"];
  readonly metaB?: Results["meta"];
}

export interface Thresholds {
  /** Relative tolerance of a figure (0.01 = 1%). */
  readonly tolerance: number;
  /** Allowed relative slow-down (0.2 = B may take 20% longer than A). */
  readonly speedThreshold: number;
}

/** B's wall time over A's, or null when either is unknown or zero. */
export function speedRatio(c: CaseComparison): number | null {
  return c.wallA && c.wallB ? c.wallB / c.wallA : null;
}

/** Figures moved beyond the tolerance, plus series present on one side only. */
export function movedCount(c: Comparison, tolerance: number): number {
  return c.diffs.filter((d) => isBeyond(d, tolerance)).length + c.removedSeries.length +
    c.addedSeries.length;
}

/** What fails the comparison, one line each (empty: it passes). */
export function problems(cases: readonly CaseComparison[], t: Thresholds): string[] {
  const out: string[] = [];
  for (const c of cases) {
    if (c.error !== undefined) out.push(`${c.name}: ${c.error}`);
    if (c.comparison) {
      const n = movedCount(c.comparison, t.tolerance);
      if (n > 0) out.push(`${c.name}: ${n} figure(s) moved beyond ${percentText(t.tolerance)}`);
    }
    const r = speedRatio(c);
    if (r !== null && r > 1 + t.speedThreshold) {
      out.push(
        `${c.name}: ${r.toFixed(2)}x the wall time (allowed ${(1 + t.speedThreshold).toFixed(2)}x)`,
      );
    }
  }
  return out;
}

/** Case names: the `.json` files of a directory, sorted. */
async function jsonNames(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      if (e.isFile && e.name.endsWith(".json")) names.push(e.name.slice(0, -".json".length));
    }
  } catch (e) {
    throw new UsageError(`${dir}: cannot read directory (${(e as Error).name})`);
  }
  return names.sort();
}

/** Compares every results file of `oldDir` with the same-named file of `newDir`. */
export async function compareDirs(oldDir: string, newDir: string): Promise<CaseComparison[]> {
  const a = await jsonNames(oldDir);
  const b = await jsonNames(newDir);
  const names = [...new Set([...a, ...b])].sort();
  if (names.length === 0) {
    throw new UsageError(`no results files (*.json) in ${oldDir} or ${newDir}`);
  }
  const out: CaseComparison[] = [];
  for (const name of names) {
    if (!a.includes(name) || !b.includes(name)) {
      const where = a.includes(name) ? oldDir : newDir;
      out.push({
        name,
        comparison: null,
        error: `only in ${where}`,
        wallA: null,
        wallB: null,
      });
      continue;
    }
    try {
      const ra = await readResults(`${oldDir}/${name}.json`);
      const rb = await readResults(`${newDir}/${name}.json`);
      out.push({
        name,
        comparison: compareResults(ra, rb),
        wallA: ra.meta.wallSeconds,
        wallB: rb.meta.wallSeconds,
        metaA: ra.meta,
        metaB: rb.meta,
      });
    } catch (e) {
      out.push({ name, comparison: null, error: (e as Error).message, wallA: null, wallB: null });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Output

export interface Sides {
  /** How A and B are named, e.g. "HEAD (1a2b3c4d5e)" and "working tree". */
  readonly a: string;
  readonly b: string;
}

function wallText(x: number | null): string {
  return x === null ? "-" : x.toFixed(3);
}

function verdictText(c: CaseComparison, t: Thresholds): string {
  if (c.error !== undefined) return "error";
  const moved = c.comparison ? movedCount(c.comparison, t.tolerance) : 0;
  const r = speedRatio(c);
  const slower = r !== null && r > 1 + t.speedThreshold;
  if (moved > 0 && slower) return "moved, slower";
  if (moved > 0) return "moved";
  if (slower) return "slower";
  return c.comparison && c.comparison.diffs.some(isChanged) ? "within tolerance" : "unchanged";
}

/** The terminal summary. */
export function formatSummary(
  cases: readonly CaseComparison[],
  sides: Sides,
  t: Thresholds,
  opts: { all?: boolean } = {},
): string {
  const out = [
    `A: ${sides.a}`,
    `B: ${sides.b}`,
    `tolerance ${percentText(t.tolerance)}, speed threshold ${percentText(t.speedThreshold)}`,
    "",
  ];
  const rows = cases.map((c) => [
    c.name,
    c.comparison ? changeSummary(c.comparison.diffs, t.tolerance) : (c.error ?? ""),
    wallText(c.wallA),
    wallText(c.wallB),
    speedRatio(c)?.toFixed(3) ?? "-",
    verdictText(c, t),
  ]);
  out.push(
    textTable(["case", "figures", "A s", "B s", "B/A", "verdict"], rows, [
      "left",
      "left",
      "right",
      "right",
      "right",
      "left",
    ]),
  );
  for (const c of cases) {
    const cmp = c.comparison;
    if (!cmp) continue;
    const listed = listedDiffs(cmp.diffs, opts.all);
    const extra = [
      ...cmp.config.map((d) => `  config ${d.path}: ${d.old} -> ${d.new}`),
      ...cmp.removedSeries.map((id) => `  series only in A: ${id}`),
      ...cmp.addedSeries.map((id) => `  series only in B: ${id}`),
      ...cmp.claims.map((ch) => `  claim ${ch.id}: ${ch.old} -> ${ch.new}`),
    ];
    if (listed.length === 0 && extra.length === 0) continue;
    out.push("", `${c.name}:`, ...extra);
    if (listed.length) out.push(diffTextTable(listed, t.tolerance));
  }
  const bad = problems(cases, t);
  out.push(
    "",
    bad.length === 0 ? "OK: no figure moved beyond the tolerance, no slow-down" : "FAIL:",
  );
  for (const p of bad) out.push(`  ${p}`);
  return out.join("\n");
}

/** The HTML report: summary, speed chart, and per case every figure side by side. */
export async function comparisonPage(
  cases: readonly CaseComparison[],
  sides: Sides,
  t: Thresholds,
): Promise<ReportBuilder> {
  const r = new ReportBuilder(`Comparison: ${sides.a} vs ${sides.b}`);
  r.meta({
    A: sides.a,
    B: sides.b,
    tolerance: percentText(t.tolerance),
    "speed threshold": percentText(t.speedThreshold),
  });
  const bad = problems(cases, t);
  r.section(
    "Summary",
    bad.length === 0
      ? "No simulated figure moved beyond the tolerance and no case got slower than the threshold."
      : `Problems:\n\n${bad.join("\n\n")}`,
  );
  r.table(
    [
      { label: "case" },
      { label: "figures" },
      { label: "A wall (s)", align: "right", digits: 3 },
      { label: "B wall (s)", align: "right", digits: 3 },
      { label: "speed B/A", align: "right", digits: 3 },
      { label: "verdict" },
    ],
    cases.map((c) => [
      c.name,
      c.comparison ? changeSummary(c.comparison.diffs, t.tolerance) : (c.error ?? ""),
      c.wallA,
      c.wallB,
      speedRatio(c),
      verdictText(c, t),
    ]),
    "Cases (wall time: seconds of simulation per run, the shortest of the runs)",
  );
  const speed = cases.filter((c) => speedRatio(c) !== null).map((c) => ({
    case: c.name,
    ratio: Number(speedRatio(c)!.toFixed(4)),
  }));
  if (speed.length > 0) {
    await r.chartFromSpec(
      barChart({
        title: "Simulator wall time, B / A",
        data: speed,
        x: "case",
        y: "ratio",
        yTitle: "B / A (above 1: B is slower)",
      }),
      "Wall time of B relative to A per case",
    );
  }
  const prov = cases.find((c) => c.metaA && c.metaB);
  if (prov) {
    const a = new Map(provenanceEntries(prov.metaA!));
    const b = new Map(provenanceEntries(prov.metaB!));
    r.table(
      ["", "A", "B"],
      [...a.keys()].map((k) => [k, a.get(k) ?? "", b.get(k) ?? ""]),
      "Provenance",
    );
  }
  for (const c of cases) {
    const cmp = c.comparison;
    r.section(c.name);
    if (!cmp) {
      r.prose(c.error ?? "not compared");
      continue;
    }
    r.prose(`${changeSummary(cmp.diffs, t.tolerance)}.`);
    if (cmp.config.length) {
      r.table(["config", "A", "B"], cmp.config.map((d) => [d.path, d.old, d.new]), "Config");
    }
    const only = [
      ...cmp.removedSeries.map((id) => [id, "A only"]),
      ...cmp.addedSeries.map((id) => [id, "B only"]),
    ];
    if (only.length) r.table(["series", "present in"], only, "Unmatched series");
    const flagged = cmp.diffs.filter((d) => isBeyond(d, t.tolerance));
    const chart = changeChart(
      flagged,
      `${c.name}: figures moved beyond ${percentText(t.tolerance)}`,
    );
    if (chart) await r.chartFromSpec(chart, "Relative change (B vs A) of each flagged figure");
    addDiffTable(r, cmp.diffs, t.tolerance, "Every figure, A and B side by side");
  }
  return r;
}

// ---------------------------------------------------------------------------
// Running commits

async function git(args: readonly string[], cwd: string): Promise<string> {
  const out = await new Deno.Command("git", {
    args: [...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    const err = new TextDecoder().decode(out.stderr).trim().split("\n")[0];
    throw new Error(`git ${args.join(" ")}: ${err}`);
  }
  return new TextDecoder().decode(out.stdout).trim();
}

/** The repository this program belongs to. */
function repoRoot(): Promise<string> {
  return git(["rev-parse", "--show-toplevel"], new URL("..", import.meta.url).pathname);
}

interface Side {
  readonly label: string;
  /** Directory the experiments run in. */
  readonly dir: string;
}

/** Resolves a commit name, or the working tree. */
async function describeSide(ref: string, root: string): Promise<{ ref: string; label: string }> {
  if (ref === WORKTREE) {
    const head = await git(["rev-parse", "HEAD"], root);
    return { ref, label: `working tree (on ${head.slice(0, SHORT_COMMIT)})` };
  }
  let sha: string;
  try {
    sha = await git(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], root);
  } catch {
    throw new UsageError(`'${ref}' is not a commit`);
  }
  return { ref: sha, label: `${ref} (${sha.slice(0, SHORT_COMMIT)})` };
}

/** The results of one `sim` run in `dir`, and its wall time. */
async function runCase(c: Case, dir: string, file: string): Promise<Results> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "bench/cli.ts", ...c.args, "--quiet", "--json", file],
    cwd: dir,
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  if (!out.success) {
    const lines = new TextDecoder().decode(out.stderr).trim().split("\n");
    throw new Error(`sim ${c.args[0]} exited ${out.code}: ${lines[0] ?? ""}`);
  }
  return parseResults(await Deno.readTextFile(file));
}

export interface CommitRunOptions {
  readonly cases: readonly Case[];
  readonly runs: number;
  /** Where a/<case>.json and b/<case>.json go. */
  readonly outDir: string;
  readonly log: (line: string) => void;
}

/**
 * Runs every case in the two trees, interleaved A B A B, and writes each
 * side's first results (with the shortest wall time) to outDir/a and outDir/b.
 * Returns the cases that failed, by name, with the reason.
 */
export async function runSides(
  a: Side,
  b: Side,
  o: CommitRunOptions,
): Promise<Map<string, string>> {
  const failed = new Map<string, string>();
  const first = new Map<string, Results>();
  const walls = new Map<string, number[]>();
  const scratch = await Deno.makeTempDir({ prefix: "dlibos-compare-run-" });
  try {
    for (let run = 0; run < o.runs; run++) {
      for (const c of o.cases) {
        for (const [tag, side] of [["a", a], ["b", b]] as const) {
          const key = `${tag}/${c.name}`;
          if (failed.has(c.name)) continue;
          o.log(`run ${run + 1}/${o.runs}: ${c.name} on ${side.label}`);
          let r: Results;
          try {
            r = await runCase(c, side.dir, `${scratch}/${tag}-${c.name}.json`);
          } catch (e) {
            failed.set(c.name, `failed on ${tag.toUpperCase()}: ${(e as Error).message}`);
            continue;
          }
          walls.set(key, [...(walls.get(key) ?? []), r.meta.wallSeconds]);
          const seen = first.get(key);
          if (seen === undefined) {
            first.set(key, r);
          } else if (
            serializeResults(seen, { withMeta: false }) !== serializeResults(r, { withMeta: false })
          ) {
            failed.set(c.name, `${tag.toUpperCase()} gave different figures on run ${run + 1}`);
          }
        }
      }
    }
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
  for (const [key, r] of first) {
    const [tag, name] = key.split("/");
    if (failed.has(name)) continue;
    // The least-disturbed run: other load on the machine only ever adds time.
    const meta = { ...r.meta, wallSeconds: Math.min(...walls.get(key)!) };
    await writeResults(`${o.outDir}/${tag}/${name}.json`, { ...r, meta });
  }
  return failed;
}

/**
 * Checks out `refA` and `refB` (or uses the working tree) and runs the
 * cases in both; the temporary worktrees are removed whatever happens.
 */
export async function compareCommits(
  refA: string,
  refB: string,
  o: CommitRunOptions,
): Promise<{ cases: CaseComparison[]; sides: Sides }> {
  const root = await repoRoot();
  const da = await describeSide(refA, root);
  const db = await describeSide(refB, root);
  const tmp = await Deno.makeTempDir({ prefix: "dlibos-compare-" });
  const added: string[] = [];
  const sideFor = async (d: { ref: string; label: string }, tag: string): Promise<Side> => {
    if (d.ref === WORKTREE) return { label: d.label, dir: root };
    const dir = `${tmp}/${tag}`;
    o.log(`checking out ${d.label} in ${dir}`);
    await git(["worktree", "add", "--detach", "--quiet", dir, d.ref], root);
    added.push(dir);
    return { label: d.label, dir };
  };
  const removeAll = async () => {
    for (const dir of added.splice(0)) {
      await git(["worktree", "remove", "--force", dir], root).catch((e) =>
        o.log(`could not remove worktree ${dir}: ${(e as Error).message}`)
      );
    }
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  };
  const onSignal = () => {
    removeAll().finally(() => Deno.exit(130));
  };
  Deno.addSignalListener("SIGINT", onSignal);
  try {
    const a = await sideFor(da, "a");
    const b = await sideFor(db, "b");
    const failed = await runSides(a, b, o);
    const cases = (await compareDirs(`${o.outDir}/a`, `${o.outDir}/b`).catch(() => []))
      .filter((c) => !failed.has(c.name));
    for (const c of o.cases) {
      const why = failed.get(c.name);
      if (why !== undefined) {
        cases.push({ name: c.name, comparison: null, error: why, wallA: null, wallB: null });
      }
    }
    const order = o.cases.map((c) => c.name);
    cases.sort((x, y) => order.indexOf(x.name) - order.indexOf(y.name));
    return { cases, sides: { a: da.label, b: db.label } };
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
    await removeAll();
  }
}

// ---------------------------------------------------------------------------
// Command line

export const COMPARE_COMMITS_OPTIONS = {
  dirs: opt.flag("compare two saved results directories OLD NEW instead of two commits"),
  out: opt.outputDir("write DIR/index.html (and, for commits, DIR/a and DIR/b results)"),
  tolerance: opt.number("relative change of a figure that fails, in percent", {
    min: 0,
    default: DEFAULT_TOLERANCE_PERCENT,
  }),
  "speed-threshold": opt.number("slow-down of B against A that fails, in percent", {
    min: 0,
    default: DEFAULT_SPEED_THRESHOLD_PERCENT,
  }),
  runs: opt.int("timed runs per side and case, interleaved A B A B", {
    min: 1,
    max: MAX_RUNS,
    default: DEFAULT_RUNS,
  }),
  cases: opt.string(`cases to run (default: all of ${QUICK_CASES.map((c) => c.name).join(",")})`, {
    placeholder: "NAME,...",
  }),
  all: opt.flag("list every figure in the terminal summary, not only the changed ones"),
  quiet: opt.flag("no progress output"),
};

const SETTINGS: ParseSettings = {
  usage: `compare [A] [B] [options]  |  compare --dirs OLD NEW [options]`,
  summary: `Compares the simulated figures and the simulator's speed of commit A (default: HEAD) ` +
    `and B (default: the working tree, also written '${WORKTREE}'), or of two results ` +
    `directories. Exit 1 when a figure moved beyond --tolerance or a case got slower than ` +
    `--speed-threshold.`,
  positionals: { max: 2, names: "commits or directories" },
};

function pickCases(raw: string | undefined): Case[] {
  if (raw === undefined) return [...QUICK_CASES];
  return raw.split(",").map((name) => {
    const c = QUICK_CASES.find((x) => x.name === name.trim());
    if (!c) {
      throw new UsageError(
        `--cases: unknown case '${name}' (expected ${QUICK_CASES.map((x) => x.name).join(", ")})`,
      );
    }
    return c;
  });
}

/** The program: prints the summary, writes the report, returns the exit code. */
export async function compareCommitsMain(
  argv: readonly string[],
  print: (s: string) => void,
  log: (s: string) => void = (s) => console.error(s),
): Promise<number> {
  const { values: v, positionals } = parseOptions(COMPARE_COMMITS_OPTIONS, argv, SETTINGS);
  const t: Thresholds = {
    tolerance: v.tolerance / PERCENT,
    speedThreshold: v["speed-threshold"] / PERCENT,
  };
  const quietLog = v.quiet ? () => {} : log;
  let cases: CaseComparison[];
  let sides: Sides;
  if (v.dirs) {
    if (positionals.length !== 2) throw new UsageError("--dirs needs two directories: OLD NEW");
    if (v.cases !== undefined) throw new UsageError("--cases applies to commits, not --dirs");
    const [oldDir, newDir] = positionals;
    cases = await compareDirs(oldDir, newDir);
    sides = { a: oldDir, b: newDir };
  } else {
    const [refA = "HEAD", refB = WORKTREE] = positionals;
    const picked = pickCases(v.cases);
    const keep = v.out !== undefined;
    const outDir = v.out ?? await Deno.makeTempDir({ prefix: "dlibos-compare-out-" });
    try {
      if (keep) await Deno.mkdir(outDir, { recursive: true });
      ({ cases, sides } = await compareCommits(refA, refB, {
        cases: picked,
        runs: v.runs,
        outDir,
        log: quietLog,
      }));
    } finally {
      if (!keep) await Deno.remove(outDir, { recursive: true });
    }
  }
  if (v.out !== undefined) {
    await Deno.mkdir(v.out, { recursive: true });
    await (await comparisonPage(cases, sides, t)).writeHtml(`${v.out}/index.html`);
    quietLog(`wrote ${v.out}/index.html`);
  }
  print(formatSummary(cases, sides, t, { all: v.all }));
  return problems(cases, t).length === 0 ? 0 : 1;
}

if (import.meta.main) {
  await runCli(() => compareCommitsMain(Deno.args, (s) => console.log(s)));
}
