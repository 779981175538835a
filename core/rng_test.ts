import assert from "node:assert/strict";
import { Rng } from "./rng.ts";

function draws(r: Rng, n: number): number[] {
  return Array.from({ length: n }, () => r.nextU32());
}

Deno.test("Rng: same seed and name give the same sequence", () => {
  assert.deepEqual(draws(new Rng(42, "a"), 100), draws(new Rng(42, "a"), 100));
  assert.deepEqual(draws(new Rng(42), 10), draws(new Rng(42, "root"), 10));
});

Deno.test("Rng: different names or seeds give different sequences", () => {
  const base = draws(new Rng(42, "a"), 100);
  assert.notDeepEqual(draws(new Rng(42, "b"), 100), base);
  assert.notDeepEqual(draws(new Rng(43, "a"), 100), base);
  // Streams are not shifted copies of each other either.
  const other = draws(new Rng(42, "b"), 200);
  for (let shift = 0; shift < 100; shift++) {
    assert.notDeepEqual(other.slice(shift, shift + 10), base.slice(0, 10));
  }
});

Deno.test("Rng: drawing from one stream does not change another", () => {
  const fresh = new Rng(7, "root").stream("nic");
  const expected = draws(fresh, 50);
  const root = new Rng(7, "root");
  const app = root.stream("app");
  draws(app, 1000);
  draws(root, 1000);
  const nic = root.stream("nic");
  assert.deepEqual(draws(nic, 50), expected);
  assert.equal(nic.name, "root/nic");
  assert.deepEqual(draws(new Rng(7, "root/nic"), 50), expected);
});

Deno.test("Rng: int(n) is uniform (chi-square) and in range", () => {
  // 99.9% critical values of chi-square for n-1 degrees of freedom.
  const critical: Record<number, number> = { 2: 10.83, 3: 13.82, 6: 20.52, 7: 22.46, 10: 27.88 };
  for (const n of [2, 3, 6, 7, 10]) {
    const r = new Rng(n, "chi");
    const counts = new Array(n).fill(0);
    const N = 60_000;
    for (let i = 0; i < N; i++) {
      const x = r.int(n);
      assert.ok(Number.isInteger(x) && x >= 0 && x < n);
      counts[x]++;
    }
    const e = N / n;
    const chi = counts.reduce((s, c) => s + (c - e) ** 2 / e, 0);
    assert.ok(chi < critical[n], `n=${n}: chi-square ${chi.toFixed(2)}`);
  }
  // A bound just above 2^31 exercises the rejection loop: the halves stay balanced.
  const r = new Rng(1, "big");
  const n = 2 ** 31 + 1;
  let low = 0;
  for (let i = 0; i < 20_000; i++) if (r.int(n) < n / 2) low++;
  assert.ok(Math.abs(low / 20_000 - 0.5) < 0.02);
  assert.equal(new Rng(1).int(1), 0);
  assert.throws(() => r.int(0), RangeError);
  assert.throws(() => r.int(2 ** 32 + 1), RangeError);
});

Deno.test("Rng: float in [0, 1), floatOpen in (0, 1), both uniform-ish", () => {
  const r = new Rng(5, "float");
  let sum = 0, sumOpen = 0;
  const N = 100_000;
  const deciles = new Array(10).fill(0);
  for (let i = 0; i < N; i++) {
    const f = r.float();
    assert.ok(f >= 0 && f < 1);
    deciles[Math.floor(f * 10)]++;
    sum += f;
    const g = r.floatOpen();
    assert.ok(g > 0 && g < 1);
    sumOpen += g;
  }
  assert.ok(Math.abs(sum / N - 0.5) < 0.005);
  assert.ok(Math.abs(sumOpen / N - 0.5) < 0.005);
  for (const d of deciles) assert.ok(Math.abs(d / N - 0.1) < 0.005);
});

Deno.test("Rng: range, chance, shuffle and fill", () => {
  const r = new Rng(9, "misc");
  const seen = new Set<number>();
  for (let i = 0; i < 1000; i++) {
    const x = r.range(3, 6);
    assert.ok(x >= 3 && x <= 6);
    seen.add(x);
  }
  assert.deepEqual([...seen].sort(), [3, 4, 5, 6]);
  for (let i = 0; i < 100; i++) {
    assert.equal(r.chance(0), false);
    assert.equal(r.chance(1), true);
  }
  const a = r.shuffle([...Array(50).keys()]);
  assert.deepEqual([...a].sort((x, y) => x - y), [...Array(50).keys()]);
  const bytes = r.fill(new Uint8Array(7));
  assert.equal(bytes.length, 7);
  assert.ok(bytes.some((b) => b !== 0));
  const again = new Rng(9, "misc");
  assert.equal(again.nextU32(), new Rng(9, "misc").nextU32());
});
