/**
 * A Worker of the point pool (bench/pool.ts): imports the experiment
 * registry once, then runs every point it is sent with the experiment's
 * `runPoint` and posts the result back.
 *
 * Messages in: `{ index, spec }`. Out: `{ index, result }` or `{ index, error }`.
 */
/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
import { experimentNamed } from "./experiments.ts";
import type { PointSpec } from "./plan.ts";

/** A point to run: its place in the plan and its spec. */
export interface PointJob {
  readonly index: number;
  readonly spec: PointSpec;
}

self.onmessage = (e: MessageEvent<PointJob>) => {
  const { index, spec } = e.data;
  try {
    const result = experimentNamed(spec.experiment).runPoint(spec);
    self.postMessage({ index, result });
  } catch (err) {
    const msg = err instanceof Error ? (err.stack ?? err.message) : String(err);
    self.postMessage({ index, error: msg });
  }
};
