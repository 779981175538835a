/**
 * The socket layer's vocabulary (the paper's "intercore messaging").
 *
 * Events flow from the network stack to the application, commands from the
 * application to the stack. A connection is named by (stack id, connection id),
 * never by a shared descriptor table. In DLibOS mode these records travel as NoC
 * messages; in RTC mode they are direct calls; in the Linux baseline they sit
 * behind an epoll/read/write model. The stack itself emits events through
 * {@link EventSink}.
 */
import type { BufRef } from "../hw/buffers.ts";
import type { Ipv4Addr } from "./wire/ipv4.ts";

/** An IPv4 address and TCP port. */
export interface Endpoint {
  /** IPv4 address. */
  readonly addr: Ipv4Addr;
  /** TCP port. */
  readonly port: number;
}

/** Connection id, unique within one stack instance. */
export type ConnId = number;

/** Why a connection was cleaned up. */
export type CleanupReason = "closed" | "reset" | "timeout" | "refused" | "aborted";

/** What the stack tells an application, one variant per `kind`. */
export type SocketEvent =
  /** A passive open completed (SYN, SYN-ACK, ACK); the app must `accept` it. */
  | {
    readonly kind: "new_conn";
    readonly conn: ConnId;
    readonly listenPort: number;
    readonly local: Endpoint;
    readonly remote: Endpoint;
  }
  /** An active open (`connect`) completed. */
  | { readonly kind: "connected"; readonly conn: ConnId; readonly local: Endpoint }
  /**
   * In-order data arrived. `refs` point into receive buffers, read-only to the
   * app; they stay valid until the app sends `recv_done` with the same `rxId`.
   */
  | {
    readonly kind: "new_data";
    readonly conn: ConnId;
    readonly rxId: number;
    readonly refs: readonly BufRef[];
    readonly bytes: number;
  }
  /** Every byte of the `send` tagged `token` has been acknowledged by the peer. */
  | { readonly kind: "data_acked"; readonly conn: ConnId; readonly token: number }
  /** The peer sent FIN: no more data will arrive. */
  | { readonly kind: "remote_closed"; readonly conn: ConnId }
  /** The connection is gone; the app must forget it. Outstanding sends are released. */
  | { readonly kind: "cleanup"; readonly conn: ConnId; readonly reason: CleanupReason };

/** The `kind` of a {@link SocketEvent}. */
export type SocketEventKind = SocketEvent["kind"];

/** Receives socket events. */
export interface EventSink {
  /** Takes one event. */
  event(ev: SocketEvent): void;
}

/** What an application asks of the stack, one variant per `kind`. */
export type SocketCommand =
  | { readonly kind: "listen"; readonly port: number; readonly backlog: number }
  | { readonly kind: "connect"; readonly remote: Endpoint; readonly tag: number }
  | { readonly kind: "accept"; readonly conn: ConnId }
  | { readonly kind: "recv_done"; readonly conn: ConnId; readonly rxId: number }
  | {
    readonly kind: "send";
    readonly conn: ConnId;
    readonly refs: readonly BufRef[];
    readonly token: number;
  }
  | { readonly kind: "shutdown"; readonly conn: ConnId }
  | { readonly kind: "close"; readonly conn: ConnId };

/** The `kind` of a {@link SocketCommand}. */
export type SocketCommandKind = SocketCommand["kind"];
