/**
 * `deno task reproduce` end to end at quick scale, every registered
 * experiment: --jobs 1, --jobs 2 and two shards merged write the same
 * results files and report, outside the provenance.
 */
import assert from "node:assert/strict";
import { type CliIo, runCli } from "../core/cli.ts";
import { parseResults, serializeResults } from "../report/results.ts";
import { registeredExperiments } from "./experiments.ts";
import { mergeMain } from "./merge.ts";
import { reproduceMain } from "./reproduce.ts";

const QUIET: CliIo = { stdout() {}, stderr() {}, exit() {} };

async function run(main: () => Promise<number>): Promise<{ code: number; err: string }> {
  let err = "";
  const code = await runCli(main, { ...QUIET, stderr: (t) => err += t + "\n" });
  return { code, err };
}

/** Every results file without meta, and index.html without its provenance header. */
async function outputs(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const e of registeredExperiments()) {
    const text = await Deno.readTextFile(`${dir}/results/${e.name}.json`);
    out.set(e.name, serializeResults(parseResults(text), { withMeta: false }));
  }
  const html = await Deno.readTextFile(`${dir}/index.html`);
  out.set("index.html", html.replace(/<table class="meta">.*?<\/table>/s, ""));
  return out;
}

Deno.test("reproduce: --jobs 1, --jobs 2 and two merged shards give the same files", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "dlibos-reproduce-" });
  try {
    const quick = ["--scale", "quick", "--quiet"];
    for (const [dir, extra] of [["j1", ["--jobs", "1"]], ["j2", ["--jobs", "2"]]] as const) {
      const r = await run(() => reproduceMain([...quick, ...extra, "--out", `${tmp}/${dir}`]));
      assert.equal(r.code, 0, r.err);
    }
    for (const s of ["1", "2"]) {
      const argv = [...quick, "--jobs", "1", "--shard", `${s}/2`, "--out", `${tmp}/s${s}`];
      assert.equal((await run(() => reproduceMain(argv))).code, 0);
    }
    const m = await run(() =>
      mergeMain(["--quiet", "--out", `${tmp}/m`, `${tmp}/s1`, `${tmp}/s2`])
    );
    assert.equal(m.code, 0, m.err);
    const j1 = await outputs(`${tmp}/j1`);
    assert.ok(j1.get("netpipe")!.includes('"experiment": "netpipe"'));
    for (const other of ["j2", "m"]) {
      const o = await outputs(`${tmp}/${other}`);
      for (const [name, text] of j1) assert.equal(o.get(name), text, `${other}: ${name}`);
    }
    // The provenance records every point's speed.
    const meta = parseResults(await Deno.readTextFile(`${tmp}/m/results/netpipe.json`)).meta;
    assert.equal(meta.speed?.length, 6);
    assert.equal(meta.speed?.[0].unit, "round trips");

    // Shards that do not add up are refused with one line.
    const bad = [
      [[`${tmp}/s1`], /^error: netpipe: 3 of 6 points missing \(.*\); shards found: 1\/2$/],
      [[`${tmp}/s1`, `${tmp}/s2`, `${tmp}/s1`], /^error: point netpipe\/.* appears twice: /],
      [[`${tmp}/nothing`], /^error: .*nothing\/points: cannot read/],
    ] as const;
    for (const [dirs, want] of bad) {
      const r = await run(() => mergeMain(["--out", `${tmp}/bad`, ...dirs]));
      assert.equal(r.code, 2, dirs.join(" "));
      assert.equal(r.err.trim().split("\n").length, 1, r.err);
      assert.match(r.err.trim(), want);
    }
    await assert.rejects(Deno.stat(`${tmp}/bad`), Deno.errors.NotFound, "nothing written");
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
