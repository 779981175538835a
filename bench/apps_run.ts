/**
 * Runs Memcached or the webserver on one board and the closed-loop client on
 * another, in the same hosting mode, and reports what the client saw:
 * requests completed, requests per simulated second, latency, and the first
 * response of each kind (so modes can be compared byte for byte).
 */
import { SEC, type Time, toSec } from "../core/time.ts";
import type { LatencySummary } from "../core/stats.ts";
import { MemcachedApp } from "../apps/memcached/app.ts";
import { memcachedMemoryBytes, resolveMemcachedConfig } from "../apps/memcached/config.ts";
import { defaultSite, HTTP_PORT, type WebConfig } from "../apps/web/mod.ts";
import { WebApp, webMemoryBytes } from "../apps/web/app.ts";
import { MEMCACHED_PORT } from "../apps/memcached/config.ts";
import { ClosedLoopClient } from "../apps/clients/closed_loop.ts";
import { httpProtocol, memcachedProtocol } from "../apps/clients/protocols.ts";
import type { Layout } from "../stack/host/layout.ts";
import type { HostedNode, HostMode } from "../stack/host/node.ts";
import { Pair, testbedIp } from "../stack/host/testbed.ts";
import { BOARDS } from "./netpipe.ts";
import { addLossCounters, emptyLossCounters, type LossCounters } from "../stack/host/counters.ts";

export type ServerApp = "memcached" | "web";
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

export interface AppRun {
  readonly mode: HostMode;
  readonly app: ServerApp;
  readonly board: string;
  readonly layout: Layout;
  readonly connections: number;
  readonly requests: number;
  readonly seed: number;
  readonly valueBytes?: number;
  readonly pageBytes?: number;
}

export interface AppOutcome {
  readonly completed: number;
  readonly errors: number;
  /** Loop requests per simulated second, first loop send to last response. */
  readonly requestsPerSec: number;
  readonly latency: LatencySummary;
  readonly firstResponses: readonly (Uint8Array | null)[];
  readonly simTime: Time;
  readonly events: number;
  readonly server: HostedNode;
  /** Drops, retransmissions and RTO expiries on both nodes (stacks and NICs). */
  readonly loss: LossCounters;
}

function webConfig(pageBytes: number): WebConfig {
  return { files: defaultSite(pageBytes) };
}

/** Runs one configuration to completion (every connection's requests answered). */
export function runAppLoad(run: AppRun): AppOutcome {
  const board = BOARDS[run.board];
  if (board === undefined) throw new Error(`unknown board "${run.board}"`);
  const valueSize = run.valueBytes ?? DEFAULT_VALUE_BYTES;
  const pageBytes = run.pageBytes ?? DEFAULT_PAGE_BYTES;
  const isMc = run.app === "memcached";
  const serverTx = isMc
    ? memcachedMemoryBytes(resolveMemcachedConfig({ now: () => 0, memLimit: SIM_MEMCACHED_MEM }))
    : webMemoryBytes(webConfig(pageBytes));
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
      txBytes: serverTx,
      app: (tx, env) =>
        isMc
          ? new MemcachedApp({
            now: env.now,
            memory: tx,
            memLimit: SIM_MEMCACHED_MEM,
            threads: env.cores,
            locks: env.locks,
          })
          : new WebApp({ ...webConfig(pageBytes), memory: tx }),
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
