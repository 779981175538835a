/**
 * mutilate's protocol logic (leverich/mutilate @d65c6ef), sans-IO, for the
 * simulated x86 client hosts. Nothing here touches sockets, timers or clocks:
 *
 * - {@link parseGenerator}: `-K`/`-V`/`-i` specs; `withLambda` rescales `-i`.
 * - {@link KeyGenerator}: per-key lengths fixed by fnv64(index).
 * - {@link MutilateConnection}: one connection's open-loop engine; the driver
 *   calls `start`, `onTimer` at `nextWakeup()`, `onData` with reply bytes, and
 *   sends what the engine's `send` callback hands it. The measuring client's
 *   connections sample latency (`sampling: true`); agents' only count.
 *   Per-connection rate: {@link perConnectionLambda}(qps, all connections).
 * - {@link MutilateStats} / {@link LogHistogram}: counters and 1.1x log bins;
 *   sum connections with `add`.
 * - {@link formatReport}, {@link scanRow}: mutilate's printed layout (+50th).
 * - {@link search}: `--search N:X` over a `run(qps)` callback; {@link scanTargets}.
 *
 * @module
 */
export * from "./generators.ts";
export * from "./keys.ts";
export * from "./connection.ts";
export * from "./stats.ts";
export * from "./report.ts";
export * from "./search.ts";
