import assert from "node:assert/strict";
import { UsageError } from "../core/cli.ts";
import {
  compareMain,
  compareResults,
  comparisonReport,
  formatComparisonText,
  isBeyond,
  isChanged,
} from "./compare.ts";
import { makeResults, type Results, type Series, writeResults } from "./results.ts";

function results(commit: string, series: Series[], over: Partial<Results> = {}): Results {
  return makeResults({
    experiment: "netpipe",
    config: { seed: 1, layout: { net: 12, app: 24 } },
    series,
    ...over,
  }, { commit, wallSeconds: 1, deno: "2.9.6", date: "2025-01-01" });
}

const OLD = results("aaaa", [
  { name: "latency", mode: "dlibos", points: [{ bytes: 64, us: 6 }, { bytes: 1024, us: 10 }] },
  { name: "latency", mode: "linux", points: [{ bytes: 64, us: 31 }] },
], { claims: [{ id: "netpipe-64b-dlibos", ours: 6, holds: true, note: "" }] });

const NEW = results("bbbb", [
  {
    name: "latency",
    mode: "dlibos",
    points: [{ bytes: 1024, us: 12 }, { bytes: 64, us: 6 }, { bytes: 4096, us: 20 }],
  },
  { name: "latency", mode: "rtc", points: [{ bytes: 64, us: 5 }] },
], {
  config: { seed: 1, layout: { net: 12, app: 24 }, copy: false },
  claims: [{ id: "netpipe-64b-dlibos", ours: 9, holds: false, note: "" }],
});

Deno.test("points are matched by key field, not position", () => {
  const c = compareResults(OLD, NEW);
  assert.deepEqual(c.keys, [{ series: "latency / dlibos", key: "bytes" }]);
  const d = c.diffs.map((x) => [x.series, x.key, x.field, x.old, x.new, x.abs, x.rel]);
  assert.deepEqual(d, [
    ["latency / dlibos", 64, "us", 6, 6, 0, 0],
    ["latency / dlibos", 1024, "us", 10, 12, 2, 0.2],
    ["latency / dlibos", 4096, "us", null, 20, null, null],
  ]);
  assert.deepEqual(c.diffs.map(isChanged), [false, true, true]);
});

Deno.test("unmatched series, config and claim changes are reported", () => {
  const c = compareResults(OLD, NEW);
  assert.deepEqual(c.removedSeries, ["latency / linux"]);
  assert.deepEqual(c.addedSeries, ["latency / rtc"]);
  assert.deepEqual(c.config, [{ path: "copy", old: "(absent)", new: "false" }]);
  assert.deepEqual(c.claims, [{ id: "netpipe-64b-dlibos", old: "yes", new: "no" }]);
});

Deno.test("different experiments or a missing key field are errors", () => {
  assert.throws(
    () => compareResults(OLD, { ...NEW, experiment: "webserver" }),
    /different experiments: 'netpipe' vs 'webserver'/,
  );
  assert.throws(() => compareResults(OLD, NEW, { key: "load" }), /key field 'load'/);
});

Deno.test("without a key field points match by index", () => {
  const a = results("a", [{ name: "s", points: [{ v: 1 }, { v: 2 }] }]);
  const b = results("b", [{ name: "s", points: [{ v: 1 }, { v: 3 }] }]);
  const c = compareResults(a, b);
  assert.deepEqual(c.keys, [{ series: "s", key: "#index" }]);
  assert.deepEqual(c.diffs.map((d) => [d.key, d.old, d.new]), [["#0", 1, 1], ["#1", 2, 3]]);
});

