/**
 * Self-contained HTML reports: prose, inline SVG charts, tables and the
 * claims table in one file that renders with no network access.
 *
 * The page has no scripts, no external URLs, no web fonts. Every chart's
 * Vega-Lite spec, data included, is embedded next to it as
 * `<script type="application/json" class="vega-lite-spec">` (inert: browsers
 * do not run it), with `<`, `>`, `&` and U+2028/2029 written as `\uXXXX`
 * escapes so no text in the data can close the element. All other text is
 * HTML-escaped.
 */
import { type ClaimCheck, claimRows } from "./claims.ts";
import {
  ensureParentDir,
  flattenJson,
  type JsonObject,
  provenanceEntries,
  type ResultsMeta,
} from "./results.ts";
import { renderVegaLite, type VegaLiteSpec } from "./vega.ts";
import { formatNumber } from "./text.ts";

export { formatNumber, TABLE_SIGNIFICANT_DIGITS } from "./text.ts";

/** A table cell value. */
export type Cell = string | number | boolean | null;

/** A table column: its label and number format. */
export interface Column {
  /** Column heading. */
  readonly label: string;
  /** Fixed decimals for numbers in this column (default: see {@link formatNumber}). */
  readonly digits?: number;
  /** Default: right for columns whose cells are all numbers, else left. */
  readonly align?: "left" | "right";
  /** Extra CSS class on this column's cells. */
  readonly className?: string;
}

