import assert from "node:assert/strict";
import {
  bisect,
  calibrationBlock,
  CODE_BEGIN,
  CODE_END,
  fit,
  fitTable,
  parseCalibrationBlock,
  replaceBetween,
  type Target,
  TARGETS,
} from "./calibrate.ts";
import {
  type Calibration,
  CALIBRATION_PARAMS,
  FITTED_CALIBRATION,
  resolveCalibration,
} from "../hw/costs/calibration.ts";

Deno.test("bisect: finds the target of a monotone function inside the bounds", () => {
  const f = (x: number) => 1000 / x; // decreasing
  const b = bisect(f, 250, 1, 10, { start: 1, direction: -1, tolerance: 1e-3, maxSteps: 40 });
  assert.equal(b.atBound, null);
  assert.ok(Math.abs(b.value - 4) < 0.01, `${b.value}`);
  assert.ok(b.steps.every((s) => s.x >= 1 && s.x <= 10));
});

Deno.test("bisect: a start already within tolerance costs one evaluation", () => {
  const b = bisect((x) => 2 * x, 10, 0, 100, { start: 5, direction: 1, tolerance: 0.01 });
  assert.equal(b.steps.length, 1);
  assert.equal(b.value, 5);
});

Deno.test("bisect: a target beyond a bound stops at the bound and says so", () => {
  const evaluated: number[] = [];
  const f = (x: number) => {
    evaluated.push(x);
    return x + 100;
  };
  const up = bisect(f, 1000, 0, 500, { start: 100, direction: 1, tolerance: 0.01 });
  assert.equal(up.atBound, "max");
  assert.equal(up.value, 500);
  const down = bisect(f, 10, 0, 500, { start: 100, direction: 1, tolerance: 0.01 });
  assert.equal(down.atBound, "min");
  assert.equal(down.value, 0);
  assert.ok(evaluated.every((x) => x >= 0 && x <= 500), "never evaluated outside the bounds");
  // Starting at the bound (a later round): still at the bound, not "insensitive".
  const again = bisect(f, 1000, 0, 500, { start: 500, direction: 1, tolerance: 0.01 });
  assert.equal(again.atBound, "max");
  assert.equal(again.insensitive, false);
});

Deno.test("bisect: values are rounded as they will be written", () => {
  const b = bisect((x) => x, 3.14159, 0, 10, {
    direction: 1,
    tolerance: 1e-6,
    maxSteps: 40,
    round: (x) => Math.round(x * 100) / 100,
  });
  assert.ok(b.steps.every((s) => Math.round(s.x * 100) === s.x * 100));
  assert.ok(Math.abs(b.value - 3.14) < 0.011);
});

/** Synthetic targets: each mostly moved by its own parameter, a little by another. */
function syntheticTargets(): Record<string, Target> {
  return {
    netpipe: {
      ...TARGETS.netpipe,
      evaluate: (c: Calibration) => 2 + c.dmaLatencyNs / 400 + c.stackScale,
    },
    web: { ...TARGETS.web, evaluate: (c: Calibration) => 4.6e6 / c.stackScale },
    memcached: {
      ...TARGETS.memcached,
      evaluate: (c: Calibration) =>
        4e6 / (0.5 + 0.5 * c.memcachedScale) / (0.9 + 0.1 * c.stackScale),
    },
  };
}

Deno.test("fit: coordinate-wise rounds meet every synthetic target inside the bounds", () => {
  const r = fit({ targets: syntheticTargets(), scale: "quick", maxSteps: 20, rounds: 5 });
  assert.ok(r.converged, fitTable(r, "quick"));
  for (const t of r.targets) assert.ok(t.met, t.target.key);
  for (const p of r.params) {
    assert.equal(p.atBound, null);
    assert.ok(p.value >= p.spec.min && p.value <= p.spec.max);
  }
  // The returned calibration passes the bounds check.
  resolveCalibration(r.calibration);
});

Deno.test("fit: a target out of reach leaves its parameter at the bound, flagged", () => {
  const t = syntheticTargets();
  // 6 us would need dmaLatencyNs ~ 1,200 ns more than the 1,500 ns bound allows.
  t.netpipe = { ...t.netpipe, evaluate: (c: Calibration) => 1 + c.dmaLatencyNs / 1000 };
  const r = fit({ targets: t, scale: "quick", maxSteps: 20, rounds: 3 });
  const dma = r.params.find((p) => p.spec.key === "dmaLatencyNs")!;
  assert.equal(dma.atBound, "max");
  assert.equal(dma.value, dma.spec.max);
  assert.equal(r.converged, false);
  assert.match(fitTable(r, "quick"), /at its max bound/);
});

Deno.test("fit: a parameter its target ignores keeps its neutral value, flagged", () => {
  const t = syntheticTargets();
  // Bound by something else: memcachedScale barely moves it, and it sits 30% above the paper.
  t.memcached = { ...t.memcached, evaluate: (c: Calibration) => 4.03e6 + 1000 * c.memcachedScale };
  const r = fit({ targets: t, scale: "quick", maxSteps: 20, rounds: 2 });
  const mc = r.params.find((p) => p.spec.key === "memcachedScale")!;
  assert.equal(mc.insensitive, true);
  assert.equal(mc.atBound, null);
  assert.equal(mc.value, mc.spec.neutral);
  assert.match(fitTable(r, "quick"), /does not respond/);
});

Deno.test("calibration block: written, replaced and read back", () => {
  const cal = resolveCalibration({ dmaLatencyNs: 1234, stackScale: 0.8766, memcachedScale: 2 });
  const text = ["a", CODE_BEGIN, "old", CODE_END, "b"].join("\n");
  const out = replaceBetween(text, CODE_BEGIN, CODE_END, calibrationBlock(cal));
  assert.ok(out.startsWith("a\n") && out.endsWith("\nb"));
  assert.deepEqual(parseCalibrationBlock(out), {
    dmaLatencyNs: 1234,
    stackScale: 0.877, // three digits, as written
    memcachedScale: 2,
  });
  assert.throws(() => replaceBetween("no markers", CODE_BEGIN, CODE_END, ""));
});

Deno.test("calibration block: the committed file holds the fitted values, within bounds", async () => {
  const text = await Deno.readTextFile(new URL("../hw/costs/calibration.ts", import.meta.url));
  assert.deepEqual(parseCalibrationBlock(text), { ...FITTED_CALIBRATION });
  for (const p of CALIBRATION_PARAMS) {
    const v = FITTED_CALIBRATION[p.key];
    assert.ok(v >= p.min && v <= p.max, `${p.key} = ${v} outside ${p.min}..${p.max}`);
  }
});

Deno.test("targets: the quick NetPIPE evaluation follows the DMA latency", () => {
  const lo = TARGETS.netpipe.evaluate(resolveCalibration({ dmaLatencyNs: 200 }), "quick");
  const hi = TARGETS.netpipe.evaluate(resolveCalibration({ dmaLatencyNs: 1200 }), "quick");
  // One ingress and one egress DMA per one-way trip: 2 x 1000 ns more.
  assert.ok(Math.abs(hi - lo - 2) < 0.01, `${lo} -> ${hi}`);
});
