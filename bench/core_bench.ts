/**
 * Micro-benchmarks of the simulation kernel. Each case does a fixed number of
 * operations per iteration (OPS or as named), so rate = ops / (time per iteration).
 * Target: >= 5 million scheduler schedule+dispatch pairs per wall-second with
 * 10,000 events pending.
 */
import { Scheduler } from "../core/scheduler.ts";
import { Rng } from "../core/rng.ts";
import { Clock, NS, type Time } from "../core/time.ts";
import { LatencyHistogram } from "../core/stats.ts";
import { Core, type CoreContext } from "../core/executor.ts";
import { Lock } from "../core/lock.ts";
import { fbValueSize, GeneralizedPareto, Zipf } from "../core/dist.ts";

/** Operations per benchmark iteration. */
const OPS = 100_000;
/** Pending events kept in the scheduler while measuring (from the brief). */
const PENDING = 10_000;
/** Size of the precomputed delay table (power of two for cheap wrap-around). */
const DELAYS = 4096;
/** TILE-Gx36 clock, 1.2 GHz (docs/PAPER.md). */
const TILE_HZ = 1_200_000_000;

const rng = new Rng(1, "bench");
const delays = new Float64Array(DELAYS);
for (let i = 0; i < DELAYS; i++) delays[i] = 1 + rng.int(PENDING * 2) * NS;

function noop(_now: Time, _arg: unknown): void {}

function loadedScheduler(): Scheduler {
  const s = new Scheduler();
  for (let i = 0; i < PENDING; i++) s.at(delays[i & (DELAYS - 1)] * 2, noop);
  return s;
}

const schedA = loadedScheduler();
let di = 0;
Deno.bench({
  name: `scheduler: ${OPS} schedule+dispatch pairs, ${PENDING} pending`,
  group: "scheduler",
  baseline: true,
  fn() {
    const s = schedA;
    for (let i = 0; i < OPS; i++) {
      s.at(s.now + delays[di++ & (DELAYS - 1)], noop);
      s.step();
    }
  },
});

const schedB = loadedScheduler();
Deno.bench({
  name: `scheduler: ${OPS} schedule+cancel pairs, ${PENDING} pending`,
  group: "scheduler",
  fn() {
    const s = schedB;
    for (let i = 0; i < OPS; i++) {
      s.cancel(s.at(s.now + delays[di++ & (DELAYS - 1)], noop));
    }
  },
});

const hist = new LatencyHistogram();
const values = new Float64Array(DELAYS);
for (let i = 0; i < DELAYS; i++) values[i] = Math.round(Math.exp(9.2 + 20.7 * rng.float()));
Deno.bench({
  name: `histogram: ${OPS} records`,
  group: "stats",
  fn() {
    for (let i = 0; i < OPS; i++) hist.record(values[i & (DELAYS - 1)]);
  },
});

/** Items per iteration are submitted in batches so the run queue stays short. */
const BATCH = 1000;
const coreSched = new Scheduler();
const core = new Core(coreSched, new Clock(TILE_HZ), 0);
const work = (ctx: CoreContext, cycles: number) => {
  ctx.charge("tcp-rx", cycles);
  ctx.charge("app", 50);
};
Deno.bench({
  name: `executor: ${OPS} items, no locks`,
  group: "executor",
  baseline: true,
  fn() {
    for (let b = 0; b < OPS / BATCH; b++) {
      for (let i = 0; i < BATCH; i++) core.submit(work, 100);
      coreSched.runUntilIdle();
    }
  },
});

const lockSched = new Scheduler();
const lockCores = [0, 1].map((i) => new Core(lockSched, new Clock(TILE_HZ), i));
const lock = new Lock("bench");
const locked = (ctx: CoreContext, cycles: number) => {
  ctx.charge("tcp-rx", cycles);
  ctx.acquire(lock);
  ctx.charge("app", 50);
  ctx.release(lock);
};
Deno.bench({
  name: `executor: ${OPS} items, each taking a lock shared by 2 cores`,
  group: "executor",
  fn() {
    for (let b = 0; b < OPS / BATCH; b++) {
      for (let i = 0; i < BATCH; i++) lockCores[i & 1].submit(locked, 100);
      lockSched.runUntilIdle();
    }
  },
});

const draws = new Rng(2, "draws");
let sink = 0;
Deno.bench({
  name: `rng: ${OPS} nextU32`,
  group: "rng",
  baseline: true,
  fn() {
    let x = 0;
    for (let i = 0; i < OPS; i++) x ^= draws.nextU32();
    sink ^= x;
  },
});
Deno.bench({
  name: `rng: ${OPS} float`,
  group: "rng",
  fn() {
    let x = 0;
    for (let i = 0; i < OPS; i++) x += draws.float();
    sink += x;
  },
});
const gp = new GeneralizedPareto(0, 214.476, 0.348238);
Deno.bench({
  name: `dist: ${OPS} generalized Pareto samples`,
  group: "rng",
  fn() {
    let x = 0;
    for (let i = 0; i < OPS; i++) x += gp.sample(draws);
    sink += x;
  },
});
const zipf = new Zipf(100_000, 0.99);
Deno.bench({
  name: `dist: ${OPS} Zipf(100000, 0.99) samples`,
  group: "rng",
  fn() {
    let x = 0;
    for (let i = 0; i < OPS; i++) x += zipf.sample(draws);
    sink += x;
  },
});
const fbv = fbValueSize();
Deno.bench({
  name: `dist: ${OPS} fb_value samples`,
  group: "rng",
  fn() {
    let x = 0;
    for (let i = 0; i < OPS; i++) x += fbv.sample(draws);
    sink += x;
  },
});

// Keep the sink observable so the loops are not optimised away.
globalThis.addEventListener("unload", () => {
  if (sink === 0.5) console.log(sink);
});
