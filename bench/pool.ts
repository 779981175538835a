/**
 * Runs points (bench/plan.ts) side by side on a pool of Workers.
 *
 * Each Worker (bench/pool_worker.ts) loads the experiment registry once and
 * then runs one point after another, so start-up is paid once per Worker,
 * not per point. Points are handed out in plan order as Workers become free;
 * results come back in plan order whatever finished first, so anything
 * assembled from them is identical for every `jobs` value (a point is a pure
 * function of its spec, and structured cloning keeps every number exact).
 */
import type { PointResult, PointSpec } from "./plan.ts";

/** How {@link runPoints} runs. */
export interface PoolOptions {
  /** Workers (default: `navigator.hardwareConcurrency`); never more than there are points. */
  readonly jobs?: number;
  /** Called after each point, in completion order. */
  readonly onProgress?: (done: number, total: number, spec: PointSpec, result: PointResult) => void;
}

/** Workers by default: one per logical core. */
export function defaultJobs(): number {
  return Math.max(1, navigator.hardwareConcurrency ?? 1);
}

interface Reply {
  readonly index: number;
  readonly result?: PointResult;
  readonly error?: string;
}

/**
 * Runs every spec on `jobs` Workers and returns the results in the order of
 * `specs`. The first failing point stops the pool and rejects with an Error
 * naming it.
 */
export function runPoints(
  specs: readonly PointSpec[],
  opts: PoolOptions = {},
): Promise<PointResult[]> {
  const total = specs.length;
  if (total === 0) return Promise.resolve([]);
  const jobs = Math.min(total, Math.max(1, Math.floor(opts.jobs ?? defaultJobs())));
  const results: (PointResult | undefined)[] = new Array(total);
  const workers: Worker[] = [];
  let next = 0;
  let done = 0;
  return new Promise<PointResult[]>((resolve, reject) => {
    let settled = false;
    const stop = () => {
      settled = true;
      for (const w of workers) w.terminate();
    };
    const fail = (msg: string) => {
      if (settled) return;
      stop();
      reject(new Error(msg));
    };
    const feed = (w: Worker) => {
      if (next < total) {
        const index = next++;
        w.postMessage({ index, spec: specs[index] });
      }
    };
    for (let i = 0; i < jobs; i++) {
      const w = new Worker(new URL("./pool_worker.ts", import.meta.url).href, { type: "module" });
      workers.push(w);
      w.onmessage = (e: MessageEvent<Reply>) => {
        if (settled) return;
        const { index, result, error } = e.data;
        const spec = specs[index];
        if (result === undefined) {
          fail(`point ${spec.experiment}/${spec.id} failed: ${error ?? "no result"}`);
          return;
        }
        results[index] = result;
        done++;
        opts.onProgress?.(done, total, spec, result);
        if (done === total) {
          stop();
          resolve(results as PointResult[]);
        } else {
          feed(w);
        }
      };
      w.onerror = (e: ErrorEvent) => {
        e.preventDefault();
        fail(`pool worker failed: ${e.message}`);
      };
      feed(w);
    }
  });
}
