/**
 * Offline chart rendering: Vega-Lite spec -> SVG string, plus builders for the
 * few chart kinds the reports need.
 *
 * Rendering compiles the spec with npm vega-lite and runs it in a headless
 * vega `View` (`renderer: "none"`, then `toSVG()`). No canvas package is
 * installed, so vega estimates text widths from font size instead of
 * measuring glyphs: label layout is approximate but deterministic and needs
 * no network, fonts or native code. Specs carry their data inline
 * (`data.values`), so a spec is a self-contained, re-plottable record. The
 * builders leave out `$schema` (a URL) so reports stay free of external links;
 * vega-lite does not need it.
 */
import * as vega from "vega";
import * as vegaLite from "vega-lite";
import type { JsonObject, JsonValue } from "./results.ts";

/** A Vega-Lite spec as plain JSON (so it can be embedded in a report). */
export type VegaLiteSpec = JsonObject;

/** A chart data row. */
export type Row = { readonly [field: string]: string | number | boolean | null };

/** Default plot area width in pixels. */
export const DEFAULT_WIDTH = 480;
/** Default plot area height in pixels. */
export const DEFAULT_HEIGHT = 280;

/** How {@link renderVegaLite} renders a spec. */
export interface RenderOptions {
  /** Receives vega-lite / vega warnings (default: dropped). */
  readonly warn?: (message: string) => void;
}

/** A vega logger that forwards warnings and errors to `warn`. */
function makeLogger(warn: (message: string) => void) {
  const fwd = (...args: readonly unknown[]) => warn(args.map(String).join(" "));
  let lvl = vega.Warn;
  const logger = {
    level(l?: number) {
      if (l === undefined) return lvl;
      lvl = l;
      return logger;
    },
    error: (...a: readonly unknown[]) => (fwd(...a), logger),
    warn: (...a: readonly unknown[]) => (fwd(...a), logger),
    info: () => logger,
    debug: () => logger,
  };
  return logger;
}

/**
 * Compiles a Vega-Lite spec and renders it to a standalone SVG string.
 * Deterministic: the same spec always gives the same SVG.
 */
export async function renderVegaLite(
  spec: VegaLiteSpec,
  opts: RenderOptions = {},
): Promise<string> {
  const warn = opts.warn ?? (() => {});
  // The type of a Vega-Lite spec is a deep union; specs here are plain JSON
  // checked by vega-lite itself at compile time.
  const compiled = vegaLite.compile(spec as unknown as vegaLite.TopLevelSpec, {
    logger: makeLogger(warn),
  });
  const view = new vega.View(vega.parse(compiled.spec), {
    renderer: "none",
    logger: makeLogger(warn),
  });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

// ---------------------------------------------------------------------------
// Spec builders

/** Axis scale: linear or logarithmic. */
export type ScaleKind = "linear" | "log";

/** Fields every chart has: its title, rows, and size in pixels. */
export interface ChartCommon {
  /** Chart title. */
  readonly title: string;
  /** The data rows. */
  readonly data: readonly Row[];
  /** Width in pixels (default {@link DEFAULT_WIDTH}). */
  readonly width?: number;
  /** Height in pixels (default {@link DEFAULT_HEIGHT}). */
  readonly height?: number;
}

/** A line chart's fields and axes (see {@link lineChart}). */
export interface LineChartOptions extends ChartCommon {
  /** Quantitative x field. */
  readonly x: string;
  /** Quantitative y field. */
  readonly y: string;
  /** Nominal field that splits the data into one line per value. */
  readonly color?: string;
  /** Nominal field drawn as dash pattern (e.g. a layout variant). */
  readonly dash?: string;
  /** Log scales need strictly positive values. */
  readonly xScale?: ScaleKind;
  /** Scale of the y axis (log needs strictly positive values). */
  readonly yScale?: ScaleKind;
  /** x axis title (default: the field name). */
  readonly xTitle?: string;
  /** y axis title (default: the field name). */
  readonly yTitle?: string;
  /** Mark each point (default true). */
  readonly points?: boolean;
  /**
   * Fields of the lower and upper bound of an interval around `y` (e.g. a 95%
   * confidence interval over seeds), drawn as a translucent band per line.
   */
  readonly band?: { readonly lo: string; readonly hi: string };
}

/** Opacity of a line chart's interval band. */
const BAND_OPACITY = 0.2;

function scale(kind: ScaleKind | undefined, zeroForLinear: boolean): JsonObject {
  return kind === "log" ? { type: "log" } : { type: "linear", zero: zeroForLinear };
}

function frame(o: ChartCommon): JsonObject {
  return {
    title: o.title,
    width: o.width ?? DEFAULT_WIDTH,
    height: o.height ?? DEFAULT_HEIGHT,
    data: { values: o.data as unknown as JsonValue[] },
  };
}

/** Rows pass through as-is; only fields that are set are written. */
function withDefined(obj: { [k: string]: JsonValue | undefined }): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(obj)) if (v !== undefined) out[k] = v;
  return out;
}

