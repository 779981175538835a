/** `deno task reproduce`'s command line (parsing only: a valid one runs every experiment). */
import assert from "node:assert/strict";
import { type CliIo, runCli } from "../core/cli.ts";
import { reproduceMain } from "./reproduce.ts";

/** Runs `reproduce argv` in process, capturing output and the exit code. */
async function reproduce(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: CliIo = { stdout: (t) => out += t + "\n", stderr: (t) => err += t + "\n", exit() {} };
  const code = await runCli(() => reproduceMain(argv, { stdout: (t) => out += t + "\n" }), io);
  return { code, out, err };
}

Deno.test("reproduce: bad options print one line and exit 2", async () => {
  const cases = [
    ["--seed", "-1"],
    ["--seed", "x"],
    ["--out"],
    ["--bogus"],
    ["stray"],
    ["--out", "/proc/x"],
    ["--out", "/nonexistent/dir/out"],
    ["--out", "deno.json"],
    ["--scale", "huge"],
  ];
  for (const argv of cases) {
    const r = await reproduce(...argv);
    assert.equal(r.code, 2, argv.join(" "));
    const lines = r.err.trim().split("\n");
    assert.equal(lines.length, 1, r.err);
    assert.match(lines[0], /^error: /);
  }
  const r = await reproduce("--seed", "-1");
  assert.equal(r.err.trim(), "error: --seed: must be >= 0, got -1");
});

Deno.test("reproduce: --help documents --out and --seed with their defaults", async () => {
  const r = await reproduce("--help");
  assert.equal(r.code, 0);
  assert.match(r.out, /^usage: reproduce/);
  assert.match(r.out, /--out <DIR> .*\[default: report\/out\]/);
  assert.match(r.out, /--seed <N> .*\[default: 1\]/);
  assert.match(r.out, /--jobs <N> .*\[default: logical cores\]/);
});

Deno.test("reproduce: bad --shard, --scale, --seeds and --jobs print one line and exit 2", async () => {
  const cases: [string[], RegExp][] = [
    [["--shard", "3/2"], /^error: --shard: expected 1 <= I <= N/],
    [["--shard", "0/2"], /^error: --shard: expected 1 <= I <= N/],
    [["--shard", "x"], /^error: --shard: expected I\/N/],
    [["--scale", "huge"], /^error: --scale: /],
    [["--seeds", "0"], /^error: --seeds: /],
    [["--jobs", "0"], /^error: --jobs: /],
  ];
  for (const [argv, want] of cases) {
    const r = await reproduce(...argv);
    assert.equal(r.code, 2, argv.join(" "));
    assert.equal(r.err.trim().split("\n").length, 1, r.err);
    assert.match(r.err, want);
  }
});

Deno.test("reproduce: --plan prints one JSON line per point; shards split the plan", async () => {
  const all = await reproduce("--scale", "quick", "--seeds", "2", "--plan");
  assert.equal(all.code, 0);
  const lines = all.out.trim().split("\n").map((l) => JSON.parse(l));
  assert.ok(lines.length >= 12, "netpipe alone has 3 modes x 2 variants x 2 seeds");
  lines.forEach((p, i) => assert.equal(p.index, i));
  const ids = lines.map((p) => `${p.experiment}/${p.id}`);
  assert.equal(new Set(ids).size, ids.length, "ids are unique");
  const netpipe = lines.filter((p) => p.experiment === "netpipe");
  assert.deepEqual([...new Set(netpipe.map((p) => p.seed))], [1, 2]);
  const shards = [];
  for (const s of ["1/3", "2/3", "3/3"]) {
    const r = await reproduce("--scale", "quick", "--seeds", "2", "--plan", "--shard", s);
    shards.push(...r.out.trim().split("\n").filter((l) => l !== "").map((l) => JSON.parse(l)));
  }
  assert.deepEqual(shards.map((p) => p.index).sort((a, b) => a - b), lines.map((p) => p.index));
});
