/** Seeds: plans, grouping and the mean with its 95% interval. */
import assert from "node:assert/strict";
import { aggregateSeries, crossSeeds, meanInterval, seedGroups, seedRange, t975 } from "./seeds.ts";

Deno.test("seeds: mean and 95% Student-t interval", () => {
  assert.deepEqual(meanInterval([5]), { mean: 5, lo: 5, hi: 5 });
  const m = meanInterval([1, 2, 3]);
  assert.equal(m.mean, 2);
  // s = 1, n = 3: half-width t(0.975, 2) / sqrt(3) = 4.303 / 1.732...
  assert.ok(Math.abs(m.hi - 2 - 4.303 / Math.sqrt(3)) < 1e-12);
  assert.ok(Math.abs(m.mean - m.lo - (m.hi - m.mean)) < 1e-12);
  assert.equal(t975(1), 12.706);
  assert.equal(t975(100), 1.96);
  assert.throws(() => t975(0));
  assert.throws(() => meanInterval([]));
});

Deno.test("seeds: plans are configuration-major and group back by params", () => {
  assert.deepEqual(seedRange(4, 3), [4, 5, 6]);
  const specs = crossSeeds("x", [{ id: "a", params: { k: 1 } }, { id: "b", params: { k: 2 } }], [
    7,
    8,
  ]);
  assert.deepEqual(specs.map((s) => s.id), ["a/seed7", "a/seed8", "b/seed7", "b/seed8"]);
  const results = specs.map((s) => ({ id: s.id, data: {}, simTime: 0, events: 0, wallSeconds: 0 }));
  const groups = seedGroups(specs, results);
  assert.deepEqual(groups.map((g) => g.specs.map((s) => s.seed)), [[7, 8], [7, 8]]);
  assert.deepEqual(groups.map((g) => g.params), [{ k: 1 }, { k: 2 }]);
  assert.throws(() => crossSeeds("x", [], []), /at least one seed/);
});

Deno.test("seeds: aggregateSeries keeps keys and one seed, refuses mismatched points", () => {
  const s = (v: number, bytes = 64) => ({ name: "s", mode: "m", points: [{ bytes, v, tag: "t" }] });
  assert.deepEqual(aggregateSeries([s(1)], ["bytes"]), s(1));
  const a = aggregateSeries([s(1), s(3)], ["bytes"]);
  assert.equal(a.mode, "m");
  assert.equal(a.points[0].bytes, 64);
  assert.equal(a.points[0].tag, "t");
  assert.equal(a.points[0].v, 2);
  assert.ok((a.points[0].vLo as number) < 2 && (a.points[0].vHi as number) > 2);
  assert.throws(() => aggregateSeries([s(1, 64), s(1, 65)], ["bytes"]), /bytes differs/);
});
