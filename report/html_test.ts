import assert from "node:assert/strict";
import { escapeHtml, formatNumber, jsonForScript, ReportBuilder, tableHtml } from "./html.ts";
import { lineChart } from "./vega.ts";

const EVIL = "</script><script>alert(1)</script> & <!-- \u2028";

/** Every `<script type="application/json">` body in the page. */
function embeddedJson(html: string): string[] {
  return [...html.matchAll(/<script type="application\/json"[^>]*>([\s\S]*?)<\/script>/g)].map(
    (m) => m[1],
  );
}

async function sampleReport(): Promise<string> {
  const spec = lineChart({
    title: "Latency",
    data: [{ bytes: 64, us: 6, mode: EVIL }, { bytes: 1024, us: 9, mode: EVIL }],
    x: "bytes",
    y: "us",
    color: "mode",
    xScale: "log",
    xTitle: "Message size (bytes)",
  });
  const r = new ReportBuilder(`Report ${EVIL}`)
    .meta({ commit: "abc123", wallSeconds: 12.25, deno: "2.9.6", date: "2025-01-01" })
    .section("NetPIPE", `Prose with \`code\` and ${EVIL}.\n\nSecond paragraph.`);
  await r.chartFromSpec({ ...spec, $schema: "https://example.invalid/schema.json" }, EVIL);
  r.table(["size", "latency (us)", "note"], [[64, 6.123456, EVIL], [1024, null, "x"]]);
  r.section("Claims").claims([{ id: "netpipe-64b-dlibos", ours: 6.1, holds: true, note: EVIL }]);
  return r.toHtml();
}

Deno.test("report contains the SVG, and the embedded spec parses back", async () => {
  const html = await sampleReport();
  assert.match(html, /^<!DOCTYPE html>/);
  assert.equal(html.match(/<svg /g)?.length, 1);
  assert.ok(html.includes("Message size (bytes)"));
  const bodies = embeddedJson(html);
  assert.equal(bodies.length, 1);
  const spec = JSON.parse(bodies[0]);
  assert.equal(spec.title, "Latency");
  assert.equal(spec.data.values[0].mode, EVIL, "data survives escaping exactly");
  assert.equal(spec.$schema, undefined, "the schema URL is not embedded");
});

Deno.test("no external URLs except SVG xmlns attributes", async () => {
  const html = await sampleReport();
  const withoutXmlns = html.replace(/xmlns(:\w+)?="[^"]*"/g, "");
  assert.ok(!/https?:\/\//.test(withoutXmlns), "found a URL");
  assert.ok(!/<script(?![^>]*type="application\/json")/.test(html), "only inert JSON scripts");
  assert.ok(!/<link\b/.test(html));
});

Deno.test("script-breaking and markup text is escaped", async () => {
  const html = await sampleReport();
  // The only </script> closings are those of the embedded JSON blocks.
  assert.equal(html.split("</script>").length - 1, embeddedJson(html).length);
  assert.ok(!html.includes("<script>alert"));
  assert.ok(!html.includes("<!-- "));
  assert.ok(html.includes("&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp;"));
  assert.ok(html.includes("<code>code</code>"));
  assert.equal(html.match(/<p>/g)?.length, 2);
});

Deno.test("tables format numbers consistently and right-align numeric columns", () => {
  const t = tableHtml([{ label: "a" }, { label: "b", digits: 2 }, "c"], [
    [1234567, 3.14159, "x"],
    [0.000012345, 2, null],
  ]);
  assert.ok(t.includes('<td class="right">1,234,567</td>'));
  assert.ok(t.includes('<td class="right">3.14</td>'));
  assert.ok(t.includes('<td class="right">2.00</td>'));
  assert.ok(t.includes('<td class="right">1.23e-5</td>'));
  assert.ok(t.includes('<td class="left">-</td>'));
  assert.throws(() => tableHtml(["a"], [[1, 2]]), /row 0 has 2 cells for 1 columns/);
});

Deno.test("formatNumber", () => {
  assert.equal(formatNumber(4_200_000), "4,200,000");
  assert.equal(formatNumber(4_200_000.4), "4,200,000");
  assert.equal(formatNumber(6.123456), "6.123");
  assert.equal(formatNumber(-1234.5, 1), "-1,234.5");
  assert.equal(formatNumber(-0), "0");
  assert.equal(formatNumber(0.5), "0.5");
});

Deno.test("claims table shows paper, ours and the verdict for every claim", async () => {
  const html = await sampleReport();
  assert.match(
    html,
    /<tr class="reproduced">.*netpipe-64b-dlibos.*6 us.*6\.1 us.*holds">reproduced</,
  );
  assert.match(html, /<tr class="notyet">.*netpipe-64b-linux.*31 us.*holds">not yet</);
});

Deno.test("jsonForScript round-trips and never contains < or >", () => {
  const v = { s: EVIL, n: [1, 2.5], u: "\u2029" };
  const text = jsonForScript(v);
  assert.ok(!/[<>&\u2028\u2029]/.test(text));
  assert.deepEqual(JSON.parse(text), v);
});

Deno.test("escapeHtml escapes quotes too", () => {
  assert.equal(
    escapeHtml(`<a href="x">'&'</a>`),
    "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;",
  );
});

Deno.test("writeHtml creates parent directories; output is deterministic", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r = new ReportBuilder("T").section("S", "p").table(["a"], [[1]]);
    await r.writeHtml(`${dir}/x/y/r.html`);
    assert.equal(await Deno.readTextFile(`${dir}/x/y/r.html`), r.toHtml());
    assert.equal(await sampleReport(), await sampleReport());
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("chart rejects non-SVG markup; showSpec adds a readable spec", () => {
  const r = new ReportBuilder("T");
  assert.throws(() => r.chart({}, "<div>", "c"), /must be an <svg>/);
  r.chart({ title: "x</pre>" }, "<svg></svg>", "c", { showSpec: true });
  const html = r.toHtml();
  assert.ok(html.includes("<details><summary>Vega-Lite spec and data</summary><pre>"));
  assert.ok(html.includes("x&lt;/pre&gt;"));
});

Deno.test("config renders a settings table", () => {
  const html = new ReportBuilder("T").config({ layout: { net: 12, app: 24 }, mode: "dlibos" })
    .toHtml();
  assert.ok(html.includes("<caption>Configuration</caption>"));
  assert.ok(html.includes('<td class="left">layout.app</td><td class="left">24</td>'));
  assert.ok(html.includes('<td class="left">mode</td><td class="left">&quot;dlibos&quot;</td>'));
});

Deno.test("a results meta block shows as provenance: commit, tree state, date, machine, seeds", () => {
  const html = new ReportBuilder("r").meta({
    commit: "0123456789abcdef",
    dirty: true,
    wallSeconds: 3,
    deno: "2.9.6",
    date: "2026-01-02T03:04:05.000Z",
    machine: { cores: 2, cpu: "Example CPU" },
    seeds: [1],
  }).toHtml();
  for (
    const text of [
      "0123456789abcdef (uncommitted changes)",
      "2026-01-02T03:04:05.000Z",
      "2.9.6",
      "2 cores, Example CPU",
      "<td>seeds</td><td>1</td>",
    ]
  ) {
    assert.ok(html.includes(text), `missing ${text}`);
  }
});
