/**
 * wrk's protocol logic (wg/wrk @a211dd5), sans-IO, for the simulated x86
 * client hosts:
 *
 * - {@link parseWrkArgs}: `-c -t -d --timeout --latency <url>`.
 * - {@link defaultRequest}: wrk.lua's GET; {@link ResponseParser}: HTTP/1.x replies.
 * - {@link WrkRun} (options, shared stats) / {@link WrkThread} (counters, 100 ms
 *   `tick`) / {@link WrkConnection} (closed loop: `onConnected`, `onData`,
 *   `onEof`, `onError`; requests out through `send`, `reconnect()` asked for).
 * - {@link summarize}: thread sums and the coordinated-omission correction
 *   (the raw closed-loop latencies stay in `raw`); {@link formatWrkReport}.
 *
 * @module
 */
export * from "./options.ts";
export * from "./http.ts";
export * from "./connection.ts";
export * from "./stats.ts";
export * from "./report.ts";
