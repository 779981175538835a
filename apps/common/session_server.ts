/**
 * The event loop of a request/response server over the socket layer, shared by
 * the memcached server and the webserver; a {@link SessionProtocol} supplies
 * the per-connection state and parses the bytes.
 *
 * Per event, after charging `eventBase`:
 * - `new_conn`: accept, create the session (dropping a stale one under the same
 *   id), charge `connSetup`;
 * - `new_data`: feed each received segment to the protocol until the session
 *   is closing, release the receive buffers (`recvDone`), send every reply of
 *   the event as one `send` ({@link Outbox.flush}), close if closing;
 * - `data_acked`: release what the acknowledged sends pinned;
 * - `remote_closed`: stop reading and close;
 * - `cleanup`: release everything the connection pinned, charge `connTeardown`.
 * Connections are keyed by (stack, conn); one server serves every application
 * core.
 */
import type { WorkContext } from "../../core/work.ts";
import type { SocketEvent } from "../../stack/events.ts";
import type { App, ConnRef, SocketApi } from "../api.ts";
import { ConnTable } from "./conns.ts";
import { type AppCosts, chargeApp } from "./costs.ts";
import type { PartialLine } from "./lines.ts";
import type { Outbox } from "./outbox.ts";

/** What the server loop needs of a connection's state. */
export interface ServerSession {
  readonly conn: ConnRef;
  readonly outbox: Outbox;
  /** Bytes of a request line split across segments. */
  readonly partial: PartialLine;
  /** Stop reading; close once the replies of this event are sent. */
  closing: boolean;
  /** `close` has been issued. */
  closed: boolean;
}

/** The protocol side: sessions and their parsing. */
export interface SessionProtocol<S extends ServerSession> {
  /** The state of a newly accepted connection. */
  open(conn: ConnRef): S;
  /** Processes one received segment, queueing replies; stops once `sess.closing`. */
  feed(ctx: WorkContext, sess: S, seg: Uint8Array): void;
  /** Gives up a request in progress (on close and when the connection is forgotten). */
  abandon(ctx: WorkContext, sess: S): void;
}

/** Counters the server loop keeps (memcached's names). */
export interface ServerCounters {
  currConnections: number;
  totalConnections: number;
  bytesRead: number;
  bytesWritten: number;
}

/** Fresh {@link ServerCounters}. */
export function serverCounters(): ServerCounters {
  return { currConnections: 0, totalConnections: 0, bytesRead: 0, bytesWritten: 0 };
}

/** Where and how the server listens, and what its events cost. */
export interface ServerConfig {
  readonly port: number;
  readonly backlog: number;
  readonly costs: AppCosts;
}

export class SessionServer<S extends ServerSession> implements App {
  private readonly sessions = new ConnTable<S>();
  private readonly costs: AppCosts;

  constructor(
    private readonly cfg: ServerConfig,
    private readonly protocol: SessionProtocol<S>,
    private readonly counters: ServerCounters,
  ) {
    this.costs = cfg.costs;
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
        const old = this.sessions.get(stack, ev.conn);
        if (old !== undefined) this.drop(ctx, old);
        this.sessions.set(stack, ev.conn, this.protocol.open(c));
        this.counters.currConnections++;
        this.counters.totalConnections++;
        chargeApp(ctx, this.costs.connSetup);
        return;
      }
      case "new_data": {
        const sess = this.sessions.get(stack, ev.conn);
        if (sess === undefined || sess.closing) {
          api.recvDone(sess?.conn ?? { stack, conn: ev.conn }, ev.rxId);
          return;
        }
        this.counters.bytesRead += ev.bytes;
        for (const ref of ev.refs) {
          if (sess.closing) break;
          this.protocol.feed(ctx, sess, ref.mem.read(ref.off, ref.len));
        }
        api.recvDone(sess.conn, ev.rxId);
        this.counters.bytesWritten += sess.outbox.flush(ctx, api, sess.conn);
        if (sess.closing) this.close(ctx, api, sess);
        return;
      }
      case "data_acked":
        this.sessions.get(stack, ev.conn)?.outbox.acked(ctx, ev.token);
        return;
      case "remote_closed": {
        const sess = this.sessions.get(stack, ev.conn);
        if (sess !== undefined) {
          sess.closing = true;
          this.close(ctx, api, sess);
        }
        return;
      }
      case "cleanup": {
        const sess = this.sessions.get(stack, ev.conn);
        if (sess !== undefined) {
          this.drop(ctx, sess);
          this.sessions.delete(stack, ev.conn);
        }
        return;
      }
      case "connected":
        return; // a server never connects out
    }
  }

  private close(ctx: WorkContext, api: SocketApi, sess: S): void {
    if (sess.closed) return;
    sess.closed = true;
    this.protocol.abandon(ctx, sess);
    sess.partial.dispose();
    api.close(sess.conn);
  }

  /** Forgets a connection: releases its pinned memory and any request in progress. */
  private drop(ctx: WorkContext, sess: S): void {
    this.protocol.abandon(ctx, sess);
    sess.outbox.releaseAll(ctx);
    sess.partial.dispose();
    this.counters.currConnections--;
    chargeApp(ctx, this.costs.connTeardown);
  }
}