Deno.test("text output lists the changed figures; all lists every one", () => {
  const c = compareResults(OLD, NEW);
  const all = formatComparisonText(c, { all: true });
  assert.match(all, /3 figures compared, 2 changed/);
  assert.match(all, /latency \/ dlibos\s+1024\s+us\s+10\s+12\s+2\s+\+20\.00%/);
  assert.match(all, /series only in old: latency \/ linux/);
  assert.match(all, /claim netpipe-64b-dlibos: yes -> no/);
  assert.match(all, /copy: \(absent\) -> false/);
  assert.match(all, /dlibos\s+64\s+us/);
  const changed = formatComparisonText(c);
  assert.ok(!/dlibos\s+64\s+us/.test(changed));
  assert.match(changed, /dlibos\s+1024\s+us/);
  assert.match(formatComparisonText(c, { tolerance: 0.01 }), /2 changed \(2 beyond 1%\)/);
});

Deno.test("identical files: one line, all unchanged, no table", () => {
  const text = formatComparisonText(compareResults(OLD, OLD));
  assert.match(text, /\n3 figures compared, all unchanged\n$/);
  assert.ok(!text.includes("rel diff"));
});

Deno.test("isBeyond: relative tolerance, missing sides always beyond", () => {
  const d = { series: "s", key: 1, field: "f", old: 100, new: 101, abs: 1, rel: 0.01 };
  assert.equal(isBeyond(d, 0.01), false);
  assert.equal(isBeyond({ ...d, new: 102, abs: 2, rel: 0.02 }, 0.01), true);
  assert.equal(isBeyond({ ...d, new: null, abs: null, rel: null }, 0.5), true);
  assert.equal(isBeyond({ ...d, new: 100, abs: 0, rel: 0 }, 0), false);
});

Deno.test("HTML comparison report is self-contained and charts the changes", async () => {
  const html = (await comparisonReport(compareResults(OLD, NEW))).toHtml();
  assert.ok(html.includes("<svg"), "a chart of the changed figures");
  assert.ok(html.includes("<title>Comparison: netpipe</title>"));
  assert.ok(html.includes("+20.00%"));
  assert.ok(!/https?:\/\//.test(html.replace(/xmlns(:\w+)?="[^"]*"/g, "")));
});

Deno.test("compareMain: files, --html, and bad arguments as UsageError", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeResults(`${dir}/old.json`, OLD);
    await writeResults(`${dir}/new.json`, NEW);
    const printed: string[] = [];
    const code = await compareMain(
      [`${dir}/old.json`, `${dir}/new.json`, "--html", `${dir}/cmp.html`],
      (s) => printed.push(s),
    );
    assert.equal(code, 0);
    assert.match(printed.join(""), /3 figures compared, 2 changed/);
    assert.match(await Deno.readTextFile(`${dir}/cmp.html`), /Comparison: netpipe/);

    const print = () => {};
    await assert.rejects(compareMain([`${dir}/old.json`], print), UsageError);
    await assert.rejects(
      compareMain([`${dir}/old.json`, `${dir}/nope.json`], print),
      (e: Error) => e instanceof UsageError && /nope\.json: cannot read/.test(e.message),
    );
    await Deno.writeTextFile(`${dir}/bad.json`, "{}");
    await assert.rejects(
      compareMain([`${dir}/old.json`, `${dir}/bad.json`], print),
      (e: Error) => e instanceof UsageError && /bad\.json: results: schema/.test(e.message),
    );
    await assert.rejects(compareMain(["a", "b", "--bogus"], print), /unknown option --bogus/);
    // A bad --html path fails before any file is read.
    for (const html of ["/proc/x.html", dir, `${dir}/no/such/x.html`]) {
      await assert.rejects(
        compareMain([`${dir}/old.json`, `${dir}/new.json`, "--html", html], print),
        (e: Error) => e instanceof UsageError && /^--html: /.test(e.message),
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the CLI exits 2 with one line on bad arguments", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./compare.ts", import.meta.url).pathname, "only-one.json"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 2);
  const err = new TextDecoder().decode(out.stderr).trim();
  assert.equal(err.split("\n").length, 1);
  assert.match(err, /^error: missing results files/);
});
