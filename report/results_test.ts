import assert from "node:assert/strict";
import {
  canonicalNumber,
  collectMeta,
  flattenJson,
  makeResults,
  parseResults,
  provenanceEntries,
  readResults,
  type Results,
  RESULTS_SCHEMA,
  serializeResults,
  seriesRows,
  writeResults,
} from "./results.ts";

const META = { commit: "abc", wallSeconds: 1.5, deno: "2.9.6", date: "2025-01-01T00:00:00.000Z" };

function sample(over: Partial<Results> = {}): Results {
  return makeResults({
    experiment: "netpipe",
    config: { seed: 1, layout: { net: 12, app: 24 }, mode: "dlibos" },
    series: [{
      name: "latency",
      mode: "dlibos",
      points: [{ bytes: 64, latency_us: 6.1 }, { bytes: 1024, latency_us: 9.25 }],
    }],
    claims: [{ id: "netpipe-64b-dlibos", ours: 6.1, holds: true, note: "n" }],
    ...over,
  }, META);
}

Deno.test("serialize then parse round-trips", () => {
  const r = sample();
  const back = parseResults(serializeResults(r));
  assert.deepEqual(back, r);
  assert.equal(back.schema, RESULTS_SCHEMA);
});

Deno.test("key order does not depend on insertion order", () => {
  const a = sample({ config: { b: 2, a: { y: 1, x: 2 } } });
  const b = sample({ config: { a: { x: 2, y: 1 }, b: 2 } });
  assert.equal(serializeResults(a), serializeResults(b));
  const p1 = sample({ series: [{ name: "s", points: [{ z: 1, a: 2 }] }] });
  const p2 = sample({ series: [{ points: [{ a: 2, z: 1 }], name: "s" }] });
  assert.equal(serializeResults(p1), serializeResults(p2));
});

Deno.test("top-level and series keys come in schema order", () => {
  const text = serializeResults(sample());
  const order = ["schema", "experiment", "config", "series", "claims", "meta"].map((k) =>
    text.indexOf(`"${k}"`)
  );
  assert.deepEqual([...order].sort((x, y) => x - y), order);
  const series = text.slice(text.indexOf('"series"'));
  assert.ok(series.indexOf('"name"') < series.indexOf('"mode"'));
  assert.ok(series.indexOf('"mode"') < series.indexOf('"points"'));
});

Deno.test("float noise is rounded away, integers stay exact", () => {
  assert.equal(canonicalNumber(0.1 + 0.2), 0.3);
  assert.equal(canonicalNumber(2 ** 52 + 1), 2 ** 52 + 1);
  assert.ok(Object.is(canonicalNumber(-0), 0));
  const a = sample({ series: [{ name: "s", points: [{ x: 0.1 + 0.2 }] }] });
  const b = sample({ series: [{ name: "s", points: [{ x: 0.3 }] }] });
  assert.equal(serializeResults(a), serializeResults(b));
});

Deno.test("non-finite numbers are rejected with the path", () => {
  const r = sample({ series: [{ name: "s", points: [{ x: NaN }] }] });
  assert.throws(() => serializeResults(r), /series\.0\.points\.0\.x/);
});

Deno.test("withMeta false leaves meta out; meta does not affect the body", () => {
  const a = sample();
  const b = makeResults(a, { ...META, wallSeconds: 99, date: "other" });
  assert.ok(!serializeResults(a, { withMeta: false }).includes('"meta"'));
  assert.equal(serializeResults(a, { withMeta: false }), serializeResults(b, { withMeta: false }));
  assert.notEqual(serializeResults(a), serializeResults(b));
});

Deno.test("points are written one per line", () => {
  const text = serializeResults(sample());
  assert.ok(text.includes('{ "bytes": 64, "latency_us": 6.1 }'));
  assert.ok(text.endsWith("\n"));
});

