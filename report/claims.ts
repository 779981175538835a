/**
 * The paper's claims as data, and how an experiment records whether our
 * simulation reproduces each one.
 *
 * Source: docs/PAPER.md (the DLibOS ASPLOS 2018 abstract and
 * the 2017-11-21 slides). This module only *states* the claims; whether one
 * holds is decided by an experiment from its own measurements and recorded as
 * a {@link ClaimCheck}. Nothing here hard-codes a result.
 */

/** The paper's figure for a claim. */
export interface PaperFigure {
  /** Human-readable figure, e.g. "6 us" or "RTC better for web, worse for Memcached". */
  readonly text: string;
  /** The number, when the claim has one. */
  readonly value?: number;
  /** Unit of {@link value}, e.g. "us", "req/s", "%". */
  readonly unit?: string;
}

export interface Claim {
  /** Stable identifier, e.g. "netpipe-64b-dlibos". */
  readonly id: string;
  /** The claim in one sentence. */
  readonly text: string;
  /** Where the paper makes it (abstract, or the slide's title). */
  readonly where: string;
  readonly paper: PaperFigure;
  /** Which experiment is expected to check it. */
  readonly experiment: string;
}

/** One experiment's verdict on one claim. */
export interface ClaimCheck {
  /** The claim's id (see {@link PAPER_CLAIMS}). */
  readonly id: string;
  /** Our figure: a number (in the claim's unit) or a short text. */
  readonly ours: string | number;
  /** true / false once measured; null = not covered yet. */
  readonly holds: boolean | null;
  /** How it was measured or why it does not hold. */
  readonly note: string;
  /**
   * The verdict, when the experiment gives one ({@link verdictOf}); without
   * it the claims table derives one from {@link holds} and the figures.
   */
  readonly verdict?: Verdict;
}

/**
 * How a measured figure compares with the paper's: `reproduced` within the
 * claim's tolerance, `near` within {@link NEAR_TOLERANCE}, else `contradicted`.
 */
export type Verdict = "reproduced" | "near" | "contradicted";

/** A figure within this relative distance of the paper's (and outside the claim's tolerance) is "near". */
export const NEAR_TOLERANCE = 0.25;
/** Default tolerance for "reproduced" where a claim names none ("a few %" reads as 10%). */
export const REPRODUCED_TOLERANCE = 0.1;

/**
 * The verdict on a measured figure: reproduced within `tolerance` of the
 * paper's, near within {@link NEAR_TOLERANCE}, else contradicted.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { verdictOf } from "./claims.ts";
 *
 * assert.equal(verdictOf(4.0e6, 4.2e6, 0.1), "reproduced");
 * assert.equal(verdictOf(3.3e6, 4.2e6, 0.1), "near");
 * assert.equal(verdictOf(1.0e6, 4.2e6, 0.1), "contradicted");
 * ```
 */
export function verdictOf(ours: number, paper: number, tolerance = REPRODUCED_TOLERANCE): Verdict {
  if (checkWithin(ours, paper, tolerance)) return "reproduced";
  if (checkWithin(ours, paper, Math.max(tolerance, NEAR_TOLERANCE))) return "near";
  return "contradicted";
}

/** Million, for request and packet rates. */
const MILLION = 1_000_000;

