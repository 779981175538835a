/**
 * wrk's option values (wrk.c parse_args, units.c scan_units @a211dd5), as a
 * pure function over argv. Errors are one-line strings.
 */
import { DEFAULT_TIMEOUT_MS, type WrkOptions } from "./connection.ts";
import { parseUrl } from "./http.ts";

const METRIC = { scale: 1000, base: "", units: ["k", "M", "G", "T", "P"] };
const TIME_S = { scale: 60, base: "s", units: ["m", "h"] };

/** units.c scan_units: an integer with an optional unit (case-insensitive); null if bad. */
function scanUnits(s: string, m: typeof METRIC): number | null {
  const r = /^\s*(\d+)([A-Za-z]{0,2})/.exec(s);
  if (r === null) return null;
  let scale = 1;
  const unit = r[2].toLowerCase();
  if (unit !== "" && unit !== m.base) {
    let i = 0;
    for (; i < m.units.length; i++) {
      scale *= m.scale;
      if (m.units[i].toLowerCase() === unit) break;
    }
    if (i === m.units.length) return null;
  }
  return Number(r[1]) * scale;
}

export const scanMetric = (s: string): number | null => scanUnits(s, METRIC);
export const scanTime = (s: string): number | null => scanUnits(s, TIME_S);

export interface WrkArgs {
  readonly options: WrkOptions;
  readonly url: string;
}

/** Parses `-c N -t N -d T --timeout T --latency <url>` (defaults 10, 2, 10s, 2s). */
export function parseWrkArgs(argv: readonly string[]): WrkArgs | string {
  let connections = 10, threads = 2, durationS = 10, timeoutMs = DEFAULT_TIMEOUT_MS;
  let latency = false;
  let url: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string | null => (i + 1 < argv.length ? argv[++i] : null);
    const num = (what: string, scan: (s: string) => number | null): number | string => {
      const v = value();
      const n = v === null ? null : scan(v);
      return n === null ? `bad ${what} value ${JSON.stringify(v)}` : n;
    };
    let r: number | string = 0;
    if (a === "-c" || a === "--connections") r = connections = num("-c", scanMetric) as number;
    else if (a === "-t" || a === "--threads") r = threads = num("-t", scanMetric) as number;
    else if (a === "-d" || a === "--duration") r = durationS = num("-d", scanTime) as number;
    else if (a === "--timeout" || a === "-T") {
      r = num("--timeout", scanTime);
      if (typeof r === "number") timeoutMs = r * 1000;
    } else if (a === "--latency" || a === "-L") latency = true;
    else if (a.startsWith("-")) return `unknown option ${a}`;
    else if (url === null) url = a;
    else return `unexpected argument ${a}`;
    if (typeof r === "string") return r;
  }
  if (url === null) return "missing URL";
  if (parseUrl(url) === null) return `invalid URL: ${url}`;
  if (!threads || !durationS) return "threads and duration must be > 0";
  if (!connections || connections < threads) return "number of connections must be >= threads";
  return { options: { connections, threads, durationS, timeoutMs, latency }, url };
}
