import assert from "node:assert/strict";
import { RttEstimator } from "./rtt.ts";
import { MS, SEC } from "../../core/time.ts";

Deno.test("rtt: RFC 6298 first sample, smoothing, clamping and backoff", () => {
  const e = new RttEstimator(1 * SEC, 200 * MS, 60 * SEC);
  assert.equal(e.rto, 1 * SEC);
  e.sample(100 * MS);
  assert.equal(e.srtt, 100 * MS);
  assert.equal(e.rttvar, 50 * MS);
  assert.equal(e.rto, 300 * MS); // 100 + 4*50
  e.sample(100 * MS);
  assert.equal(e.srtt, 100 * MS);
  assert.equal(e.rttvar, 37.5 * MS); // 3/4*50 + 1/4*0
  assert.equal(e.rto, 250 * MS);
  for (let i = 0; i < 50; i++) e.sample(1 * MS);
  assert.equal(e.rto, 200 * MS); // clamped to min
  e.backoff();
  assert.equal(e.rto, 400 * MS);
  for (let i = 0; i < 20; i++) e.backoff();
  assert.equal(e.rto, 60 * SEC);
  e.resetBackoff();
  assert.equal(e.rto, 200 * MS);
  e.atLeast(3 * SEC); // ignored once a sample exists
  assert.equal(e.rto, 200 * MS);
  const f = new RttEstimator(1 * SEC, 200 * MS, 60 * SEC);
  f.atLeast(3 * SEC);
  assert.equal(f.rto, 3 * SEC);
});
