/**
 * The in-memory webserver as a socket-layer application (the paper's "simple
 * in memory webserver", GET only in the paper; HEAD as well here).
 *
 * At construction every response (files and errors) is written into the app's
 * transmit memory; serving a request only queues references to them, so page
 * bytes are never touched by a CPU ("zero touch"). One instance serves every
 * application core; connections are keyed by (stack, conn). Per event the
 * server parses the received segments, releases them (`recvDone`), and sends
 * all replies of the event as one `send`. Static memory needs no release, so
 * `data_acked` only does bookkeeping.
 */
import type { WorkContext } from "../../core/work.ts";
import type { SocketEvent } from "../../stack/events.ts";
import type { App, ConnRef, SocketApi } from "../api.ts";
import { BumpAllocator, ByteArena } from "../common/arena.ts";
import type { WritableMemory } from "../../hw/buffers.ts";
import { ConnTable } from "../common/conns.ts";
import { type AppCosts, chargeApp } from "../common/costs.ts";
import { Outbox, plainRelease } from "../common/outbox.ts";
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
  private readonly sessions = new ConnTable<WebSession>();
  private readonly handler: HttpHandler;
  private readonly costs: AppCosts;
  /** Bytes of received data processed. */
  bytesRead = 0;
  /** Bytes of replies sent. */
  bytesWritten = 0;

  constructor(config: WebConfig) {
    const cfg = resolveWebConfig(config);
    this.cfg = cfg;
    this.costs = cfg.costs;
    const need = siteBytes(cfg);
    this.memory = config.memory ?? new ByteArena(cfg.memoryBase + need, "web-tx");
    if (cfg.memoryBase + need > this.memory.size) {
      throw new RangeError(
        `web: transmit memory ${this.memory.name} has ${this.memory.size} bytes, ` +
          `needs ${cfg.memoryBase + need}`,
      );
    }
    const space = new BumpAllocator(this.memory, cfg.memoryBase, need);
    this.site = new WebSite(cfg, (bytes) => {
      const ref = space.put(bytes);
      if (ref === null) throw new Error("web: site does not fit its computed size");
      return ref;
    });
    this.handler = new HttpHandler(cfg, this.site);
  }

  /** Connections currently known. */
  get connections(): number {
    return this.sessions.size;
  }

  start(_ctx: WorkContext, api: SocketApi): void {
    api.listen(this.cfg.port, this.cfg.backlog);
  }

  onEvent(ctx: WorkContext, api: SocketApi, stack: number, ev: SocketEvent): void {
    chargeApp(ctx, this.costs.eventBase);
    switch (ev.kind) {
      case "new_conn": {
        const c: ConnRef = { stack, conn: ev.conn };
        api.accept(c);
        this.sessions.set(stack, ev.conn, new WebSession(c, new Outbox(this.costs, plainRelease)));
        chargeApp(ctx, this.costs.connSetup);
        return;
      }
      case "new_data": {
        const sess = this.sessions.get(stack, ev.conn);
        if (sess === undefined || sess.closing) {
          api.recvDone(sess?.conn ?? { stack, conn: ev.conn }, ev.rxId);
          return;
        }
        this.bytesRead += ev.bytes;
        for (const ref of ev.refs) {
          if (sess.closing) break;
          this.handler.feed(ctx, sess, ref.mem.read(ref.off, ref.len));
        }
        api.recvDone(sess.conn, ev.rxId);
        this.bytesWritten += sess.outbox.flush(ctx, api, sess.conn);
        if (sess.closing) this.close(api, sess);
        return;
      }
      case "data_acked":
        this.sessions.get(stack, ev.conn)?.outbox.acked(ctx, ev.token);
        return;
      case "remote_closed": {
        const sess = this.sessions.get(stack, ev.conn);
        if (sess !== undefined) {
          sess.closing = true;
          this.close(api, sess);
        }
        return;
      }
      case "cleanup": {
        const sess = this.sessions.get(stack, ev.conn);
        if (sess !== undefined) {
          sess.outbox.releaseAll(ctx);
          sess.partial.dispose();
          this.sessions.delete(stack, ev.conn);
          chargeApp(ctx, this.costs.connTeardown);
        }
        return;
      }
      case "connected":
        return;
    }
  }

  private close(api: SocketApi, sess: WebSession): void {
    if (sess.closed) return;
    sess.closed = true;
    sess.partial.dispose();
    api.close(sess.conn);
  }
}