/** The paper's claims, in the order the claims table lists them. */
export const PAPER_CLAIMS: readonly Claim[] = [
  {
    id: "netpipe-64b-dlibos",
    text: "NetPIPE one-way latency with a 64-byte TCP payload on DLibOS",
    where: 'slides "NetPIPE"',
    paper: { text: "6 us", value: 6, unit: "us" },
    experiment: "netpipe",
  },
  {
    id: "netpipe-64b-linux",
    text: "NetPIPE one-way latency with a 64-byte TCP payload on the Linux kernel stack",
    where: 'slides "NetPIPE"',
    paper: { text: "31 us", value: 31, unit: "us" },
    experiment: "netpipe",
  },
  {
    id: "webserver-dlibos",
    text: "In-memory webserver throughput on DLibOS",
    where: "abstract",
    paper: { text: "4.2 million requests/s", value: 4.2 * MILLION, unit: "req/s" },
    experiment: "webserver",
  },
  {
    id: "memcached-dlibos",
    text: "Memcached throughput on DLibOS",
    where: "abstract",
    paper: { text: "3.1 million requests/s", value: 3.1 * MILLION, unit: "req/s" },
    experiment: "memcached",
  },
  {
    id: "protection-cost",
    text: "Protection costs little: DLibOS is within a few percent of an unprotected RTC stack",
    where: 'abstract ("negligible cost")',
    paper: { text: "within a few %" },
    experiment: "webserver",
  },
  {
    id: "rtc-vs-dlibos",
    text: "RTC is better than DLibOS for the webserver and worse for Memcached",
    where: 'slides "RTC vs DLibOS"',
    paper: { text: "RTC better for web, worse for Memcached" },
    experiment: "memcached",
  },
  {
    id: "rtc-vs-dlibos-web",
    text:
      "RTC serves more webserver requests/s than DLibOS (it runs the application on all 36 cores)",
    where: 'slides "RTC vs DLibOS"',
    paper: { text: "RTC better for the webserver" },
    experiment: "webserver",
  },
  {
    id: "rtc-vs-dlibos-memcached",
    text: "RTC sustains less Memcached throughput at p99 <= 500 us than DLibOS",
    where: 'slides "RTC vs DLibOS"',
    paper: { text: "RTC worse for Memcached" },
    experiment: "memcached",
  },
  {
    id: "linux-sla",
    text: "Linux never meets the 99th percentile <= 500 us SLA at any load (shown at 5000 us)",
    where: 'slides "Memcached"',
    paper: { text: "never meets p99 <= 500 us" },
    experiment: "memcached",
  },
  {
    id: "kernel-lock-25pct",
    text: "Memcached on the kernel stack spends 25% of its time in kernel spinlocks",
    where: 'slides "Source of mismatch"',
    paper: { text: "25%", value: 25, unit: "%" },
    experiment: "memcached",
  },
  {
    id: "rtc-cores",
    text: "RTC uses 50% more cores for the application than DLibOS (36 vs 24)",
    where: 'slides "RTC vs DLibOS"',
    paper: { text: "36 vs 24 application cores", value: 36, unit: "cores" },
    experiment: "memcached",
  },
  {
    id: "fairness",
    text: "In RTC, network processing is starved of CPU by application work (no preemption)",
    where: 'slides "Memcached profiling"',
    paper: { text: "network processing starved under RTC" },
    experiment: "memcached",
  },
  {
    id: "kernel-memcached-tail",
    text: "Memcached tail latency on the kernel stack exceeds 20 ms",
    where: 'slides "Performance vs protection"',
    paper: { text: "> 20 ms", value: 20, unit: "ms" },
    experiment: "memcached",
  },
];

/** The claim with this id, or undefined. */
export function claimById(id: string, claims: readonly Claim[] = PAPER_CLAIMS): Claim | undefined {
  return claims.find((c) => c.id === id);
}

/**
 * True when `ours` is within a relative `tolerance` of `paper`
 * (|ours - paper| <= tolerance * |paper|; tolerance 0.25 = ±25%).
 */
export function checkWithin(ours: number, paper: number, tolerance: number): boolean {
  if (!(tolerance >= 0)) throw new RangeError(`tolerance must be >= 0, got ${tolerance}`);
  if (!Number.isFinite(ours) || !Number.isFinite(paper)) return false;
  return Math.abs(ours - paper) <= tolerance * Math.abs(paper);
}

/** Relative difference (ours - paper) / |paper|, or null when paper is 0. */
export function relativeDifference(ours: number, paper: number): number | null {
  return paper === 0 ? null : (ours - paper) / Math.abs(paper);
}

/** Percent digits in generated notes. */
const NOTE_PERCENT_DIGITS = 1;
/** Significant digits for our figure in generated notes. */
const NOTE_VALUE_DIGITS = 3;

/**
 * A check of a numeric claim against the paper's value with a relative
 * tolerance; the note says by how much we differ. Throws if the claim is
 * unknown or has no number.
 */
export function checkNumericClaim(
  id: string,
  ours: number,
  tolerance: number,
  how = "",
): ClaimCheck {
  const claim = claimById(id);
  if (claim === undefined) throw new Error(`unknown claim "${id}"`);
  const paper = claim.paper.value;
  if (paper === undefined) throw new Error(`claim "${id}" has no numeric figure`);
  const unit = claim.paper.unit ? ` ${claim.paper.unit}` : "";
  const rel = relativeDifference(ours, paper);
  const pct = (x: number) => `${(x * 100).toFixed(NOTE_PERCENT_DIGITS)}%`;
  const diff = rel === null ? "" : `${rel >= 0 ? "+" : ""}${pct(rel)}, `;
  const note =
    `ours ${Number(ours.toPrecision(NOTE_VALUE_DIGITS))}${unit} vs paper ${paper}${unit}` +
    ` (${diff}tolerance ±${pct(tolerance)})` + (how ? `; ${how}` : "");
  return { id, ours, holds: checkWithin(ours, paper, tolerance), note };
}

/** A placeholder for a claim no experiment has covered yet. */
export function notYet(id: string, note = "not covered yet"): ClaimCheck {
  return { id, ours: "-", holds: null, note };
}

/** One row of the claims table a report shows. */
export interface ClaimRow {
  readonly id: string;
  readonly text: string;
  readonly where: string;
  readonly paper: string;
  readonly ours: string;
  /** "yes", "no" or "not yet". */
  readonly holds: "yes" | "no" | "not yet";
  /** Reproduced, near, contradicted or not yet ({@link verdictText}). */
  readonly verdict: VerdictText;
  readonly note: string;
}

