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
  const ra = parseResults(await Deno.readTextFile(`${dir}/a.json`));
  const rb = parseResults(await Deno.readTextFile(`${dir}/b.json`));
  assert.equal(ra.schema, "dlibos.results/v1");
  assert.equal(ra.experiment, "netpipe");
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
