import assert from "node:assert/strict";
import {
  CALIBRATION_PARAMS,
  DEFAULT_CALIBRATION,
  FITTED_CALIBRATION,
  paramSpec,
  resolveCalibration,
} from "./calibration.ts";
import { SCALED_STACK_OPS, TILEGX_BASE_COSTS, TILEGX_COSTS, tilegxCosts } from "./tilegx.ts";
import { EGRESS_DMA_LATENCY, INGRESS_DMA_LATENCY, mpipeLatencies } from "../mpipe.ts";
import { NS } from "../../core/time.ts";

/** Keys whose values differ between two records. */
function changed<T extends object>(a: T, b: T): string[] {
  const x = a as Record<string, unknown>, y = b as Record<string, unknown>;
  return Object.keys(x).filter((k) => x[k] !== y[k]).sort();
}

Deno.test("calibration: every parameter has bounds, a source for them and a target", () => {
  assert.deepEqual(CALIBRATION_PARAMS.map((p) => p.key).sort(), [
    "dmaLatencyNs",
    "memcachedScale",
    "stackScale",
  ]);
  for (const p of CALIBRATION_PARAMS) {
    assert.ok(p.min > 0 && p.min < p.max, p.key);
    assert.ok(p.bounds.length > 40, `${p.key}: bounds need a stated source or reason`);
    assert.ok(["netpipe", "web", "memcached"].includes(p.target), p.key);
  }
  assert.throws(() => paramSpec("nope" as never));
});

Deno.test("calibration: resolveCalibration rejects values outside the bounds", () => {
  for (const p of CALIBRATION_PARAMS) {
    assert.equal(resolveCalibration({ [p.key]: p.min })[p.key], p.min);
    assert.equal(resolveCalibration({ [p.key]: p.max })[p.key], p.max);
    assert.throws(() => resolveCalibration({ [p.key]: p.min * 0.99 }), RangeError);
    assert.throws(() => resolveCalibration({ [p.key]: p.max * 1.01 }), RangeError);
    assert.throws(() => resolveCalibration({ [p.key]: NaN }), RangeError);
  }
  assert.throws(() => resolveCalibration({ bogus: 1 } as never), /unknown calibration/);
});

Deno.test("calibration: the default tables are the fit's", () => {
  assert.equal(DEFAULT_CALIBRATION, FITTED_CALIBRATION);
  assert.deepEqual(TILEGX_COSTS, tilegxCosts(FITTED_CALIBRATION));
  const lat = mpipeLatencies(FITTED_CALIBRATION);
  assert.equal(INGRESS_DMA_LATENCY, lat.ingress);
  assert.equal(EGRESS_DMA_LATENCY, lat.egress);
  assert.equal(INGRESS_DMA_LATENCY, Math.round(FITTED_CALIBRATION.dmaLatencyNs * NS));
});

Deno.test("calibration: stackScale moves exactly the per-segment stack costs", () => {
  const base = tilegxCosts(resolveCalibration({ stackScale: 1 }));
  assert.deepEqual(base, TILEGX_BASE_COSTS);
  const scaled = tilegxCosts(resolveCalibration({ stackScale: 1.5 }));
  assert.deepEqual(changed(base, scaled), [...SCALED_STACK_OPS].sort());
  for (const op of SCALED_STACK_OPS) {
    assert.equal(scaled[op], Math.round(1.5 * TILEGX_BASE_COSTS[op]));
  }
  // The other parameters leave the TileGX table alone.
  const other = resolveCalibration({ stackScale: 1, dmaLatencyNs: 1400, memcachedScale: 3 });
  assert.deepEqual(tilegxCosts(other), base);
});

Deno.test("calibration: dmaLatencyNs moves exactly the mPIPE DMA latencies", () => {
  const a = mpipeLatencies(resolveCalibration({ dmaLatencyNs: 300 }));
  assert.deepEqual(a, { ingress: 300 * NS, egress: 300 * NS });
  const other = resolveCalibration({ dmaLatencyNs: 300, stackScale: 2, memcachedScale: 3 });
  assert.deepEqual(mpipeLatencies(other), a);
});
