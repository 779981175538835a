/** `deno task reproduce`'s command line (parsing only: a valid one runs every experiment). */
import assert from "node:assert/strict";
import { type CliIo, runCli } from "../core/cli.ts";
import { reproduceMain } from "./reproduce.ts";

/** Runs `reproduce argv` in process, capturing output and the exit code. */
async function reproduce(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: CliIo = { stdout: (t) => out += t + "\n", stderr: (t) => err += t + "\n", exit() {} };
  const code = await runCli(() => reproduceMain(argv), io);
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
});
