/**
 * How applications see the network: the asynchronous socket layer, the same
 * in every hosting mode (DLibOS messages, RTC direct calls, Linux baseline).
 *
 * An application reacts to {@link SocketEvent}s and issues commands through a
 * {@link SocketApi}. Each callback runs inside a work item on an application
 * core; the app charges its own work and takes its locks through the
 * {@link WorkContext}. Connections are named by (stack, conn): the network core
 * (stack instance) and its connection id.
 */
import type { WorkContext } from "../core/work.ts";
import type { BufRef } from "../hw/buffers.ts";
import type { ConnId, Endpoint, SocketEvent } from "../stack/events.ts";

/** A connection as the application names it: (network core / stack id, conn id). */
export interface ConnRef {
  readonly stack: number;
  readonly conn: ConnId;
}

export interface SocketApi {
  /** Listen on `port` on every stack this application is served by. */
  listen(port: number, backlog: number): void;
  /** Active open; a `connected` (or `cleanup`) event follows carrying `tag`'s connection. */
  connect(remote: Endpoint, tag: number): void;
  accept(c: ConnRef): void;
  /** Releases the receive buffers delivered with `new_data` `rxId`. */
  recvDone(c: ConnRef, rxId: number): void;
  /** Sends the referenced bytes of the app's own memory without copying; `data_acked(token)` follows. */
  send(c: ConnRef, refs: readonly BufRef[], token: number): void;
  shutdown(c: ConnRef): void;
  close(c: ConnRef): void;
}

export interface App {
  /** Called once on each application core at start-up. */
  start(ctx: WorkContext, api: SocketApi): void;
  /** Called for every socket event delivered to this application core. */
  onEvent(ctx: WorkContext, api: SocketApi, stack: number, ev: SocketEvent): void;
}