/** What the claims table shows for a claim: a verdict, or "not yet". */
export type VerdictText = Verdict | "not yet";

/**
 * A check's verdict: its own when it carries one; else from `holds` (true:
 * reproduced; false: near when its number is within {@link NEAR_TOLERANCE}
 * of the paper's figure, else contradicted; null: not yet).
 */
export function verdictText(
  c: ClaimCheck,
  claim: Claim | undefined = claimById(c.id),
): VerdictText {
  if (c.verdict !== undefined) return c.verdict;
  if (c.holds === null) return "not yet";
  if (c.holds) return "reproduced";
  const paper = claim?.paper.value;
  if (
    typeof c.ours === "number" && paper !== undefined && checkWithin(c.ours, paper, NEAR_TOLERANCE)
  ) {
    return "near";
  }
  return "contradicted";
}

/** A qualitative check: reproduced when `holds`, else contradicted. */
export function qualitativeCheck(
  id: string,
  holds: boolean,
  ours: string,
  note: string,
): ClaimCheck {
  return { id, ours, holds, note, verdict: holds ? "reproduced" : "contradicted" };
}

/**
 * A numeric check with a verdict ({@link verdictOf}): as
 * {@link checkNumericClaim}, holding when reproduced.
 */
export function numericVerdict(id: string, ours: number, tolerance: number, how = ""): ClaimCheck {
  const c = checkNumericClaim(id, ours, tolerance, how);
  return { ...c, verdict: verdictOf(ours, claimById(id)!.paper.value!, tolerance) };
}

/** Significant digits of a numeric "ours" in the claims table. */
const OURS_DIGITS = 4;

export function holdsText(h: boolean | null): ClaimRow["holds"] {
  return h === null ? "not yet" : h ? "yes" : "no";
}

function oursText(c: ClaimCheck, claim: Claim | undefined): string {
  if (typeof c.ours === "string") return c.ours;
  const unit = claim?.paper.unit ? ` ${claim.paper.unit}` : "";
  return `${Number(c.ours.toPrecision(OURS_DIGITS))}${unit}`;
}

/**
 * The claims table: with `include: "all"` (default) every paper claim in
 * {@link PAPER_CLAIMS} order, "not yet" where no check covers it, then checks
 * of ids the list does not know; with "checked" only claims that have a check.
 * When several checks name one claim, the last wins.
 */
export function claimRows(
  checks: readonly ClaimCheck[],
  opts: { include?: "all" | "checked"; claims?: readonly Claim[] } = {},
): ClaimRow[] {
  const claims = opts.claims ?? PAPER_CLAIMS;
  const include = opts.include ?? "all";
  const byId = new Map<string, ClaimCheck>();
  for (const c of checks) byId.set(c.id, c);
  const rows: ClaimRow[] = [];
  for (const claim of claims) {
    const c = byId.get(claim.id);
    if (c === undefined && include === "checked") continue;
    const check = c ?? notYet(claim.id);
    rows.push({
      id: claim.id,
      text: claim.text,
      where: claim.where,
      paper: claim.paper.text,
      ours: oursText(check, claim),
      holds: holdsText(check.holds),
      verdict: verdictText(check, claim),
      note: check.note,
    });
  }
  const known = new Set(claims.map((c) => c.id));
  for (const c of checks) {
    if (known.has(c.id) || byId.get(c.id) !== c) continue;
    rows.push({
      id: c.id,
      text: "(not a listed paper claim)",
      where: "-",
      paper: "-",
      ours: oursText(c, undefined),
      holds: holdsText(c.holds),
      verdict: verdictText(c, undefined),
      note: c.note,
    });
  }
  return rows;
}

/**
 * The paper's combined "RTC better for the webserver, worse for Memcached"
 * (`rtc-vs-dlibos`) from the two experiments' halves, or null unless
 * both were checked: reproduced when both halves are, else contradicted.
 */
export function combineRtcVsDlibos(checks: readonly ClaimCheck[]): ClaimCheck | null {
  const web = checks.findLast((c) => c.id === "rtc-vs-dlibos-web");
  const mc = checks.findLast((c) => c.id === "rtc-vs-dlibos-memcached");
  if (web === undefined || mc === undefined || web.holds === null || mc.holds === null) return null;
  const holds = web.holds && mc.holds;
  return {
    id: "rtc-vs-dlibos",
    ours: `web: ${web.ours}; Memcached: ${mc.ours}`,
    holds,
    verdict: holds ? "reproduced" : "contradicted",
    note: `webserver half ${web.holds ? "holds" : "does not hold"}, Memcached half ${
      mc.holds ? "holds" : "does not hold"
    }`,
  };
}