Deno.test("parseResults names the problem in one line", () => {
  const good = JSON.parse(serializeResults(sample()));
  const cases: [unknown, RegExp][] = [
    [{ ...good, schema: "other" }, /schema: expected "dlibos\.results\/v1"/],
    [{ ...good, experiment: 3 }, /experiment: expected a string/],
    [{ ...good, config: [] }, /config: expected an object, got an array/],
    [
      { ...good, series: [{ name: "s", points: [{ x: {} }] }] },
      /series\[0\]\.points\[0\]\.x: expected a number/,
    ],
    [{ ...good, claims: [{ id: "a", ours: 1, holds: "yes", note: "" }] }, /claims\[0\]\.holds/],
    [{ ...good, tables: [{ name: "t", columns: ["a"], rows: [[1, 2]] }] }, /2 cells for 1 columns/],
    [{ ...good, meta: undefined }, /meta: expected an object/],
  ];
  for (const [obj, re] of cases) {
    assert.throws(() => parseResults(JSON.stringify(obj)), (e: Error) => {
      assert.match(e.message, re);
      assert.ok(!e.message.includes("\n"));
      return true;
    });
  }
  assert.throws(() => parseResults("{oops"), /not valid JSON/);
});

Deno.test("writeResults creates directories; readResults validates", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/a/b/r.json`;
    await writeResults(path, sample());
    assert.deepEqual(await readResults(path), sample());
    await Deno.writeTextFile(`${dir}/bad.json`, "[]");
    await assert.rejects(readResults(`${dir}/bad.json`), /bad\.json: results: \(root\)/);
    await assert.rejects(readResults(`${dir}/missing.json`), /missing\.json: cannot read/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("collectMeta fills every field", async () => {
  const m = await collectMeta(2.5);
  assert.equal(m.wallSeconds, 2.5);
  assert.equal(m.deno, Deno.version.deno);
  assert.ok(m.commit === "unknown" || /^[0-9a-f]{40}$/.test(m.commit));
  assert.ok(!Number.isNaN(Date.parse(m.date)));
  assert.equal(typeof m.dirty, "boolean", "the test runs inside the git work tree");
  assert.ok(m.machine !== undefined && m.machine.cores >= 1 && m.machine.cpu !== "");
  assert.equal(m.seeds, undefined);
  assert.deepEqual((await collectMeta(1, { seeds: [1, 2] })).seeds, [1, 2]);
});

Deno.test("provenance survives the round trip, stays out of the deterministic text, and shows", async () => {
  const meta = await collectMeta(2.5, { seeds: [7] });
  const a = makeResults({ experiment: "x", config: { seed: 7 }, series: [] }, meta);
  const again = parseResults(serializeResults(a));
  assert.deepEqual(again.meta, meta);
  const later = makeResults({ experiment: "x", config: { seed: 7 }, series: [] }, {
    ...meta,
    commit: "other",
    date: "2000-01-01T00:00:00.000Z",
  });
  assert.equal(
    serializeResults(a, { withMeta: false }),
    serializeResults(later, { withMeta: false }),
  );
  const shown = new Map(provenanceEntries(meta));
  assert.ok(shown.get("commit")!.startsWith(meta.commit));
  assert.match(shown.get("commit")!, /\((uncommitted changes|clean)\)$/);
  assert.equal(shown.get("date"), meta.date);
  assert.equal(shown.get("deno"), Deno.version.deno);
  assert.match(shown.get("machine")!, /^\d+ cores, /);
  assert.equal(shown.get("seeds"), "7");
  assert.throws(
    () =>
      parseResults(
        serializeResults({ ...a, meta: { ...meta, dirty: "yes" as unknown as boolean } }),
      ),
    /meta\.dirty: expected a boolean/,
  );
});

Deno.test("seriesRows flattens series with their identity", () => {
  const rows = seriesRows([
    { name: "a", mode: "rtc", points: [{ x: 1 }] },
    { name: "b", variant: "q", points: [{ x: 2, series: "ignored" }] },
  ]);
  assert.deepEqual(rows, [
    { series: "a", mode: "rtc", x: 1 },
    { series: "b", variant: "q", x: 2 },
  ]);
});

Deno.test("flattenJson gives sorted dotted paths with canonical values", () => {
  assert.deepEqual(flattenJson({ b: { y: 0.1 + 0.2, x: "s" }, a: [64, 1024], c: null }), [
    ["a", "[64, 1024]"],
    ["b.x", '"s"'],
    ["b.y", "0.3"],
    ["c", "null"],
  ]);
});
