/**
 * The model's free parameters: the few costs no public source pins down,
 * each with physical bounds (and where the bounds come from), the paper's
 * figure it is fitted to, and the fitted values every cost table is built
 * from (docs/CALIBRATION.md).
 *
 * Everything else is a literature or hardware figure (hw/costs/tilegx.ts,
 * hw/costs/linux.ts, hw/costs/x86.ts, apps/common/costs.ts). The tables are
 * functions of a {@link Calibration} (`tilegxCosts`, `mpipeLatencies`,
 * `appCosts`), and their defaults are those functions of
 * {@link FITTED_CALIBRATION}: the defaults are the fit. `deno task calibrate`
 * (bench/calibrate.ts) refits the parameters and rewrites the generated block
 * below; nothing else in this file is generated.
 *
 * @example A candidate calibration, checked against the bounds
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveCalibration } from "./calibration.ts";
 *
 * const c = resolveCalibration({ dmaLatencyNs: 800 });
 * assert.equal(c.dmaLatencyNs, 800);
 * assert.throws(() => resolveCalibration({ dmaLatencyNs: 5000 }), RangeError);
 * ```
 *
 * @module
 */

/** Values of the free parameters. */
export interface Calibration {
  /** mPIPE ingress (wire to notification ring) and egress (descriptor to wire) DMA latency, ns each. */
  readonly dmaLatencyNs: number;
  /** Scale on the TileGX per-segment stack costs (Ethernet, IPv4, flow lookup, TCP; rx and tx). */
  readonly stackScale: number;
  /** Scale on Memcached's per-request application work (apps/common/costs.ts memcached fields). */
  readonly memcachedScale: number;
}

/** The name of one free parameter. */
export type CalibrationParam = keyof Calibration;

/** One free parameter: bounds, their source, and the figure it is fitted to. */
export interface ParamSpec {
  /** The parameter. */
  readonly key: CalibrationParam;
  /** Smallest physically plausible value. */
  readonly min: number;
  /** Largest physically plausible value. */
  readonly max: number;
  /** Unit for printing ("ns", "x"). */
  readonly unit: string;
  /**
   * The value it keeps when its target does not respond to it within the
   * bounds (the fit cannot determine it): the literature value, or for a
   * latency with no public figure, the approximation used before the fit.
   */
  readonly neutral: number;
  /** Decimal places the fitted value is written with. */
  readonly digits: number;
  /** Why the bounds are where they are (sources). */
  readonly bounds: string;
  /** What it moves, and the target it is fitted to (a key of bench/calibrate.ts's targets). */
  readonly target: string;
}

/**
 * The free parameters, in fitting order. Each mostly moves one target, so a
 * coordinate-wise fit converges in a few rounds.
 */
export const CALIBRATION_PARAMS: readonly ParamSpec[] = Object.freeze([
  {
    key: "dmaLatencyNs",
    min: 100,
    max: 1500,
    unit: "ns",
    neutral: 500,
    digits: 0,
    bounds: "no public figure for mPIPE (docs/PAPER.md 'Costs with sources'). Lower: the " +
      "classifier alone has ~200 cycles (~170 ns at 1.2 GHz) per packet at wire speed, plus a " +
      "buffer-stack pop and a DMA into the L3. Upper: an on-chip engine should not be slower " +
      "than a PCIe NIC's DMA to host memory, ~0.5-1 us (PCIe round trips; approximation), with " +
      "margin",
    target: "netpipe",
  },
  {
    key: "stackScale",
    min: 0.5,
    max: 2,
    unit: "x",
    neutral: 1,
    digits: 3,
    bounds: "the per-segment costs in hw/costs/tilegx.ts are orders of magnitude for a lean " +
      "user-level stack on a 3-issue in-order core (instruction counts, L2 11 cycles, atomics " +
      "50, DRAM 80: GCC's TILE-Gx model, docs/PAPER.md); a factor of two either way",
    target: "web",
  },
  {
    key: "memcachedScale",
    min: 0.5,
    max: 25,
    unit: "x",
    neutral: 1,
    digits: 3,
    bounds: "the memcached fields of apps/common/costs.ts come to ~540 cycles per ETC get at " +
      "scale 1 (command dispatch, hashing a ~36 B key, a bucket walk, an LRU bump, statistics). " +
      "Lower 0.5 (~270 cycles: a handful of L2/L3 accesses at 11-80 cycles each; MICA, an " +
      "optimised key-value store, does a whole op, network I/O included, in ~210-245 ns of an " +
      "x86 core: ~500-640 cycles, docs/PAPER.md). Upper 25 (~13,500 cycles): the paper ran " +
      "stock memcached ('only IO, no improvements to core'), and IX running stock memcached " +
      "spends ~8-9K x86 core-cycles per request all in (IX, OSDI'14, derived in " +
      "docs/PAPER.md); taking all of it as memcached's own work and a 1.2 GHz in-order " +
      "TILE-Gx core retiring ~1.5x fewer instructions per cycle than the Xeon gives ~13,500",
    target: "memcached",
  },
]);

// BEGIN GENERATED: deno task calibrate (bench/calibrate.ts); do not edit by hand
/** The fitted values (docs/CALIBRATION.md "Fit"). */
export const FITTED_CALIBRATION: Calibration = Object.freeze({
  dmaLatencyNs: 1500,
  stackScale: 0.938,
  memcachedScale: 17.500,
});
// END GENERATED

/** The calibration every default cost table is built from: the fit. */
export const DEFAULT_CALIBRATION: Calibration = FITTED_CALIBRATION;

/** The spec of parameter `key`. */
export function paramSpec(key: CalibrationParam): ParamSpec {
  const p = CALIBRATION_PARAMS.find((s) => s.key === key);
  if (p === undefined) throw new Error(`unknown calibration parameter "${key}"`);
  return p;
}

/**
 * {@link DEFAULT_CALIBRATION} with `partial`'s values; throws a RangeError for
 * a value outside its parameter's bounds (or not finite), an Error for an
 * unknown key.
 */
export function resolveCalibration(partial: Partial<Calibration> = {}): Calibration {
  const out: Record<string, number> = { ...DEFAULT_CALIBRATION };
  for (const [k, v] of Object.entries(partial)) {
    const p = paramSpec(k as CalibrationParam);
    if (typeof v !== "number" || !Number.isFinite(v) || v < p.min || v > p.max) {
      throw new RangeError(
        `calibration "${k}" must be a number from ${p.min} to ${p.max}, got ${String(v)}`,
      );
    }
    out[k] = v;
  }
  return Object.freeze(out) as unknown as Calibration;
}
