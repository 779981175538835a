/** `sim wrk` and `sim mutilate`: bad options stop before any simulation. */
import assert from "node:assert/strict";

const CLI = new URL("./cli.ts", import.meta.url).pathname;

async function sim(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("sim wrk / mutilate: bad values print one line and exit 2", async () => {
  for (
    const args of [
      ["wrk", "-c", "0"],
      ["wrk", "-d", "5xs"],
      ["wrk", "-c", "4", "-t", "8"],
      ["wrk", "--clients", "4", "--ports", "2"],
      ["wrk", "--path", "index.html"],
      ["wrk", "--timeout", "10ms"],
      ["mutilate", "-u", "1.5"],
      ["mutilate", "-K", "bogus"],
      ["mutilate", "-i", "gev:1,2,3"],
      ["mutilate", "-t", "0"],
      ["mutilate", "--scan", "1:2"],
      ["mutilate", "--search", "99"],
      ["mutilate", "--search", "99:500", "--scan", "1:2:1"],
      ["mutilate", "-c", "513"],
    ]
  ) {
    const r = await sim(...args);
    assert.equal(r.code, 2, `${args.join(" ")}: exit ${r.code}`);
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 1, `${args.join(" ")}: ${r.stderr}`);
    assert.match(lines[0], /^error: /);
    assert.equal(r.stdout, "");
  }
});

Deno.test("sim wrk / mutilate: --help lists the tools' flags", async () => {
  const w = await sim("wrk", "--help");
  for (
    const o of ["-c, --connections", "-t, --threads", "-d, --duration", "--timeout", "--latency"]
  ) {
    assert.ok(w.stdout.includes(o), `wrk help lacks ${o}`);
  }
  const m = await sim("mutilate", "--help");
  for (
    const o of ["-q, --qps", "-d, --depth", "-t, --time", "-T, --threads", "--search", "--scan"]
  ) {
    assert.ok(m.stdout.includes(o), `mutilate help lacks ${o}`);
  }
});
