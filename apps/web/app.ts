/**
 * The in-memory webserver as a socket-layer application (the paper's "simple
 * in memory webserver", GET only in the paper; HEAD as well here).
 *
 * At construction every response (files and errors) is written into the app's
 * transmit memory; serving a request only queues references to them, so page
 * bytes are never touched by a CPU ("zero touch"). One instance serves every
 * application core; connections are keyed by (stack, conn). The event loop is
 * the common {@link SessionServer}: per event it parses the received segments,
 * releases them (`recvDone`), and sends all replies of the event as one
 * `send`. Static memory needs no release, so `data_acked` only does
 * bookkeeping.
 */
import type { WorkContext } from "../../core/work.ts";
import type { SocketEvent } from "../../stack/events.ts";
import type { App, SocketApi } from "../api.ts";
import { appMemory, BumpAllocator } from "../common/arena.ts";
import type { WritableMemory } from "../../hw/buffers.ts";
import { Outbox, plainRelease } from "../common/outbox.ts";
import { type ServerCounters, serverCounters, SessionServer } from "../common/session_server.ts";
import { type ResolvedWebConfig, resolveWebConfig, type WebConfig } from "./config.ts";
import { HttpHandler, WebSession } from "./http.ts";
import { siteBytes, WebSite } from "./site.ts";

/** Bytes of transmit memory a webserver with this configuration needs (from memoryBase). */
export function webMemoryBytes(config: WebConfig): number {
  return siteBytes(resolveWebConfig(config));
}

export class WebApp implements App {
  readonly cfg: ResolvedWebConfig;
  readonly memory: WritableMemory;
  readonly site: WebSite;
  /** Connections and bytes read and written. */
  readonly stats: ServerCounters = serverCounters();
  private readonly server: SessionServer<WebSession>;

  constructor(config: WebConfig) {
    const cfg = resolveWebConfig(config);
    this.cfg = cfg;
    const need = siteBytes(cfg);
    this.memory = appMemory("web", config.memory, cfg.memoryBase, need);
    const space = new BumpAllocator(this.memory, cfg.memoryBase, need);
    this.site = new WebSite(cfg, (bytes) => {
      const ref = space.put(bytes);
      if (ref === null) throw new Error("web: site does not fit its computed size");
      return ref;
    });
    const handler = new HttpHandler(cfg, this.site);
    this.server = new SessionServer(cfg, {
      open: (c) => new WebSession(c, new Outbox(cfg.costs, plainRelease)),
      feed: (ctx, sess, seg) => handler.feed(ctx, sess, seg),
      abandon: () => {}, // requests hold nothing beyond the line buffer
    }, this.stats);
  }

  /** Connections currently known. */
  get connections(): number {
    return this.server.connections;
  }

  start(ctx: WorkContext, api: SocketApi): void {
    this.server.start(ctx, api);
  }

  onEvent(ctx: WorkContext, api: SocketApi, stack: number, ev: SocketEvent): void {
    this.server.onEvent(ctx, api, stack, ev);
  }
}
