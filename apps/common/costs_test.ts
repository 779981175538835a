import assert from "node:assert/strict";
import { FITTED_CALIBRATION, resolveCalibration } from "../../hw/costs/calibration.ts";
import { appCosts, BASE_APP_COSTS, DEFAULT_APP_COSTS, MEMCACHED_COST_KEYS } from "./costs.ts";

/** Keys whose values differ between two records. */
function changed<T extends object>(a: T, b: T): string[] {
  const x = a as Record<string, unknown>, y = b as Record<string, unknown>;
  return Object.keys(x).filter((k) => x[k] !== y[k]).sort();
}

Deno.test("calibration: the default application costs are the fit's", () => {
  assert.deepEqual(DEFAULT_APP_COSTS, appCosts(FITTED_CALIBRATION));
});

Deno.test("calibration: memcachedScale moves exactly memcached's own work", () => {
  const base = appCosts(resolveCalibration({ memcachedScale: 1 }));
  assert.deepEqual(base, BASE_APP_COSTS);
  const scaled = appCosts(resolveCalibration({ memcachedScale: 2.5 }));
  assert.deepEqual(changed(base, scaled), [...MEMCACHED_COST_KEYS].sort());
  for (const k of MEMCACHED_COST_KEYS) assert.equal(scaled[k], 2.5 * BASE_APP_COSTS[k]);
  const other = resolveCalibration({ memcachedScale: 1, dmaLatencyNs: 1400, stackScale: 2 });
  assert.deepEqual(appCosts(other), base);
});
