/**
 * Plain-text tables for terminal summaries: padded columns, a dashed rule
 * under the header, numbers right-aligned.
 *
 * ```ts
 * textTable(["mode", "req/s"], [["dlibos", "4,200,000"]]);
 * // mode    req/s
 * // ------  ---------
 * // dlibos  4,200,000
 * ```
 */

export type Align = "left" | "right";

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
