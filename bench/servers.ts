/**
 * The server an experiment runs, per hosting mode: the paper's own servers
 * (the in-memory webserver and Memcached on the socket layer) in DLibOS and
 * RTC modes, and its Linux baselines in Linux mode: the NGINX model
 * (apps/web/nginx.ts) with NGINX's accept path (one shared listening
 * socket, EPOLLEXCLUSIVE), and stock Memcached's threading (a dispatcher
 * thread accepting and handing connections round-robin to worker threads
 * over pipes). docs/LINUX_MODEL.md, docs/APPS.md.
 */
import { MemcachedApp } from "../apps/memcached/app.ts";
import { memcachedMemoryBytes, resolveMemcachedConfig } from "../apps/memcached/config.ts";
import { defaultSite, NginxApp, type WebConfig } from "../apps/web/mod.ts";
import { WebApp, webMemoryBytes } from "../apps/web/app.ts";
import type { AppFactory, HostMode } from "../stack/host/node.ts";
import type { LinuxHostOptions } from "../stack/host/testbed.ts";
import type { Calibration } from "../hw/costs/calibration.ts";
import { appCosts } from "../apps/common/costs.ts";

/** A server application {@link serverApp} builds. */
export type ServerKind = "web" | "memcached";

/** Sizes of the server {@link serverApp} builds. */
export interface ServerOptions {
  /** Webserver: bytes of `/index.html` (default {@link defaultSite}'s). */
  readonly pageBytes?: number;
  /** Memcached: item memory in bytes (memcached -m). */
  readonly memLimit?: number;
  /**
   * Linux mode: run the paper's baselines (NGINX, stock Memcached threading;
   * default true) or the same servers and host threading as the other modes.
   */
  readonly baseline?: boolean;
  /**
   * The free parameters (default the fit, hw/costs/calibration.ts): Memcached
   * takes its application costs from it; the webservers have none to take.
   */
  readonly calibration?: Calibration;
}

/** What a testbed needs to host one server: its factory, memory and Linux options. */
export interface ServerBuild {
  /** Which program runs ("web", "nginx", "memcached"). */
  readonly name: string;
  /** Builds the application on the node. */
  readonly app: AppFactory;
  /** Application transmit memory the node must give it. */
  readonly txBytes: number;
  /** How the Linux node hands connections to threads (`HostSpec.linux`). */
  readonly linux?: LinuxHostOptions;
}

/**
 * The server for `app` in `mode`.
 *
 * @example NGINX on the Linux baseline, the in-memory webserver on DLibOS
 * ```ts
 * import assert from "node:assert/strict";
 * import { serverApp } from "./servers.ts";
 *
 * assert.equal(serverApp("web", "linux").name, "nginx");
 * assert.deepEqual(serverApp("web", "linux").linux, { accept: "shared" });
 * assert.equal(serverApp("web", "dlibos").name, "web");
 * assert.deepEqual(serverApp("memcached", "linux", { memLimit: 1 << 20 }).linux, {
 *   accept: "dispatcher",
 * });
 * ```
 */
export function serverApp(app: ServerKind, mode: HostMode, opts: ServerOptions = {}): ServerBuild {
  const baseline = mode === "linux" && (opts.baseline ?? true);
  if (app === "web") {
    const cfg: WebConfig = { files: defaultSite(opts.pageBytes) };
    const txBytes = webMemoryBytes(cfg);
    if (baseline) {
      return {
        name: "nginx",
        app: (tx) => new NginxApp({ ...cfg, memory: tx }),
        txBytes,
        linux: { accept: "shared" },
      };
    }
    return { name: "web", app: (tx) => new WebApp({ ...cfg, memory: tx }), txBytes };
  }
  const memLimit = opts.memLimit;
  const costs = opts.calibration && appCosts(opts.calibration);
  return {
    name: "memcached",
    app: (tx, env) =>
      new MemcachedApp({
        now: env.now,
        memory: tx,
        memLimit,
        threads: env.cores,
        locks: env.locks,
        costs,
      }),
    txBytes: memcachedMemoryBytes(resolveMemcachedConfig({ now: () => 0, memLimit })),
    linux: baseline ? { accept: "dispatcher" } : undefined,
  };
}