/** Shown for a null cell. */
const EMPTY_CELL = "-";

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** JSON that is safe inside a `<script>` element (parses back to the same value). */
export function jsonForScript(v: unknown, indent?: number): string {
  return JSON.stringify(v, null, indent)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

export function formatCell(v: Cell, digits?: number): string {
  if (v === null) return EMPTY_CELL;
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (typeof v === "number") return formatNumber(v, digits);
  return v;
}

/**
 * Prose: paragraphs separated by blank lines; `backticks` become <code>.
 * Everything else is escaped text.
 */
function proseHtml(text: string): string {
  return text.trim().split(/\n\s*\n/).filter((p) => p.trim() !== "").map((p) => {
    const parts = p.trim().split("`");
    const inner = parts.map((s, i) => i % 2 === 1 ? `<code>${escapeHtml(s)}</code>` : escapeHtml(s))
      .join("");
    return `<p>${inner}</p>`;
  }).join("\n");
}

/** The spec as embedded: without `$schema` (a URL the page must not carry). */
function embeddableSpec(spec: VegaLiteSpec): VegaLiteSpec {
  const { $schema: _ignored, ...rest } = spec;
  return rest;
}

export function tableHtml(
  columns: readonly (string | Column)[],
  rows: readonly (readonly Cell[])[],
  caption?: string,
  rowClasses?: readonly string[],
): string {
  const cols: Column[] = columns.map((c) => typeof c === "string" ? { label: c } : c);
  rows.forEach((r, i) => {
    if (r.length !== cols.length) {
      throw new Error(`table row ${i} has ${r.length} cells for ${cols.length} columns`);
    }
  });
  const align = cols.map((c, j) =>
    c.align ??
      (rows.length > 0 && rows.every((r) => typeof r[j] === "number" || r[j] === null)
        ? "right"
        : "left")
  );
  const cellClass = cols.map((c, j) =>
    escapeHtml(c.className ? `${align[j]} ${c.className}` : align[j])
  );
  const head = cols.map((c, j) => `<th class="${align[j]}">${escapeHtml(c.label)}</th>`).join("");
  const body = rows.map((r, i) => {
    const cls = rowClasses?.[i] ? ` class="${escapeHtml(rowClasses[i])}"` : "";
    const cells = r.map((v, j) =>
      `<td class="${cellClass[j]}">${escapeHtml(formatCell(v, cols[j].digits))}</td>`
    ).join("");
    return `<tr${cls}>${cells}</tr>`;
  }).join("\n");
  const cap = caption ? `<caption>${escapeHtml(caption)}</caption>` : "";
  return `<table>${cap}<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody></table>`;
}

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.3rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
.meta{font-size:.85rem;color:#555}.meta td{padding:.05rem .8rem .05rem 0}.meta td:first-child{font-weight:600}
nav{font-size:.9rem}nav ol{padding-left:1.2rem}
figure{margin:1.2rem 0}figure svg{max-width:100%;height:auto}figcaption{font-size:.9rem;color:#444}
table{border-collapse:collapse;margin:1rem 0;font-size:.88rem}caption{text-align:left;font-weight:600;padding:.3rem 0}
th,td{border-bottom:1px solid #e3e3e3;padding:.25rem .6rem;vertical-align:top}th{background:#f6f6f6}
.right{text-align:right;font-variant-numeric:tabular-nums}.left{text-align:left}
tr.reproduced td.holds{color:#176f2c;font-weight:600}tr.near td.holds{color:#8a5a00;font-weight:600}tr.contradicted td.holds{color:#b3261e;font-weight:600}tr.notyet td.holds{color:#777}
code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85em}pre{background:#f6f6f6;padding:.6rem;overflow:auto}
details{margin:.4rem 0}summary{cursor:pointer;font-size:.85rem;color:#555}
`.trim();

function isResultsMeta(x: object): x is ResultsMeta {
  return "commit" in x && "wallSeconds" in x && "date" in x && "deno" in x;
}

interface Section {
  readonly title: string;
  readonly blocks: string[];
}

/** How {@link ReportBuilder.chart} shows a chart. */
export interface ChartOptions {
  /** Also show the spec as readable JSON in a collapsed <details> (default false). */
  readonly showSpec?: boolean;
}

/** Builds one HTML report. Blocks added before the first section go above all sections. */
export class ReportBuilder {
  private readonly metaRows: [string, string][] = [];
  private readonly intro: string[] = [];
  private readonly sections: Section[] = [];
  private charts = 0;

  /** A report titled `title`. */
  constructor(readonly title: string) {}

  /**
   * Adds entries to the header's run information. A results file's meta
   * block is shown as its provenance: commit (and whether the tree had
   * uncommitted changes), date, Deno version, machine, seeds, wall time.
   */
  meta(entries: ResultsMeta | { readonly [key: string]: string | number }): this {
    if (isResultsMeta(entries)) {
      this.metaRows.push(...provenanceEntries(entries));
      return this;
    }
    for (const [k, v] of Object.entries(entries)) {
      this.metaRows.push([k, typeof v === "number" ? formatNumber(v) : String(v)]);
    }
    return this;
  }

  /** Starts a new section; later blocks go into it. */
  section(title: string, prose?: string): this {
    this.sections.push({ title, blocks: [] });
    if (prose !== undefined) this.prose(prose);
    return this;
  }

  /** Appends `html` to the current section (or the introduction). */
  private add(html: string): this {
    const cur = this.sections.at(-1);
    (cur ? cur.blocks : this.intro).push(html);
    return this;
  }

  /** Adds a paragraph of prose. */
  prose(text: string): this {
    return this.add(proseHtml(text));
  }

  /** A chart already rendered to SVG (by {@link renderVegaLite}) from `spec`. */
  chart(spec: VegaLiteSpec, svg: string, caption?: string, opts: ChartOptions = {}): this {
    if (!svg.trimStart().startsWith("<svg")) throw new Error("chart: svg must be an <svg> element");
    const n = ++this.charts;
    const id = `chart-${n}`;
    const embedded = embeddableSpec(spec);
    const parts = [
      `<figure id="${id}">`,
      svg.trim(),
      caption ? `<figcaption>Figure ${n}. ${escapeHtml(caption)}</figcaption>` : "",
      `<script type="application/json" class="vega-lite-spec" id="${id}-spec">${
        jsonForScript(embedded)
      }</script>`,
      opts.showSpec
        ? `<details><summary>Vega-Lite spec and data</summary><pre>${
          escapeHtml(JSON.stringify(embedded, null, 2))
        }</pre></details>`
        : "",
      `</figure>`,
    ];
    return this.add(parts.filter((p) => p !== "").join("\n"));
  }

  /** Renders `spec` with {@link renderVegaLite} and adds it. */
  async chartFromSpec(
    spec: VegaLiteSpec,
    caption?: string,
    opts: ChartOptions = {},
  ): Promise<this> {
    return this.chart(spec, await renderVegaLite(spec), caption, opts);
  }

  /** Adds a table of `rows` under `columns`, with an optional caption. */
  table(
    columns: readonly (string | Column)[],
    rows: readonly (readonly Cell[])[],
    caption?: string,
  ): this {
    return this.add(tableHtml(columns, rows, caption));
  }

  /** A two-column table of a run's configuration (dotted paths, JSON values). */
  config(config: JsonObject, caption = "Configuration"): this {
    return this.table(["setting", "value"], flattenJson(config), caption);
  }

  /**
   * The claims table (paper figure, our figure, verdict: reproduced / near / contradicted / not yet).
   * `include: "all"` (default) lists every paper claim.
   */
  claims(checks: readonly ClaimCheck[], opts: { include?: "all" | "checked" } = {}): this {
    const rows = claimRows(checks, opts);
    const cols: Column[] = [
      { label: "Claim" },
      { label: "Where" },
      { label: "Paper" },
      { label: "Ours" },
      { label: "Verdict", className: "holds" },
      { label: "Note" },
    ];
    return this.add(tableHtml(
      cols,
      rows.map((r) => [`${r.id}: ${r.text}`, r.where, r.paper, r.ours, r.verdict, r.note]),
      "Paper claims",
      rows.map((r) => r.verdict.replace(" ", "")),
    ));
  }

  /** The whole report as one self-contained HTML page. */
  toHtml(): string {
    const meta = this.metaRows.length === 0
      ? ""
      : `<table class="meta"><tbody>${
        this.metaRows.map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${escapeHtml(v)}</td></tr>`)
          .join("")
      }</tbody></table>`;
    const nav = this.sections.length < 2
      ? ""
      : `<nav><ol>${
        this.sections.map((s, i) => `<li><a href="#s${i + 1}">${escapeHtml(s.title)}</a></li>`)
          .join("")
      }</ol></nav>`;
    const sections = this.sections.map((s, i) =>
      `<section id="s${i + 1}">\n<h2>${escapeHtml(s.title)}</h2>\n${
        s.blocks.join("\n")
      }\n</section>`
    );
    return [
      "<!DOCTYPE html>",
      '<html lang="en">',
      "<head>",
      '<meta charset="utf-8">',
      '<meta name="viewport" content="width=device-width, initial-scale=1">',
      `<title>${escapeHtml(this.title)}</title>`,
      `<style>${CSS}</style>`,
      "</head>",
      "<body>",
      `<header><h1>${escapeHtml(this.title)}</h1>${meta}</header>`,
      nav,
      ...this.intro,
      ...sections,
      "</body>",
      "</html>",
    ].filter((l) => l !== "").join("\n") + "\n";
  }

  /** Writes the report to `path`, creating parent directories. */
  async writeHtml(path: string): Promise<void> {
    await ensureParentDir(path);
    await Deno.writeTextFile(path, this.toHtml());
  }
}
