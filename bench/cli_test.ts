/** The `sim` command line as a user runs it: exit codes, results files, captures. */
import assert from "node:assert/strict";
import { parseResults, serializeResults } from "../report/results.ts";

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

Deno.test("sim: bad options and values print one line and exit 2", async () => {
  for (
    const args of [
      ["netpipe", "--mode", "bogus"],
      ["netpipe", "--sizes", "64,x"],
      ["netpipe", "--layout", "99:99"],
      ["netpipe", "--frobnicate"],
      ["web", "--connections", "0"],
      ["nosuchcommand"],
    ]
  ) {
    const r = await sim(...args);
    assert.equal(r.code, 2, `${args.join(" ")}: exit ${r.code}`);
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 1, `${args.join(" ")}: ${r.stderr}`);
    assert.match(lines[0], /^error: /);
  }
});

Deno.test("sim: negative numbers are judged as values", async () => {
  for (
    const [args, msg] of [
      [["netpipe", "--seed", "-1"], "error: --seed: must be in 0..2147483647, got -1"],
      [["netpipe", "--sizes", "-64"], "error: --sizes: must be in 1..67108864, got -64"],
      [["memcached", "--connections", "-4"], "error: --connections: must be in 1..4096, got -4"],
    ] as const
  ) {
    const r = await sim(...args);
    assert.equal(r.code, 2, args.join(" "));
    assert.equal(r.stderr.trim(), msg);
  }
});

Deno.test("sim: bad output paths fail at once, before any simulation, with one line", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (
      const [args, msg] of [
        [["netpipe", "--json", "/proc/x.json"], /^error: --json: cannot write '\/proc\/x\.json'/],
        [["netpipe", "--json", dir], /^error: --json: '.*' is a directory, expected a file$/],
        [["netpipe", "--pcap", dir], /^error: --pcap: '.*' is a directory, expected a file$/],
        [["netpipe", "--pcap", "-"], /^error: --pcap: '-' \(standard output\) is not allowed/],
        [
          ["netpipe", "--json", `${dir}/nonexistent/dir/x.json`],
          /^error: --json: directory '.*\/nonexistent\/dir' does not exist$/,
        ],
        [["memcached", "--json", dir], /^error: --json: '.*' is a directory/],
        [["web", "--json", "/proc/x.json"], /^error: --json: cannot write/],
      ] as const
    ) {
      const r = await sim(...args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.equal(r.stdout, "", "nothing ran, nothing printed");
      const lines = r.stderr.trim().split("\n");
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], msg);
    }
    assert.deepEqual([...Deno.readDirSync(dir)], [], "no directory or file was created");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sim: a human summary by default, the results file only with --json -", async () => {
  const small = ["--mode", "rtc", "--variant", "nocopy", "--sizes", "64,1500", "--quiet"];
  const human = await sim("netpipe", ...small);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /^NetPIPE ping-pong/);
  assert.match(human.stdout, /\n\s+64\s+\d+\.\d\d\s+\d+\.\d{3}\n/, "a row for 64 bytes");
  assert.ok(human.stdout.split("\n").length < 20, "short");
  const json = await sim("netpipe", ...small, "--json", "-");
  assert.equal(json.code, 0, json.stderr);
  assert.equal(parseResults(json.stdout).experiment, "netpipe");
  const app = await sim("web", "--mode", "rtc", "--connections", "2", "--requests", "5", "--quiet");
  assert.equal(app.code, 0, app.stderr);
  assert.match(app.stdout, /requests\/s\s+p50 us\s+p99 us/);
  assert.match(app.stdout, /\nrtc\s+[\d,]+\s+\d/);
});

Deno.test("sim: --help documents every netpipe option", async () => {
  const r = await sim("netpipe", "--help");
  assert.equal(r.code, 0);
  for (
    const o of [
      "--mode",
      "--variant",
      "--board",
      "--layout",
      "--sizes",
      "--seed",
      "--json",
      "--pcap",
    ]
  ) {
    assert.ok(r.stdout.includes(o), `help lacks ${o}`);
  }
});

Deno.test("sim netpipe: results file is valid and identical outside meta for the same seed", async () => {
  const dir = await Deno.makeTempDir();
  const args = ["netpipe", "--mode", "rtc", "--variant", "nocopy", "--sizes", "64,1500", "--quiet"];
  const a = await sim(...args, "--json", `${dir}/a.json`, "--pcap", `${dir}/a.pcap`);
  const b = await sim(...args, "--json", `${dir}/b.json`);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  assert.match(a.stdout, /^NetPIPE/, "the summary, not the JSON");
  const ra = parseResults(await Deno.readTextFile(`${dir}/a.json`));
  const rb = parseResults(await Deno.readTextFile(`${dir}/b.json`));
  assert.equal(ra.schema, "dlibos.results/v1");
  assert.equal(ra.experiment, "netpipe");
  assert.deepEqual(ra.meta.seeds, [1]);
  const p = ra.series[0].points.find((x) => x.bytes === 64)!;
  assert.ok((p.oneWayLatencyUs as number) > 0 && (p.throughputGbps as number) > 0);
  assert.equal(
    serializeResults(ra, { withMeta: false }),
    serializeResults(rb, { withMeta: false }),
  );
  // A libpcap file with nanosecond timestamps.
  const pcap = await Deno.readFile(`${dir}/a.pcap`);
  assert.deepEqual([...pcap.subarray(0, 4)], [0x4d, 0x3c, 0xb2, 0xa1]);
  if (await hasTshark()) {
    // tshark reads the capture without complaint and sees the TCP conversation.
    const t = await new Deno.Command("tshark", {
      args: ["-r", `${dir}/a.pcap`, "-T", "fields", "-e", "tcp.len", "-e", "_ws.expert.severity"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(t.code, 0, new TextDecoder().decode(t.stderr));
    const rows = new TextDecoder().decode(t.stdout).trim().split("\n");
    assert.ok(rows.some((r) => r.startsWith("64")), "a 64-byte segment");
    assert.ok(rows.some((r) => r.startsWith("1448") || r.startsWith("1460")), "a full segment");
  }
  await Deno.remove(dir, { recursive: true });
});

async function hasTshark(): Promise<boolean> {
  try {
    const r = await new Deno.Command("tshark", { args: ["-v"], stdout: "null", stderr: "null" })
      .output();
    return r.code === 0;
  } catch {
    return false;
  }
}

// `sim wrk` and `sim mutilate`: bad options stop before any simulation.
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
