/**
 * Cycle costs of application work (Memcached and the webserver).
 *
 * One overridable table: every number here is an APPROXIMATION of the work a
 * lean C implementation does on a TILE-Gx core (in-order, 1.0-1.2 GHz), chosen
 * as plausible placeholders to be calibrated against the paper's throughput
 * figures (see docs/APPS.md). A hosting mode passes overrides (for example
 * NGINX-like per-request costs for the Linux baseline's webserver) through
 * {@link resolveAppCosts}.
 *
 * Application logic is charged to the "app" category, byte copies to "copy".
 *
 * Memcached's own per-request work ({@link MEMCACHED_COST_KEYS}) is scaled by
 * the calibrated `memcachedScale` (hw/costs/calibration.ts, fitted to the
 * paper's 3.1 M requests/s): {@link appCosts} builds the table from a
 * calibration, and {@link DEFAULT_APP_COSTS} is the fitted one's.
 */
import type { WorkContext } from "../../core/work.ts";
import { type Calibration, DEFAULT_CALIBRATION } from "../../hw/costs/calibration.ts";

export interface AppCosts {
  // ---- common ----
  /** Per socket event handled (dispatch, connection lookup). */
  readonly eventBase: number;
  /** Per accepted connection (state set-up). */
  readonly connSetup: number;
  /** Per connection torn down (state release). */
  readonly connTeardown: number;
  /** Per request byte scanned for line ends and tokens. */
  readonly parsePerByte: number;
  /** Per byte copied by the CPU (partial requests, values into items); category "copy". */
  readonly copyPerByte: number;
  /** Per `send` command issued (building the reference list). */
  readonly sendBase: number;
  /** Per response element queued (one iovec / BufRef). */
  readonly responsePart: number;
  /** Per byte of response text formatted on the fly (numbers, stats, CAS). */
  readonly formatPerByte: number;
  /** Per `data_acked` handled (releasing the references of one send). */
  readonly ackRelease: number;

  // ---- memcached ----
  /** Per command dispatched (tokenizing, command lookup, argument checks). */
  readonly commandBase: number;
  /** Hash function set-up per key. */
  readonly hashBase: number;
  /** Hash function per key byte. */
  readonly hashPerKeyByte: number;
  /** Hash-table probe: bucket walk and key compare (assoc_find). */
  readonly tableLookup: number;
  /** Hash-table insert or delete (assoc_insert / assoc_delete). */
  readonly tableUpdate: number;
  /** One LRU list operation (link, unlink or bump). */
  readonly lruUpdate: number;
  /** One slab allocation or free (slabs_alloc / slabs_free). */
  readonly slabOp: number;
  /** Initialising a new item (header, suffix). */
  readonly itemInit: number;
  /** One update of the shared (global) statistics. */
  readonly statsUpdate: number;
  /** One update of per-thread statistics (no lock). */
  readonly threadStats: number;
  /** Examining one LRU tail candidate for reclaim or eviction. */
  readonly lruTailCheck: number;

  // ---- webserver ----
  /** Per HTTP request (request-line parse, method and version checks). */
  readonly httpRequestBase: number;
  /** Per HTTP header line (name match, value parse). */
  readonly httpHeaderLine: number;
  /** Path normalisation and file lookup. */
  readonly httpLookup: number;
  /** Per response chosen and queued (status selection, connection header). */
  readonly httpResponse: number;
}

/**
 * Memcached's per-request work (the "memcached" fields of {@link AppCosts}):
 * what {@link Calibration.memcachedScale} scales. The common fields (events,
 * parsing, copies, sends) and the webserver's are not scaled.
 */
export const MEMCACHED_COST_KEYS = [
  "commandBase",
  "hashBase",
  "hashPerKeyByte",
  "tableLookup",
  "tableUpdate",
  "lruUpdate",
  "slabOp",
  "itemInit",
  "statsUpdate",
  "threadStats",
  "lruTailCheck",
] as const satisfies readonly (keyof AppCosts)[];

/**
 * The table before calibration (cycles; memcached's fields at scale 1).
 * Sources: none measured; orders of magnitude from typical instruction counts
 * of memcached 1.4 / a minimal HTTP server on an in-order core.
 */
export const BASE_APP_COSTS: AppCosts = Object.freeze({
  eventBase: 60,
  connSetup: 400,
  connTeardown: 300,
  parsePerByte: 2,
  // ~8 bytes per cycle memcpy on a 64-bit core with warm caches (approximation).
  copyPerByte: 0.125,
  sendBase: 80,
  responsePart: 20,
  formatPerByte: 4,
  ackRelease: 40,

  commandBase: 250,
  hashBase: 30,
  hashPerKeyByte: 2,
  tableLookup: 80,
  tableUpdate: 100,
  lruUpdate: 60,
  slabOp: 80,
  itemInit: 120,
  statsUpdate: 30,
  threadStats: 15,
  lruTailCheck: 30,

  httpRequestBase: 400,
  httpHeaderLine: 60,
  httpLookup: 150,
  httpResponse: 120,
});

/**
 * The application costs of calibration `cal`: {@link BASE_APP_COSTS} with
 * the {@link MEMCACHED_COST_KEYS} times `cal.memcachedScale`.
 *
 * @example Only Memcached's own work follows the scale
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveCalibration } from "../../hw/costs/calibration.ts";
 * import { appCosts, BASE_APP_COSTS } from "./costs.ts";
 *
 * const c = appCosts(resolveCalibration({ memcachedScale: 2 }));
 * assert.equal(c.tableLookup, 2 * BASE_APP_COSTS.tableLookup);
 * assert.equal(c.httpRequestBase, BASE_APP_COSTS.httpRequestBase);
 * ```
 */
export function appCosts(cal: Calibration): AppCosts {
  const out: Record<string, number> = { ...BASE_APP_COSTS };
  for (const k of MEMCACHED_COST_KEYS) out[k] = BASE_APP_COSTS[k] * cal.memcachedScale;
  return Object.freeze(out) as unknown as AppCosts;
}

/** Default application costs (cycles): the fitted calibration's (docs/CALIBRATION.md). */
export const DEFAULT_APP_COSTS: AppCosts = appCosts(DEFAULT_CALIBRATION);

/**
 * Merges overrides into `base` (default {@link DEFAULT_APP_COSTS}); rejects
 * negative or non-finite costs.
 */
export function resolveAppCosts(
  overrides: Partial<AppCosts> = {},
  base: AppCosts = DEFAULT_APP_COSTS,
): AppCosts {
  const out: Record<string, number> = { ...base };
  for (const [k, v] of Object.entries(overrides)) {
    if (!(k in DEFAULT_APP_COSTS)) throw new Error(`unknown app cost "${k}"`);
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
      throw new RangeError(`app cost "${k}" must be a finite non-negative number, got ${v}`);
    }
    out[k] = v;
  }
  return Object.freeze(out) as unknown as AppCosts;
}

/** Charges `cycles` (rounded up to whole cycles) of application work. */
export function chargeApp(ctx: WorkContext, cycles: number): void {
  if (cycles > 0) ctx.charge("app", Math.ceil(cycles));
}

/** Charges a CPU copy of `bytes` bytes. */
export function chargeCopy(ctx: WorkContext, costs: AppCosts, bytes: number): void {
  if (bytes > 0) ctx.charge("copy", Math.ceil(bytes * costs.copyPerByte));
}
