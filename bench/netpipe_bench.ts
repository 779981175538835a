/**
 * Simulation speed on the NetPIPE workload: simulated 64-byte round trips per
 * wall-second. One iteration = one complete NetPIPE run (build both boards,
 * connect, {@link ROUND_TRIPS} timed ping-pongs, close), so
 *
 *   round trips per wall-second = ROUND_TRIPS / (time per iteration).
 *
 * Target: >= 300,000 simulated round trips per wall-second in DLibOS mode
 * (d12-all, nocopy). The "1 round trip" case is the fixed cost (building the
 * two boards, handshake, teardown) to subtract when reading the others.
 */
import { runNetpipe } from "./netpipe.ts";
import { parseLayout } from "../stack/host/layout.ts";
import type { HostMode } from "../stack/host/node.ts";

/** Timed round trips per iteration. */
const ROUND_TRIPS = 2000;
/** NetPIPE's quoted message size (slides "NetPIPE"). */
const MESSAGE_BYTES = 64;
/** Iterations and warm-ups per case (one iteration is a whole run, ~0.1 s). */
const ITERATIONS = 10;
const WARMUP = 2;

function run(mode: HostMode, layout: string, reps: number): void {
  const out = runNetpipe({
    mode,
    variant: "nocopy",
    board: "gx36",
    layout: parseLayout(layout),
    sizes: [MESSAGE_BYTES],
    reps,
    warmup: 0,
    seed: 1,
  });
  if (out.points.length !== 1 || out.points[0].reps !== reps) {
    throw new Error(`netpipe bench: expected ${reps} timed round trips`);
  }
}

Deno.bench({
  name: `netpipe dlibos d12-all: ${ROUND_TRIPS} round trips of ${MESSAGE_BYTES} B`,
  group: "netpipe",
  baseline: true,
  n: ITERATIONS,
  warmup: WARMUP,
  fn() {
    run("dlibos", "d12-all", ROUND_TRIPS);
  },
});

Deno.bench({
  name: `netpipe dlibos d12-all: 1 round trip (fixed cost: boards, handshake, close)`,
  group: "netpipe",
  n: ITERATIONS,
  warmup: WARMUP,
  fn() {
    run("dlibos", "d12-all", 1);
  },
});

Deno.bench({
  name: `netpipe dlibos 1:1: ${ROUND_TRIPS} round trips of ${MESSAGE_BYTES} B`,
  group: "netpipe",
  n: ITERATIONS,
  warmup: WARMUP,
  fn() {
    run("dlibos", "1:1", ROUND_TRIPS);
  },
});

Deno.bench({
  name: `netpipe rtc d12-all: ${ROUND_TRIPS} round trips of ${MESSAGE_BYTES} B`,
  group: "netpipe",
  n: ITERATIONS,
  warmup: WARMUP,
  fn() {
    run("rtc", "d12-all", ROUND_TRIPS);
  },
});
