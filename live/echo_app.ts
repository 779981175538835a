/**
 * An echo server (RFC 862) as a socket-layer application, zero copy: each
 * `new_data`'s references are sent straight back (token = the rxId), and the
 * receive buffers are released with `recv_done` once the peer has acknowledged
 * the echo (`data_acked`). When the peer closes, the echo closes after the
 * queued data. Used by the live mode's transfer tests.
 */
import type { WorkContext } from "../core/work.ts";
import type { SocketEvent } from "../stack/events.ts";
import type { App, ConnRef, SocketApi } from "../stack/socket.ts";

/** The echo protocol's port (RFC 862). */
export const ECHO_PORT = 7;
/** Listen backlog (Linux's SOMAXCONN default, 4096 since 5.4). */
export const ECHO_BACKLOG = 4096;

export class EchoApp implements App {
  /** Bytes echoed and connections accepted. */
  readonly stats = { conns: 0, bytes: 0 };
  constructor(readonly port: number = ECHO_PORT) {}

  start(_ctx: WorkContext, api: SocketApi): void {
    api.listen(this.port, ECHO_BACKLOG);
  }

  onEvent(_ctx: WorkContext, api: SocketApi, stack: number, ev: SocketEvent): void {
    const c: ConnRef = { stack, conn: ev.conn };
    switch (ev.kind) {
      case "new_conn":
        this.stats.conns++;
        api.accept(c);
        break;
      case "new_data":
        this.stats.bytes += ev.bytes;
        api.send(c, ev.refs, ev.rxId);
        break;
      case "data_acked":
        api.recvDone(c, ev.token);
        break;
      case "remote_closed":
        api.close(c);
        break;
      default:
        break;
    }
  }
}
