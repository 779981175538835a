/**
 * Text formatting shared by terminal summaries and HTML reports: numbers
 * formatted one way everywhere ({@link formatNumber}) and plain-text tables
 * (padded columns, a dashed rule under the header, numbers right-aligned).
 *
 * ```ts
 * textTable(["mode", "req/s"], [["dlibos", "4,200,000"]]);
 * // mode    req/s
 * // ------  ---------
 * // dlibos  4,200,000
 * ```
 */

export type Align = "left" | "right";

/** Significant digits of non-integer numbers in tables by default. */
export const TABLE_SIGNIFICANT_DIGITS = 4;
/** Numbers at least this large are shown rounded to an integer. */
const INTEGER_DISPLAY_THRESHOLD = 1000;
/** Numbers smaller than this (and non-zero) are shown in exponent notation. */
const EXPONENT_DISPLAY_THRESHOLD = 1e-4;
/** Digits after the point in exponent notation. */
const EXPONENT_DIGITS = 2;

/** Inserts "," thousands separators into a digit string (locale-independent). */
function group(intDigits: string): string {
  return intDigits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

function groupFixed(s: string): string {
  const neg = s.startsWith("-");
  const body = neg ? s.slice(1) : s;
  const [i, f] = body.split(".");
  return (neg ? "-" : "") + group(i) + (f === undefined ? "" : `.${f}`);
}

/**
 * Formats a number for a table, the same way everywhere: with `digits`, fixed
 * decimals; otherwise integers exactly, |x| >= 1000 rounded to an integer,
 * smaller numbers to {@link TABLE_SIGNIFICANT_DIGITS} significant digits, and
 * tiny ones in exponent notation. Thousands are separated by ",".
 */
export function formatNumber(x: number, digits?: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Object.is(x, -0)) x = 0;
  if (digits !== undefined) return groupFixed(x.toFixed(digits));
  if (Number.isInteger(x) || Math.abs(x) >= INTEGER_DISPLAY_THRESHOLD) {
    return groupFixed(Math.round(x).toFixed(0));
  }
  if (Math.abs(x) < EXPONENT_DISPLAY_THRESHOLD) return x.toExponential(EXPONENT_DIGITS);
  return String(Number(x.toPrecision(TABLE_SIGNIFICANT_DIGITS)));
}

/** Cells that look like numbers (with separators, sign, unit-less percent) are right-aligned by default. */
const NUMERIC_CELL = /^[+-]?[\d,]*\.?\d+(e[+-]?\d+)?%?$|^-$/;

/** The table as lines joined by "\n" (no trailing newline). */
export function textTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  align?: readonly Align[],
): string {
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const aligns = header.map((_, j) =>
    align?.[j] ??
      (rows.length > 0 && rows.every((r) => NUMERIC_CELL.test(r[j])) ? "right" : "left")
  );
  const cell = (x: string, j: number) =>
    aligns[j] === "right" ? x.padStart(widths[j]) : x.padEnd(widths[j]);
  const line = (r: readonly string[]) => r.map(cell).join("  ").trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
