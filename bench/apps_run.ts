/**
 * Runs Memcached or the webserver on one board and the closed-loop client on
 * another, in the same hosting mode, and reports what the client saw:
 * requests completed, requests per simulated second, latency, and the first
 * response of each kind (so modes can be compared byte for byte).
 */
import { SEC, type Time, toSec } from "../core/time.ts";
import type { LatencySummary } from "../core/stats.ts";
import { HTTP_PORT } from "../apps/web/mod.ts";
import { serverApp } from "./servers.ts";
import { MEMCACHED_PORT } from "../apps/memcached/config.ts";
import { ClosedLoopClient } from "../apps/clients/closed_loop.ts";
import { httpProtocol, memcachedProtocol } from "../apps/clients/protocols.ts";
import type { Layout } from "../stack/host/layout.ts";
import type { HostedNode, HostMode } from "../stack/host/node.ts";
import { Pair, testbedIp } from "../stack/host/testbed.ts";
import { BOARDS } from "./netpipe.ts";
import { addLossCounters, emptyLossCounters, type LossCounters } from "../stack/host/counters.ts";

/** The server applications {@link runAppLoad} can run. */
export type ServerApp = "memcached" | "web";
/** Every {@link ServerApp}, in the order the command line lists them. */
export const SERVER_APPS: readonly ServerApp[] = ["memcached", "web"];

/** Item memory of the simulated memcached (memcached -m; small: the runs use few keys). */
export const SIM_MEMCACHED_MEM = 4 << 20;
/** Value size of the client's key (ETC's values are mostly small; approximation). */
export const DEFAULT_VALUE_BYTES = 64;
/** Webserver page size (the paper does not state it). */
export const DEFAULT_PAGE_BYTES = 1024;
/** Simulated-time bound of one run. */
export const APP_RUN_TIME_LIMIT: Time = 30 * SEC;
/** Client transmit memory (requests are prebuilt there). */
const CLIENT_TX_BYTES = 64 * 1024;

/** One server-load configuration for {@link runAppLoad}. */
export interface AppRun {
  /** Hosting mode of both boards. */
  readonly mode: HostMode;
  /** Which server runs on board B. */
  readonly app: ServerApp;
  /** Board name, a key of {@link BOARDS}. */
  readonly board: string;
  /** Core layout of both boards. */
  readonly layout: Layout;
  /** Client connections, each one request outstanding at a time. */
  readonly connections: number;
  /** Requests each connection sends. */
  readonly requests: number;
  /** Root seed of every random stream of the run. */
  readonly seed: number;
  /** Memcached value size in bytes (default {@link DEFAULT_VALUE_BYTES}). */
  readonly valueBytes?: number;
  /** Webserver page size in bytes (default {@link DEFAULT_PAGE_BYTES}). */
  readonly pageBytes?: number;
  /**
   * Linux mode: the paper's baselines, NGINX and stock Memcached threading
   * (default true), or the same servers and threading as the other modes
   * (bench/servers.ts).
   */
  readonly linuxBaseline?: boolean;
}

/** What the client saw in one {@link runAppLoad} run. */
export interface AppOutcome {
  /** Requests answered. */
  readonly completed: number;
  /** Responses the client could not frame (the connection was closed). */
  readonly errors: number;
  /** Loop requests per simulated second, first loop send to last response. */
  readonly requestsPerSec: number;
  /** Request latency seen by the client (ps). */
  readonly latency: LatencySummary;
  /** The first response of each kind, byte for byte (null when none arrived). */
  readonly firstResponses: readonly (Uint8Array | null)[];
  /** Simulated time the run took. */
  readonly simTime: Time;
  /** Scheduler events dispatched (for speed figures). */
  readonly events: number;
  /** The server node, for its counters and core statistics. */
  readonly server: HostedNode;
  /** Drops, retransmissions and RTO expiries on both nodes (stacks and NICs). */
  readonly loss: LossCounters;
}

/**
 * Runs one configuration to completion (every connection's requests answered).
 *
 * @example Memcached under two client connections, RTC mode
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseLayout } from "../stack/host/layout.ts";
 * import { runAppLoad } from "./apps_run.ts";
 *
 * const out = runAppLoad({
 *   mode: "rtc",
 *   app: "memcached",
 *   board: "gx36",
 *   layout: parseLayout("2:2"),
 *   connections: 2,
 *   requests: 3,
 *   seed: 1,
 * });
 * assert.equal(out.completed, 6);
 * assert.equal(out.errors, 0);
 * ```
 */
export function runAppLoad(run: AppRun): AppOutcome {
  const board = BOARDS[run.board];
  if (board === undefined) throw new Error(`unknown board "${run.board}"`);
  const valueSize = run.valueBytes ?? DEFAULT_VALUE_BYTES;
  const pageBytes = run.pageBytes ?? DEFAULT_PAGE_BYTES;
  const isMc = run.app === "memcached";
  const server = serverApp(run.app, run.mode, {
    pageBytes,
    memLimit: SIM_MEMCACHED_MEM,
    baseline: run.linuxBaseline,
  });
  let client: ClosedLoopClient | null = null;
  const pair = new Pair(
    {
      name: "client",
      mode: run.mode,
      board,
      layout: run.layout,
      txBytes: CLIENT_TX_BYTES,
      app: (tx, env) => {
        client = new ClosedLoopClient({
          cores: env.cores,
          server: { addr: testbedIp(2), port: isMc ? MEMCACHED_PORT : HTTP_PORT },
          connections: run.connections,
          requests: run.requests,
          protocol: isMc ? memcachedProtocol("key:0", valueSize) : httpProtocol("/index.html"),
          tx,
        });
        return client;
      },
    },
    {
      name: "server",
      mode: run.mode,
      board,
      layout: run.layout,
      txBytes: server.txBytes,
      app: server.app,
      linux: server.linux,
    },
    { seed: run.seed },
  );
  const c = client as ClosedLoopClient | null;
  if (c === null) throw new Error("client app was not built");
  c.onDone = () => pair.sched.stop();
  pair.start();
  pair.sched.runUntil(APP_RUN_TIME_LIMIT);
  if (!c.finished) {
    throw new Error(
      `${run.app} (${run.mode}) did not finish within ${toSec(APP_RUN_TIME_LIMIT)} simulated s: ` +
        `${c.completed} of ${run.connections * run.requests} requests answered`,
    );
  }
  const span = c.lastResponse - c.firstSend;
  return {
    completed: c.completed,
    errors: c.errors,
    requestsPerSec: span > 0 ? c.completed / toSec(span) : 0,
    latency: c.latency.summary(),
    firstResponses: c.firstResponses,
    simTime: pair.sched.now,
    events: pair.sched.dispatched,
    server: pair.b,
    loss: addLossCounters(
      addLossCounters(emptyLossCounters(), pair.a.stacks, pair.a.nic),
      pair.b.stacks,
      pair.b.nic,
    ),
  };
}
