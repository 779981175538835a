/**
 * The contract between the IPv4 layer (stack/stack.ts) and the TCP layer
 * (stack/tcp/). The IP layer validates packets and checksums, demultiplexes
 * by protocol and hands TCP segments (already parsed into a TcpRepr) to
 * {@link TcpLayerApi.input}; TCP hands segments to send back through
 * {@link TcpLayerHost.output}, and the IP layer builds the TCP header from the
 * repr, the checksum (or leaves it to the NIC), IPv4 and Ethernet headers.
 */
import type { TcpStats } from "./stats.ts";
import type { Accounting } from "../accounting.ts";
import type { SharedRx } from "../buf.ts";
import type { BufRef } from "../../hw/buffers.ts";
import type { ConnId, Endpoint, EventSink } from "../events.ts";
import type { Ipv4Addr } from "../wire/ipv4.ts";
import type { TcpRepr } from "../wire/tcp.ts";
import type { Time } from "../../core/time.ts";

/** What the TCP layer needs from the stack below it. */
export interface TcpLayerHost extends EventSink {
  /** Sends one segment from `src` to `dst` (payload gathered from `payload`). */
  output(now: Time, src: Ipv4Addr, dst: Ipv4Addr, repr: TcpRepr, payload: readonly BufRef[]): void;
  /** Where the TCP layer charges its operations. */
  readonly acct: Accounting;
}

/** The TCP layer as the stack drives it. */
export interface TcpLayerApi {
  /** Counters (segments, retransmissions, RTO expiries, drops by reason). */
  readonly stats: TcpStats;
  /**
   * A validated segment arrived. `payload` is the segment's data (len may be 0)
   * inside the frame held by `rx`; TCP calls `rx.retain()` for every piece it
   * keeps (and releases it later), the IP layer releases its own hold after
   * this returns.
   */
  input(
    now: Time,
    src: Ipv4Addr,
    dst: Ipv4Addr,
    repr: TcpRepr,
    payload: BufRef,
    rx: SharedRx,
  ): void;
  /** Runs timers due at `now`. */
  poll(now: Time): void;
  /** Earliest time poll() has work, or Infinity. */
  nextDeadline(): Time;

  /** Listens on `port` with room for `backlog` pending connections. */
  listen(port: number, backlog: number): void;
  /**
   * Active open; returns the new connection's id (a `connected` or `cleanup`
   * event follows). `localPort`, when given, is used instead of an ephemeral
   * port (hosts choose one whose flow hash steers replies back to this stack).
   */
  connect(now: Time, local: Ipv4Addr, remote: Endpoint, localPort?: number): ConnId;
  /** Accepts a connection announced by `new_conn`. */
  accept(conn: ConnId): void;
  /** Queues the referenced bytes; `data_acked(token)` follows when all are acknowledged. */
  send(now: Time, conn: ConnId, refs: readonly BufRef[], token: number): void;
  /** Releases the receive buffers delivered with `new_data` `rxId`. */
  recvDone(conn: ConnId, rxId: number): void;
  /** Sends FIN after the queued bytes (half close). */
  shutdown(now: Time, conn: ConnId): void;
  /** Closes the connection. */
  close(now: Time, conn: ConnId): void;
}
