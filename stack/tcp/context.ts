/**
 * What the protocol modules (input.ts, output.ts, cc.ts) need from the layer
 * that owns them. Passed explicitly; there is no shared global state.
 */
import type { CleanupReason, SocketEvent } from "../events.ts";
import type { TcpRepr } from "../wire/tcp.ts";
import type { Time } from "../../core/time.ts";
import type { TcpLayerHost } from "./api.ts";
import type { TcpConfig } from "./config.ts";
import type { Conn } from "./conn.ts";
import type { TcpStats } from "./stats.ts";

export interface TcpCtx {
  readonly cfg: TcpConfig;
  readonly stats: TcpStats;
  readonly host: TcpLayerHost;
  /** The one output header record, filled per segment (the host copies it synchronously). */
  readonly txRepr: TcpRepr;
  /**
   * Queues an event about `c` for the application (delivered when the current
   * call finishes; dropped, except a cleanup, if `c` is gone by then).
   */
  emit(c: Conn, ev: SocketEvent): void;
  /** Tears `c` down now: releases everything, emits cleanup if the application knows it. */
  destroy(c: Conn, reason: CleanupReason): void;
  /** A passive or simultaneous open reached ESTABLISHED. */
  established(c: Conn): void;
  /** RFC 5961 section 7 rate limit: may a challenge ACK go out at `now`? */
  challengeAckAllowed(now: Time): boolean;
}