/** One line per `color` value, x and y quantitative (e.g. latency vs message size). */
export function lineChart(o: LineChartOptions): VegaLiteSpec {
  const x = {
    field: o.x,
    type: "quantitative",
    title: o.xTitle ?? o.x,
    scale: scale(o.xScale, false),
  };
  const y = {
    field: o.y,
    type: "quantitative",
    title: o.yTitle ?? o.y,
    scale: scale(o.yScale, true),
  };
  const color = o.color === undefined ? undefined : { field: o.color, type: "nominal" };
  const line = {
    mark: { type: "line", point: o.points ?? true },
    encoding: withDefined({
      x,
      y,
      color,
      strokeDash: o.dash === undefined ? undefined : { field: o.dash, type: "nominal" },
    }),
  };
  if (o.band === undefined) return { ...frame(o), ...line };
  const band = {
    mark: { type: "area", opacity: BAND_OPACITY },
    encoding: withDefined({
      x,
      y: { ...y, field: o.band.lo },
      y2: { field: o.band.hi },
      color,
    }),
  };
  return { ...frame(o), layer: [band, line] };
}

/** A bar chart's fields and axes (see {@link barChart}). */
export interface BarChartOptions extends ChartCommon {
  /** Nominal category on the x axis (e.g. mode). */
  readonly x: string;
  /** Quantitative bar height. */
  readonly y: string;
  /** Nominal field: bars side by side within each x category. */
  readonly color?: string;
  /** Scale of the y axis. */
  readonly yScale?: ScaleKind;
  /** x axis title (default: the field name). */
  readonly xTitle?: string;
  /** y axis title (default: the field name). */
  readonly yTitle?: string;
  /** Sort order of the x categories (default: order of first appearance in data). */
  readonly xOrder?: readonly string[];
}

/** Order of first appearance of a field's values: a deterministic default sort. */
function appearanceOrder(data: readonly Row[], field: string): string[] {
  const seen: string[] = [];
  for (const r of data) {
    const v = String(r[field]);
    if (!seen.includes(v)) seen.push(v);
  }
  return seen;
}

/** Bars (grouped by `color` when given). */
export function barChart(o: BarChartOptions): VegaLiteSpec {
  const xOrder = o.xOrder ?? appearanceOrder(o.data, o.x);
  return {
    ...frame(o),
    mark: { type: "bar" },
    encoding: withDefined({
      x: {
        field: o.x,
        type: "nominal",
        title: o.xTitle ?? o.x,
        sort: [...xOrder],
        axis: { labelAngle: 0 },
      },
      y: {
        field: o.y,
        type: "quantitative",
        title: o.yTitle ?? o.y,
        scale: scale(o.yScale, true),
      },
      color: o.color === undefined ? undefined : {
        field: o.color,
        type: "nominal",
        sort: appearanceOrder(o.data, o.color),
      },
      xOffset: o.color === undefined ? undefined : {
        field: o.color,
        type: "nominal",
        sort: appearanceOrder(o.data, o.color),
      },
    }),
  };
}

/** A stacked bar chart's fields and axes (see {@link stackedBarChart}). */
export interface StackedBarChartOptions extends ChartCommon {
  /** Nominal bar (e.g. core id). */
  readonly x: string;
  /** Quantitative amount (e.g. busy time). */
  readonly y: string;
  /** Nominal category stacked within each bar (e.g. "tcp", "app", "idle"). */
  readonly stack: string;
  /** x axis title (default: the field name). */
  readonly xTitle?: string;
  /** y axis title (default: the field name). */
  readonly yTitle?: string;
  /** Stack as fractions of each bar's total (default false). */
  readonly normalize?: boolean;
  /** Order of the bars (default: first appearance). */
  readonly xOrder?: readonly string[];
  /** Order of the stacked categories (default: first appearance). */
  readonly stackOrder?: readonly string[];
  /** Angle of the bar labels in degrees (default 0; e.g. -30 for long labels). */
  readonly labelAngle?: number;
}

/** Stacked bars, e.g. per-core time broken down by category. */
export function stackedBarChart(o: StackedBarChartOptions): VegaLiteSpec {
  const xOrder = o.xOrder ?? appearanceOrder(o.data, o.x);
  const stackOrder = o.stackOrder ?? appearanceOrder(o.data, o.stack);
  return {
    ...frame(o),
    // Each stack category's position in stackOrder, so stacking order is explicit.
    transform: [{
      calculate: `indexof(${JSON.stringify(stackOrder)}, datum[${JSON.stringify(o.stack)}])`,
      as: "__stack_order",
    }],
    mark: { type: "bar" },
    encoding: {
      x: {
        field: o.x,
        type: "nominal",
        title: o.xTitle ?? o.x,
        sort: [...xOrder],
        axis: { labelAngle: o.labelAngle ?? 0 },
      },
      y: {
        field: o.y,
        type: "quantitative",
        title: o.yTitle ?? o.y,
        stack: o.normalize ? "normalize" : "zero",
      },
      // Twenty distinct colours: profiles have up to a dozen categories.
      color: {
        field: o.stack,
        type: "nominal",
        sort: [...stackOrder],
        scale: { scheme: "tableau20" },
      },
      order: { field: "__stack_order", type: "quantitative" },
    },
  };
}
