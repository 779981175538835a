/**
 * Progress reporting for long runs, on stderr.
 *
 * Uses wall time, which is fine here: it is user interface, never model
 * state, and nothing it prints goes into a results file. On a terminal the
 * line is redrawn in place at most every {@link TTY_INTERVAL_MS}; otherwise
 * (a pipe, CI logs) one plain line is written at most every
 * {@link PLAIN_INTERVAL_MS}. `done()` always writes a final summary line.
 * Quiet mode writes nothing.
 */

/** Minimum wall time between redraws on a terminal (ms). */
export const TTY_INTERVAL_MS = 200;
/** Minimum wall time between lines when not a terminal (ms): keeps logs short. */
export const PLAIN_INTERVAL_MS = 2000;
/** Milliseconds per second. */
const MS_PER_SEC = 1000;
/** ANSI: carriage return and clear to end of line. */
const CLEAR_LINE = "\r\x1b[K";
/** Percent decimals shown. */
const PERCENT_DECIMALS = 0;

export interface ProgressOptions {
  /** Print nothing at all. */
  readonly quiet?: boolean;
  /** Redraw in place (default: whether stderr is a terminal). */
  readonly tty?: boolean;
  /** Output sink (default: stderr). */
  readonly write?: (text: string) => void;
  /** Wall clock in ms (default: performance.now). */
  readonly now?: () => number;
  /** Override the minimum interval between updates (ms). */
  readonly intervalMs?: number;
}

const encoder = new TextEncoder();

function writeStderr(text: string): void {
  const bytes = encoder.encode(text);
  let off = 0;
  while (off < bytes.length) off += Deno.stderr.writeSync(bytes.subarray(off));
}

function stderrIsTty(): boolean {
  try {
    return Deno.stderr.isTerminal();
  } catch {
    return false;
  }
}

/** Seconds for humans: "4.2 s", "3 min 05 s". */
export function formatSeconds(sec: number): string {
  const SEC_PER_MIN = 60;
  if (sec < SEC_PER_MIN) return `${sec.toFixed(1)} s`;
  const m = Math.floor(sec / SEC_PER_MIN);
  const s = Math.round(sec - m * SEC_PER_MIN);
  return `${m} min ${String(s).padStart(2, "0")} s`;
}

export class Progress {
  private readonly write: (text: string) => void;
  private readonly now: () => number;
  private readonly tty: boolean;
  private readonly quiet: boolean;
  private readonly interval: number;
  private readonly start: number;
  private lastPrint = -Infinity;
  private units = 0;
  private finished = false;
  private drawn = false;

  /** `total` work units (0 or less = unknown); `label` prefixes every line. */
  constructor(readonly total: number, readonly label: string, opts: ProgressOptions = {}) {
    this.write = opts.write ?? writeStderr;
    this.now = opts.now ?? (() => performance.now());
    this.tty = opts.tty ?? stderrIsTty();
    this.quiet = opts.quiet ?? false;
    this.interval = opts.intervalMs ?? (this.tty ? TTY_INTERVAL_MS : PLAIN_INTERVAL_MS);
    this.start = this.now();
  }

  /** Units done so far. */
  get completed(): number {
    return this.units;
  }

  /** Records `n` more units done; prints if the interval has passed. */
  tick(n = 1, detail?: string): void {
    this.units += n;
    if (this.quiet || this.finished) return;
    const t = this.now();
    if (t - this.lastPrint < this.interval) return;
    this.lastPrint = t;
    const line = this.statusLine(t, detail);
    if (this.tty) {
      this.write(CLEAR_LINE + line);
      this.drawn = true;
    } else {
      this.write(line + "\n");
    }
  }

  /** Writes the final summary line (once). */
  done(summary?: string): void {
    if (this.finished) return;
    this.finished = true;
    if (this.quiet) return;
    const elapsed = (this.now() - this.start) / MS_PER_SEC;
    const count = this.total > 0 ? `${this.units}/${this.total}` : `${this.units}`;
    const line = `${this.label}: done ${count} in ${formatSeconds(elapsed)}` +
      (summary ? ` - ${summary}` : "");
    this.write((this.tty && this.drawn ? CLEAR_LINE : "") + line + "\n");
  }

  private statusLine(t: number, detail?: string): string {
    const elapsed = (t - this.start) / MS_PER_SEC;
    const parts = [`${this.label}:`];
    if (this.total > 0) {
      const frac = Math.min(1, this.units / this.total);
      parts.push(`${this.units}/${this.total} (${(frac * 100).toFixed(PERCENT_DECIMALS)}%)`);
      if (frac > 0 && frac < 1 && elapsed > 0) {
        parts.push(`eta ${formatSeconds((elapsed * (1 - frac)) / frac)}`);
      }
    } else {
      parts.push(`${this.units}`);
    }
    parts.push(`elapsed ${formatSeconds(elapsed)}`);
    if (detail) parts.push(`- ${detail}`);
    return parts.join(" ");
  }
}
