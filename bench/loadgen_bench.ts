/**
 * Simulation speed under the paper's loads: simulated requests per
 * wall-second for mutilate at 1392 connections (4 agents x 10 threads x 34
 * connections + the master's 32) against Memcached, and wrk at 2048
 * connections against the webserver, both on DLibOS (gx36, d12-all), four
 * x86 client hosts.
 *
 * One iteration = one whole run: build the cluster, connect every
 * connection (mutilate also loads its 10,000 keys), a 0.25 ms warm-up, then
 * a window of W simulated ms. Each configuration has two cases, W = 3 and
 * W = 1; their difference is 2 ms of steady-state load, without the fixed
 * cost (building, connecting, loading). With T the time per iteration and
 * R(W) the requests a run completes in its window (printed at the end as
 * "simulated requests per window"),
 *
 *   simulated requests per wall-second = (R(3) - R(1)) / (T(3 ms) - T(1 ms))
 *
 * Example: R(3) = 3,000,000 x 0.003 = 9,000, R(1) = 3,000, T = 900 ms and
 * 400 ms give 6,000 / 0.5 s = 12,000 simulated requests per wall-second.
 * On a shared machine read the "min" column of both cases.
 */
import { MS } from "../core/time.ts";
import { parseLayout } from "../stack/host/layout.ts";
import { runMutilate, runWrk } from "./loadgen.ts";

const LAYOUT = parseLayout("d12-all");
const WARMUP = MS / 4;
const WINDOWS_MS = [3, 1] as const;
/** Iterations per case (one iteration is a whole run, ~0.5-2 s). */
const ITERATIONS = 3;
/** mutilate's target: the ETC stream at a rate DLibOS serves (approximation; not a result). */
const MUTILATE_QPS = 1_000_000;

/** Requests completed in the window by the last run of each case (printed at the end). */
const completed = new Map<string, number>();

function mutilate(windowMs: number): number {
  const r = runMutilate({
    mode: "dlibos",
    board: "gx36",
    layout: LAYOUT,
    seed: 1,
    qps: MUTILATE_QPS,
    connections: 34,
    depth: 1,
    threads: 10,
    measureConns: 32,
    keySize: "fb_key",
    valueSize: "fb_value",
    interarrival: "fb_ia",
    records: 10_000,
    update: 0.0323,
    warmup: WARMUP,
    duration: windowMs * MS,
  });
  return r.mutilate!.gets + r.mutilate!.sets;
}

function wrk(windowMs: number): number {
  const r = runWrk({
    mode: "dlibos",
    board: "gx36",
    layout: LAYOUT,
    seed: 1,
    connections: 2048,
    threads: 64,
    duration: windowMs * MS,
    warmup: WARMUP,
    timeoutMs: 2000,
    latency: false,
  });
  return r.wrk!.complete;
}

for (const [tool, fn] of [["mutilate 1392 conns", mutilate], ["wrk 2048 conns", wrk]] as const) {
  for (const w of WINDOWS_MS) {
    const name = `${tool} dlibos: ${w} ms window`;
    Deno.bench({
      name,
      group: tool,
      baseline: w === WINDOWS_MS[0],
      n: ITERATIONS,
      warmup: 1,
      fn() {
        completed.set(name, fn(w));
      },
    });
  }
}

globalThis.addEventListener("unload", () => {
  for (const [name, n] of completed) console.log(`simulated requests per window: ${name}: ${n}`);
});
