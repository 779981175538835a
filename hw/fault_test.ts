import assert from "node:assert/strict";
import { Rng } from "../core/rng.ts";
import { MS, type Time, US } from "../core/time.ts";
import { FaultInjector } from "./fault.ts";

interface Delivery {
  t: Time;
  frame: Uint8Array;
}

function run(inj: FaultInjector, frames: number, len = 100, gap: Time = 0): Delivery[] {
  const out: Delivery[] = [];
  for (let i = 0; i < frames; i++) {
    const f = new Uint8Array(len).fill(i & 255);
    inj.apply(i * gap, f, (t, frame) => out.push({ t, frame }));
  }
  return out;
}

Deno.test("fault: no config delivers every frame unchanged, immediately", () => {
  const inj = new FaultInjector(new Rng(1), {});
  const f = new Uint8Array([1, 2, 3]);
  const got: Delivery[] = [];
  inj.apply(5, f, (t, frame) => got.push({ t, frame }));
  assert.equal(got.length, 1);
  assert.equal(got[0].t, 5);
  assert.equal(got[0].frame, f);
  assert.deepEqual(inj.stats, {
    frames: 1,
    dropped: 0,
    corrupted: 0,
    duplicated: 0,
    reordered: 0,
    rateLimited: 0,
  });
});

Deno.test("fault: statistics match configured probabilities roughly", () => {
  const n = 20000;
  const inj = new FaultInjector(new Rng(7, "faults"), {
    drop: 0.1,
    corrupt: 0.05,
    duplicate: 0.02,
    reorder: 0.03,
  });
  const out = run(inj, n);
  const s = inj.stats;
  assert.equal(s.frames, n);
  const near = (x: number, p: number, base: number) =>
    Math.abs(x - p * base) < 5 * Math.sqrt(p * (1 - p) * base) + 1;
  assert.ok(near(s.dropped, 0.1, n), `dropped ${s.dropped}`);
  const kept = n - s.dropped;
  assert.ok(near(s.corrupted, 0.05, kept), `corrupted ${s.corrupted}`);
  assert.ok(near(s.duplicated, 0.02, kept), `duplicated ${s.duplicated}`);
  assert.ok(near(s.reordered, 0.03, kept), `reordered ${s.reordered}`);
  assert.equal(out.length, kept + s.duplicated);
});

Deno.test("fault: same seed gives the same decisions; another seed differs", () => {
  const cfg = { drop: 0.2, corrupt: 0.2, duplicate: 0.2, reorder: 0.2 };
  const a = run(new FaultInjector(new Rng(3), cfg), 500, 20, US);
  const b = run(new FaultInjector(new Rng(3), cfg), 500, 20, US);
  const c = run(new FaultInjector(new Rng(4), cfg), 500, 20, US);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

Deno.test("fault: corruption changes exactly one byte of a copy", () => {
  const inj = new FaultInjector(new Rng(11), { corrupt: 1 });
  for (let i = 0; i < 200; i++) {
    const f = new Uint8Array(64).fill(0xaa);
    let got: Uint8Array | undefined;
    inj.apply(0, f, (_t, frame) => (got = frame));
    assert.ok(got && got !== f);
    assert.ok(f.every((b) => b === 0xaa), "original untouched");
    let diff = 0;
    for (let j = 0; j < 64; j++) if (got![j] !== 0xaa) diff++;
    assert.equal(diff, 1);
  }
  assert.equal(inj.stats.corrupted, 200);
});

Deno.test("fault: reordered frames are overtaken; duplicates are separate copies", () => {
  const inj = new FaultInjector(new Rng(5), { reorder: 1, reorderDelay: 30 * US });
  const got: Delivery[] = [];
  inj.apply(0, new Uint8Array(1), (t, frame) => got.push({ t, frame }));
  assert.equal(got[0].t, 30 * US);

  const dup = new FaultInjector(new Rng(5), { duplicate: 1 });
  const two: Delivery[] = [];
  const f = new Uint8Array([9]);
  dup.apply(7, f, (t, frame) => two.push({ t, frame }));
  assert.equal(two.length, 2);
  assert.equal(two[0].t, 7);
  assert.equal(two[1].t, 7);
  assert.notEqual(two[0].frame, two[1].frame);
  assert.deepEqual(two[1].frame, f);
});

Deno.test("fault: rate limiter delays beyond the rate and drops past its bound", () => {
  // 1 Gb/s, 1000-byte bucket, 100-byte frames offered all at t=0.
  const inj = new FaultInjector(new Rng(1), {
    rateBps: 1e9,
    rateBurstBytes: 1000,
    rateMaxDelay: 1 * US,
  });
  const got: Delivery[] = [];
  for (let i = 0; i < 40; i++) {
    inj.apply(0, new Uint8Array(100), (t, f) => got.push({ t, frame: f }));
  }
  // 10 frames fit the bucket; each later one waits 800 ns more; 1 us bound lets one more through.
  assert.equal(got.filter((d) => d.t === 0).length, 10);
  assert.equal(got[10].t, 800_000);
  assert.equal(got.length, 11);
  assert.equal(inj.stats.rateLimited, 30);
  assert.equal(inj.stats.dropped, 29);
  // After the bucket refills, frames pass again without delay.
  let t2 = -1;
  inj.apply(MS, new Uint8Array(100), (t) => (t2 = t));
  assert.equal(t2, MS);
});

Deno.test("fault: bad configuration throws", () => {
  const rng = new Rng(1);
  assert.throws(() => new FaultInjector(rng, { drop: 1.5 }), /drop/);
  assert.throws(() => new FaultInjector(rng, { corrupt: -0.1 }), /corrupt/);
  assert.throws(() => new FaultInjector(rng, { reorder: NaN }), /reorder/);
  assert.throws(() => new FaultInjector(rng, { rateBps: 0 }), /rateBps/);
  assert.throws(() => new FaultInjector(rng, { reorderDelay: 1.5 }), /reorderDelay/);
});
