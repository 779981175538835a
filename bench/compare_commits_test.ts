/**
 * `deno task compare`: exit status from two results directories, and one
 * real commit comparison (HEAD against itself, one tiny case, one run: a few
 * seconds; it adds and removes two temporary git worktrees).
 */
import assert from "node:assert/strict";
import { type CliIo, runCli } from "../core/cli.ts";
import { makeResults, type Results, writeResults } from "../report/results.ts";
import { compareCommitsMain } from "./compare_commits.ts";

function netpipe(latency64: number, wallSeconds = 1): Results {
  return makeResults({
    experiment: "netpipe",
    config: { seed: 1 },
    series: [{
      name: "dlibos/nocopy",
      mode: "dlibos",
      variant: "nocopy",
      points: [{ bytes: 64, oneWayLatencyUs: latency64 }, { bytes: 1024, oneWayLatencyUs: 7 }],
    }],
  }, { commit: "c", wallSeconds, deno: "2.9.6", date: "2026-01-01T00:00:00.000Z" });
}

async function compare(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: CliIo = { stdout: (t) => out += t + "\n", stderr: (t) => err += t + "\n", exit() {} };
  const code = await runCli(
    () => compareCommitsMain(argv, (s) => out += s + "\n", (s) => err += s + "\n"),
    io,
  );
  return { code, out, err };
}

async function dirs(a: Results, b: Results): Promise<[string, string, string]> {
  const root = await Deno.makeTempDir();
  await writeResults(`${root}/old/netpipe.json`, a);
  await writeResults(`${root}/new/netpipe.json`, b);
  return [root, `${root}/old`, `${root}/new`];
}

Deno.test("compare --dirs: identical figures exit 0 with 'all unchanged'", async () => {
  const [root, a, b] = await dirs(netpipe(6), netpipe(6));
  try {
    const r = await compare("--dirs", a, b);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /netpipe\s+2 figures compared, all unchanged/);
    assert.match(r.out, /OK: no figure moved/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("compare --dirs: a figure moved beyond the tolerance exits 1 and is flagged", async () => {
  const [root, a, b] = await dirs(netpipe(6), netpipe(6.3));
  try {
    const r = await compare("--dirs", a, b, "--out", `${root}/report`);
    assert.equal(r.code, 1, r.out + r.err);
    assert.match(r.out, /2 figures compared, 1 changed \(1 beyond 1%\)/);
    assert.match(
      r.out,
      /dlibos\/nocopy \/ dlibos \/ nocopy\s+64\s+oneWayLatencyUs\s+6\s+6\.3\s+0\.3\s+\+5\.00%\s+!/,
    );
    assert.match(r.out, /netpipe: 1 figure\(s\) moved beyond 1%/);
    const html = await Deno.readTextFile(`${root}/report/index.html`);
    assert.ok(html.includes("+5.00%") && html.includes("<svg"), "flagged and charted");
    // Within a wider tolerance the same change passes.
    assert.equal((await compare("--dirs", a, b, "--tolerance", "10")).code, 0);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("compare --dirs: a slow-down beyond the threshold exits 1", async () => {
  const [root, a, b] = await dirs(netpipe(6, 1), netpipe(6, 1.5));
  try {
    const r = await compare("--dirs", a, b);
    assert.equal(r.code, 1);
    assert.match(r.out, /netpipe: 1\.50x the wall time \(allowed 1\.20x\)/);
    assert.equal((await compare("--dirs", a, b, "--speed-threshold", "60")).code, 0);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("compare: bad usage is one line and exit 2", async () => {
  for (
    const argv of [
      ["--dirs", "/tmp"],
      ["--dirs", "/nonexistent-a", "/nonexistent-b"],
      ["no-such-commit-xyz"],
      ["--out", "/proc/x"],
      ["--tolerance", "-1"],
      ["--cases", "bogus"],
    ]
  ) {
    const r = await compare(...argv);
    assert.equal(r.code, 2, `${argv.join(" ")}: ${r.err}`);
    assert.equal(r.err.trim().split("\n").length, 1, r.err);
    assert.match(r.err, /^error: /);
  }
});

async function worktrees(): Promise<string> {
  const out = await new Deno.Command("git", { args: ["worktree", "list"], stdout: "piped" })
    .output();
  return new TextDecoder().decode(out.stdout);
}

Deno.test("compare HEAD HEAD: figures unchanged, temporary worktrees removed", async () => {
  const out = await Deno.makeTempDir();
  try {
    const r = await compare(
      "HEAD",
      "HEAD",
      "--cases",
      "web",
      "--runs",
      "1",
      "--speed-threshold",
      "1000",
      "--out",
      out,
    );
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /web\s+\d+ figures compared, all unchanged/);
    assert.ok(!(await worktrees()).includes("dlibos-compare-"), "worktrees removed");
    assert.ok((await Deno.stat(`${out}/a/web.json`)).isFile);
    assert.ok((await Deno.stat(`${out}/index.html`)).isFile);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
