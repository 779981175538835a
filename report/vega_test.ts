import assert from "node:assert/strict";
import { barChart, lineChart, renderVegaLite, stackedBarChart } from "./vega.ts";

const LATENCY = [
  { bytes: 64, latency_us: 6, mode: "dlibos" },
  { bytes: 1024, latency_us: 9, mode: "dlibos" },
  { bytes: 64, latency_us: 31, mode: "linux" },
  { bytes: 1024, latency_us: 40, mode: "linux" },
];

Deno.test("lineChart builds a log-x line spec with inline data", () => {
  const spec = lineChart({
    title: "NetPIPE",
    data: LATENCY,
    x: "bytes",
    y: "latency_us",
    color: "mode",
    xScale: "log",
    xTitle: "Message size (bytes)",
  });
  const enc = spec.encoding as Record<string, Record<string, unknown>>;
  assert.deepEqual(enc.x.scale, { type: "log" });
  assert.equal(enc.y.title, "latency_us");
  assert.deepEqual(enc.color, { field: "mode", type: "nominal" });
  assert.equal((spec.data as { values: unknown[] }).values.length, 4);
  assert.equal(spec.$schema, undefined);
});

Deno.test({
  name: "renderVegaLite gives an SVG with marks and axis titles, offline and deterministic",
  // No network (nor any other) permission: rendering must not need any.
  permissions: "none",
}, async () => {
  const spec = lineChart({
    title: "NetPIPE latency",
    data: LATENCY,
    x: "bytes",
    y: "latency_us",
    color: "mode",
    xScale: "log",
    xTitle: "Message size (bytes)",
    yTitle: "One-way latency (us)",
  });
  const warnings: string[] = [];
  const svg = await renderVegaLite(spec, { warn: (m) => warnings.push(m) });
  assert.match(svg, /^<svg /);
  assert.equal(svg.match(/class="mark-line role-mark/g)?.length, 2, "one line per mode");
  assert.ok(svg.includes("Message size (bytes)"));
  assert.ok(svg.includes("One-way latency (us)"));
  assert.ok(svg.includes("NetPIPE latency"));
  assert.ok(svg.includes("dlibos") && svg.includes("linux"));
  assert.deepEqual(warnings, []);
  assert.equal(await renderVegaLite(spec), svg);
});

Deno.test("barChart groups bars by color", async () => {
  const spec = barChart({
    title: "Throughput",
    data: [
      { mode: "dlibos", layout: "d12-all", mreqs: 4.2 },
      { mode: "dlibos", layout: "d12-q", mreqs: 4.0 },
      { mode: "rtc", layout: "d12-all", mreqs: 4.5 },
    ],
    x: "mode",
    y: "mreqs",
    color: "layout",
    yTitle: "Million requests/s",
  });
  const enc = spec.encoding as Record<string, Record<string, unknown>>;
  assert.deepEqual(enc.x.sort, ["dlibos", "rtc"]);
  assert.equal(enc.xOffset.field, "layout");
  const svg = await renderVegaLite(spec);
  assert.match(svg, /class="mark-rect role-mark/);
  assert.ok(svg.includes("Million requests/s"));
});

Deno.test("stackedBarChart stacks categories in the given order", async () => {
  const spec = stackedBarChart({
    title: "Per-core time",
    data: [
      { core: "net0", cat: "tcp", ms: 3 },
      { core: "net0", cat: "idle", ms: 1 },
      { core: "app0", cat: "app", ms: 2 },
      { core: "app0", cat: "idle", ms: 2 },
    ],
    x: "core",
    y: "ms",
    stack: "cat",
    stackOrder: ["tcp", "app", "idle"],
    normalize: true,
  });
  const enc = spec.encoding as Record<string, Record<string, unknown>>;
  assert.equal(enc.y.stack, "normalize");
  assert.deepEqual(enc.color.sort, ["tcp", "app", "idle"]);
  const svg = await renderVegaLite(spec);
  // One rect per (core, category) datum.
  const rects = svg.match(/<path aria-label="[^"]*core: [^"]*"/g) ?? [];
  assert.equal(rects.length, 4);
});

Deno.test("renderVegaLite forwards vega-lite warnings", async () => {
  const warnings: string[] = [];
  await renderVegaLite({
    data: { values: [{ a: 1, b: "x" }] },
    mark: "bar",
    encoding: { x: { field: "a", type: "quantitative" }, shape: { field: "b", type: "nominal" } },
  }, { warn: (m) => warnings.push(m) });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /shape dropped/);
});
