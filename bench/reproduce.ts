/**
 * `deno task reproduce`: rebuilds the paper's evaluation into
 * report/out/index.html (self-contained) and report/out/results/<experiment>.json.
 * Experiments that are not implemented yet are listed as such.
 */
import { opt, parseOptions, type ParseSettings, runCli } from "../core/cli.ts";
import { ReportBuilder } from "../report/html.ts";
import { collectMeta, writeResults } from "../report/results.ts";
import { type ClaimCheck, combineRtcVsDlibos } from "../report/claims.ts";
import { type Scale, SCALES } from "./plan.ts";
import { EXPERIMENTS } from "./experiments.ts";

const DEFAULT_OUT = "report/out";
const DEFAULT_SEED = 1;

/** The program's options. */
export const REPRODUCE_OPTIONS = {
  out: opt.outputDir("output directory (created if its parent exists)", { default: DEFAULT_OUT }),
  seed: opt.int("random seed", { min: 0, default: DEFAULT_SEED }),
  scale: opt.oneOf("experiment scale", SCALES, "paper"),
};

const REPRODUCE_SETTINGS: ParseSettings = {
  usage: "reproduce [--out DIR] [--seed N] [--scale quick|paper]",
  summary: "Runs every implemented experiment and writes DIR/index.html and " +
    "DIR/results/<experiment>.json.",
};

/**
 * Parses `argv` (a bad option throws a one-line `UsageError`, `--help` the
 * help text; see core/cli.ts), runs every implemented experiment and writes
 * the report.
 */
export async function reproduceMain(argv: readonly string[]): Promise<number> {
  const { values } = parseOptions(REPRODUCE_OPTIONS, argv, REPRODUCE_SETTINGS);
  const { out, seed } = values;
  const scale: Scale = values.scale;
  await Deno.mkdir(`${out}/results`, { recursive: true });
  const available = EXPERIMENTS.filter((e) => e.run !== null);
  console.error(
    `dlibos reproduce: ${available.length} of ${EXPERIMENTS.length} experiments implemented`,
  );
  const report = new ReportBuilder("dlibos: reproducing DLibOS (ASPLOS 2018)");
  report.section(
    "About",
    "A deterministic simulation of the DLibOS evaluation. Every figure below emerges from the " +
      "modeled machine (cores, NoC, mPIPE, links) running a real TCP/IP stack; see docs/ for the " +
      "model and docs/CALIBRATION.md for the constants tuned against the paper.",
  );
  const checks: ClaimCheck[] = [];
  const t0 = performance.now();
  for (const e of EXPERIMENTS) {
    if (e.run === null) {
      console.error(`  not yet implemented: ${e.name} (${e.paper})`);
      continue;
    }
    console.error(`running ${e.name} ...`);
    const te = performance.now();
    const r = await e.run(seed, (label) => console.error(`  ${label}`), scale);
    await writeResults(`${out}/results/${e.name}.json`, r.results);
    await r.report(report);
    checks.push(...(r.results.claims ?? []));
    console.error(`  ${e.name}: ${((performance.now() - te) / 1000).toFixed(1)} s`);
  }
  const both = combineRtcVsDlibos(checks);
  if (both !== null) checks.push(both);
  // One table, each claim once: its verdict where an experiment checked it, else "not yet".
  report.section("Paper claims");
  report.claims(checks);
  report.meta(await collectMeta((performance.now() - t0) / 1000, { seeds: [seed] }));
  await report.writeHtml(`${out}/index.html`);
  console.error(
    `wrote ${out}/index.html; reproduce (${scale} scale) took ${
      ((performance.now() - t0) / 1000).toFixed(1)
    } s` +
      (EXPERIMENTS.some((e) => e.run === null)
        ? ` (not yet implemented: ${
          EXPERIMENTS.filter((e) => e.run === null).map((e) => e.name).join(", ")
        })`
        : ""),
  );
  return 0;
}

if (import.meta.main) await runCli(() => reproduceMain(Deno.args));
