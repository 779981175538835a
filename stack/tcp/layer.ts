/**
 * The TCP layer of one stack instance: sans-IO (driven by input(), poll() and
 * socket commands, all with explicit time), share-nothing (its own flow table,
 * listeners, port allocator, timers and buffers), zero-copy (payloads are
 * references into receive buffers or the application's send buffers).
 *
 * Responsibilities here: demultiplexing, listeners and the backlog, connection
 * creation and teardown, timers, socket commands and event delivery. The
 * protocol itself is in input.ts (segment arrival), output.ts (segment
 * transmission) and cc.ts (congestion control).
 *
 * Events are queued while a call runs and delivered when it finishes, so an
 * application that reacts to an event by calling back into the layer (the
 * run-to-completion mode makes direct calls) always sees consistent state.
 *
 * Socket semantics chosen where RFC 9293 leaves room:
 * - close() = shutdown() + no further delivery. If received data is still
 *   undelivered (the connection was never accepted) or data arrives after
 *   close(), the connection is reset (RST) instead, as Linux does. data_acked
 *   and the final cleanup are still reported after close() so the application
 *   can reclaim its send buffers; new_data and remote_closed are not. Every
 *   data_acked comes before the cleanup, also when one ACK covers the last
 *   data and the FIN (LAST_ACK ends in the same call).
 * - Data the application was given (new_data) and has not released counts as
 *   read: close() does not reset for it, but it shrinks the receive window
 *   until recvDone(), and all of it is released at cleanup.
 * - A connection is "gone" (cleanup) after TIME_WAIT (2*MSL) for the active
 *   closer and when the FIN is acknowledged (LAST_ACK) for the passive one.
 *
 * Protocol coverage (details and sources next to each constant in config.ts):
 * - RFC 9293 state machine including simultaneous open and close, TIME_WAIT
 *   (2*MSL, MSL = 8 min by default: see DEFAULT_MSL; restarted by a
 *   retransmitted FIN, which is ACKed again), RST replies for closed
 *   ports, SYN-ACK resent on a retransmitted SYN, a new SYN may take over a
 *   TIME_WAIT 4-tuple (RFC 6191 style, sequence number check only).
 * - RFC 5961: RST must hit RCV.NXT exactly (else challenge ACK), SYN on a
 *   synchronized connection gets a challenge ACK, ACK acceptability window;
 *   challenge ACKs are rate limited per stack. RFC 1337: RST ignored in
 *   TIME_WAIT. ACKs answering unacceptable empty segments are rate limited
 *   per connection (Linux tcp_invalid_ratelimit) to rule out ACK loops.
 * - Options: MSS (default 1460), window scale (RFC 7323, shift chosen from
 *   the receive buffer), SACK-permitted and SACK blocks (RFC 2018: the
 *   receiver reports its out-of-order queue; the sender does not use SACK
 *   information, recovery is NewReno), timestamps (RFC 7323: negotiated and
 *   echoed; not used for RTT measurement or PAWS). Off by default:
 *   timestamps (so the MSS stays 1460 as in docs/PAPER.md).
 * - RFC 6298 RTO (SRTT/RTTVAR, Karn, min 200 ms like Linux — RFC says 1 s —,
 *   max 60 s, backoff, abort after maxRetries with cleanup "timeout"; after a
 *   retransmitted SYN the RTO stays >= 3 s until the first sample).
 * - RFC 5681 slow start / congestion avoidance (byte counting, growth only
 *   when cwnd-limited), RFC 6928 initial window (10 segments), RFC 3042
 *   limited transmit, RFC 6582 NewReno fast retransmit / fast recovery, go-back-N
 *   from SND.UNA after an RTO.
 * - Delayed ACKs (40 ms, every second full segment, quick-ACK for the first
 *   16 data segments, immediate ACK for out-of-order data, gap fills, FIN and
 *   window updates), Nagle (off by default), sender and receiver SWS
 *   avoidance, persist timer with exponential backoff for zero windows.
 * - Out-of-order reassembly bounded by segments and bytes (excess dropped
 *   and counted), holding SharedRx references, never copying.
 * - Seeded ISNs (Rng stream "tcp-isn"; `forceIsn` for tests) and ephemeral
 *   ports (RFC 6056, stream "tcp-ports"); `connect` also takes an explicit
 *   local port.
 */
import type { SharedRx } from "../buf.ts";
import type { BufRef } from "../../hw/buffers.ts";
import type { CleanupReason, ConnId, Endpoint, SocketEvent } from "../events.ts";
import type { Ipv4Addr } from "../wire/ipv4.ts";
import { makeTcpRepr, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type TcpRepr } from "../wire/tcp.ts";
import type { Rng } from "../../core/rng.ts";
import { SEC, type Time } from "../../core/time.ts";
import type { TcpLayerApi, TcpLayerHost } from "./api.ts";
import { ccInit, ccOnRto } from "./cc.ts";
import { resolveTcpConfig, SYN_FALLBACK_RTO, type TcpConfig, windowScaleFor } from "./config.ts";
import { Conn, Listener, St } from "./conn.ts";
import type { TcpCtx } from "./context.ts";
import { FlowTable } from "./flow_table.ts";
import { inputSynchronized, inputSynSent, negotiateOptions } from "./input.ts";
import { output, sendAck, sendConnRst, sendProbe, sendRst, sendSyn } from "./output.ts";
import { EphemeralPorts } from "./ports.ts";
import { seqAdd, seqDiff, seqGt } from "./seq.ts";
import { TcpStats } from "./stats.ts";
import { TimerHeap } from "./timer_heap.ts";

export { DEFAULT_TCP_CONFIG, type TcpConfig } from "./config.ts";

/** Length of the challenge-ACK rate-limit window (RFC 5961 section 7: "per second"). */
const CHALLENGE_WINDOW: Time = 1 * SEC;

/** A read-only view of one connection for tests and diagnostics. */
export interface TcpConnInfo {
  readonly id: ConnId;
  readonly state: St;
  readonly local: Endpoint;
  readonly remote: Endpoint;
  readonly sndMss: number;
  readonly sndWscale: number;
  readonly rcvWscale: number;
  readonly sndWnd: number;
  readonly cwnd: number;
  readonly ssthresh: number;
  readonly rto: Time;
  readonly srtt: Time;
  readonly sackOk: boolean;
  readonly tsOk: boolean;
  readonly iss: number;
  readonly irs: number;
  readonly sndUna: number;
  readonly sndNxt: number;
  readonly rcvNxt: number;
  /** Receive window we last advertised, bytes. */
  readonly rcvWnd: number;
  /** Bytes queued to send and not yet acknowledged. */
  readonly sendQueued: number;
  /** Bytes delivered to (or waiting for) the application and not released. */
  readonly heldBytes: number;
  readonly oooSegments: number;
}

export class TcpLayer implements TcpLayerApi, TcpCtx {
  readonly cfg: TcpConfig;
  readonly stats = new TcpStats();
  readonly txRepr: TcpRepr = makeTcpRepr();

  private readonly flows = new FlowTable<Conn>();
  /** Live connections by id, in creation order. */
  private readonly conns = new Map<ConnId, Conn>();
  /** The connection {@link connById} last found (see there). */
  private lastConn: Conn | null = null;
  private readonly listeners = new Map<number, Listener>();
  private readonly timers = new TimerHeap<Conn>();
  private readonly ports: EphemeralPorts;
  private readonly isnRng: Rng;
  private nextId = 1;
  /** Events queued during the current call and their connections (slots reused; `eventCount` are live). */
  private readonly events: (SocketEvent | null)[] = [];
  private readonly eventConns: (Conn | null)[] = [];
  private eventCount = 0;
  private flushing = false;
  /** Latest time seen in any call (for recvDone, which carries none). */
  private lastNow: Time = 0;
  private challengeWindowStart: Time = -Infinity;
  private challengeCount = 0;
  readonly host: TcpLayerHost;
  readonly stackId: number = 0;

  // No constructor parameter properties: with them Deno declares every field
  // undefined first and V8 boxes the time fields (lastNow) on every store.
  constructor(host: TcpLayerHost, cfg: Partial<TcpConfig>, rng: Rng, stackId: number) {
    this.host = host;
    this.stackId = stackId;
    this.cfg = resolveTcpConfig(cfg);
    this.isnRng = rng.stream("tcp-isn");
    this.ports = new EphemeralPorts(
      this.cfg.ephemeralPortMin,
      this.cfg.ephemeralPortMax,
      rng.stream("tcp-ports"),
    );
  }

  // ------------------------------------------------------------------ TcpCtx

  emit(c: Conn, ev: SocketEvent): void {
    this.eventConns[this.eventCount] = c;
    this.events[this.eventCount++] = ev;
  }

  destroy(c: Conn, reason: CleanupReason): void {
    if (c.gone) return;
    c.gone = true;
    c.state = St.Closed;
    this.flows.remove(c.localAddr, c.localPort, c.remoteAddr, c.remotePort);
    this.conns.delete(c.id);
    this.timers.remove(c);
    if (c.listener) {
      c.listener.pending--;
      c.listener = null;
    }
    c.holds.clear();
    c.ooo.clear();
    if (c.pendingRx) { for (const rx of c.pendingRx) rx.release(); }
    c.pendingRx = null;
    c.pendingRefs = null;
    c.pendingBytes = 0;
    c.sq.clear();
    c.rtxAt =
      c.delackAt =
      c.waitAt =
      c.deadline =
        Infinity;
    this.host.acct.charge("tcp_conn");
    const s = this.stats;
    if (reason === "closed") s.connsClosed++;
    else if (reason === "reset") s.connsReset++;
    else if (reason === "timeout") s.connsTimedOut++;
    else if (reason === "refused") s.connsRefused++;
    else s.connsAborted++;
    if (c.appKnows) this.emit(c, { kind: "cleanup", conn: c.id, reason });
  }

  established(c: Conn): void {
    this.stats.connsOpened++;
    c.retries = 0;
    if (c.synRetransmitted) c.rtt.atLeast(SYN_FALLBACK_RTO);
    c.appKnows = true;
    if (c.active) {
      this.emit(c, {
        kind: "connected",
        conn: c.id,
        local: { addr: c.localAddr, port: c.localPort },
      });
    } else {
      this.emit(c, {
        kind: "new_conn",
        conn: c.id,
        listenPort: c.localPort,
        local: { addr: c.localAddr, port: c.localPort },
        remote: { addr: c.remoteAddr, port: c.remotePort },
      });
    }
    if (c.finQueued) c.state = St.FinWait1;
  }

  challengeAckAllowed(now: Time): boolean {
    if (now - this.challengeWindowStart >= CHALLENGE_WINDOW) {
      this.challengeWindowStart = now;
      this.challengeCount = 0;
    }
    if (this.challengeCount >= this.cfg.challengeAckLimit) return false;
    this.challengeCount++;
    return true;
  }

  // ------------------------------------------------------------------ input

  input(
    now: Time,
    src: Ipv4Addr,
    dst: Ipv4Addr,
    repr: TcpRepr,
    payload: BufRef,
    rx: SharedRx,
  ): void {
    this.touch(now);
    const acct = this.host.acct;
    acct.charge("tcp_rx");
    this.stats.segmentsIn++;
    const flags = repr.flags;
    if (repr.srcPort === 0 || repr.dstPort === 0) {
      this.stats.drop("bad_port");
      return;
    }
    if (flags & TCP_SYN && flags & (TCP_FIN | TCP_RST)) {
      this.stats.drop("bad_flags");
      return;
    }
    acct.charge("flow_lookup");
    let c = this.flows.get(dst, repr.dstPort, src, repr.srcPort);
    if (
      c !== undefined && c.state === St.TimeWait && (flags & (TCP_SYN | TCP_ACK)) === TCP_SYN &&
      seqGt(repr.seq >>> 0, c.rcvNxt) && this.listeners.has(repr.dstPort)
    ) {
      // A new incarnation of the connection may take over TIME_WAIT (RFC 9293 3.10.7.4 / RFC 6191).
      this.destroy(c, "closed");
      c = undefined;
    }
    if (c === undefined) {
      const l = this.listeners.get(repr.dstPort);
      if (l !== undefined) this.inputListen(now, l, src, dst, repr);
      else this.inputClosed(now, src, dst, repr, payload.len);
    } else if (c.state === St.SynSent) {
      inputSynSent(this, c, now, repr);
      this.reschedule(c);
    } else {
      inputSynchronized(this, c, now, repr, payload, rx);
      this.reschedule(c);
    }
    this.flush();
  }

  /** RFC 9293 3.10.7.1: a segment for no connection gets a RST (unless it is one). */
  private inputClosed(now: Time, src: Ipv4Addr, dst: Ipv4Addr, seg: TcpRepr, len: number): void {
    if (seg.flags & TCP_RST) {
      this.stats.drop("no_conn_rst");
      return;
    }
    this.stats.drop("no_conn");
    if (seg.flags & TCP_ACK) {
      sendRst(this, now, dst, src, seg.dstPort, seg.srcPort, seg.ack, 0, false);
    } else {
      const segLen = len + (seg.flags & TCP_SYN ? 1 : 0) + (seg.flags & TCP_FIN ? 1 : 0);
      sendRst(this, now, dst, src, seg.dstPort, seg.srcPort, 0, seqAdd(seg.seq, segLen), true);
    }
  }

  /** RFC 9293 3.10.7.2: LISTEN. */
  private inputListen(now: Time, l: Listener, src: Ipv4Addr, dst: Ipv4Addr, seg: TcpRepr): void {
    const flags = seg.flags;
    if (flags & TCP_RST) {
      this.stats.drop("listen_rst");
      return;
    }
    if (flags & TCP_ACK) {
      this.stats.drop("listen_ack");
      sendRst(this, now, dst, src, seg.dstPort, seg.srcPort, seg.ack, 0, false);
      return;
    }
    if (!(flags & TCP_SYN)) {
      this.stats.drop("listen_no_syn");
      return;
    }
    if (l.pending >= l.backlog) {
      this.stats.drop("backlog_full");
      return;
    }
    // Data on the SYN is not accepted (the peer retransmits it); RCV.NXT covers the SYN only.
    const c = new Conn(this.nextId++, dst, seg.dstPort, src, seg.srcPort, false, this.cfg);
    c.listener = l;
    l.pending++;
    const seq = seg.seq >>> 0;
    c.irs = seq;
    c.rcvNxt = seqAdd(seq, 1);
    c.lastAckSent = c.rcvNxt;
    negotiateOptions(this, c, seg);
    this.initSend(c);
    c.sndWnd = seg.window;
    c.maxSndWnd = seg.window;
    c.sndWl1 = seq;
    c.sndWl2 = c.iss;
    ccInit(this, c);
    c.state = St.SynReceived;
    this.flows.insert(dst, seg.dstPort, src, seg.srcPort, c);
    this.conns.set(c.id, c);
    this.host.acct.charge("tcp_conn");
    sendSyn(this, c, now);
    this.startSynTimer(c, now);
    this.reschedule(c);
  }

  private initSend(c: Conn): void {
    c.iss = this.cfg.forceIsn ?? this.isnRng.nextU32();
    c.sndUna = c.iss;
    c.sndNxt = seqAdd(c.iss, 1);
    c.sndMax = c.sndNxt;
    c.recover = c.iss;
  }

  private startSynTimer(c: Conn, now: Time): void {
    c.rttTiming = !c.synRetransmitted;
    c.rttSeq = c.iss;
    c.rttStart = now;
    c.persist = false;
    c.rtxAt = now + c.rtt.rto;
  }

  // ------------------------------------------------------------------ timers

  nextDeadline(): Time {
    return this.timers.min();
  }

  poll(now: Time): void {
    this.touch(now);
    for (;;) {
      const c = this.timers.peek();
      if (c === undefined || c.deadline > now) break;
      this.runTimers(c, now);
      this.reschedule(c);
    }
    this.flush();
  }

  private runTimers(c: Conn, now: Time): void {
    const acct = this.host.acct;
    if (c.waitAt <= now) {
      acct.charge("tcp_timer");
      c.waitAt = Infinity;
      this.destroy(c, c.deferredReason ?? "closed");
      return;
    }
    if (c.rtxAt <= now) {
      acct.charge("tcp_timer");
      c.rtxAt = Infinity;
      if (c.persist) this.persistTimeout(c, now);
      else this.retransmitTimeout(c, now);
      if (c.gone) return;
    }
    if (c.delackAt <= now) {
      acct.charge("tcp_timer");
      c.delackAt = Infinity;
      if (c.state !== St.SynSent && c.state !== St.SynReceived && c.state !== St.TimeWait) {
        sendAck(this, c, now);
      }
    }
  }

  private retransmitTimeout(c: Conn, now: Time): void {
    c.retries++;
    if (c.state === St.SynSent || c.state === St.SynReceived) {
      if (c.retries > this.cfg.synRetries) {
        this.destroy(c, "timeout");
        return;
      }
      c.rtt.backoff();
      c.synRetransmitted = true;
      c.rttTiming = false;
      this.stats.synRetransmits++;
      this.stats.retransmits++;
      sendSyn(this, c, now);
      c.rtxAt = now + c.rtt.rto;
      return;
    }
    if (c.state === St.TimeWait || c.state === St.FinWait2 || c.sndUna === c.sndMax) return;
    if (c.retries > this.cfg.maxRetries) {
      this.destroy(c, "timeout");
      return;
    }
    this.stats.rtos++;
    ccOnRto(c, c.retries === 1);
    c.rtt.backoff();
    c.rttTiming = false; // Karn
    c.sndNxt = c.sndUna; // go back N: resend from the first unacknowledged byte
    output(this, c, now);
  }

  private persistTimeout(c: Conn, now: Time): void {
    c.persist = false;
    if (c.sndWnd > 0) {
      // SWS override: the window is open but small and nothing is in flight.
      const unsent = c.sq.queued - c.offOf(c.sndNxt);
      const saved = c.maxSndWnd;
      if (unsent > 0) c.maxSndWnd = Math.min(c.maxSndWnd, 2 * Math.min(c.sndWnd, unsent));
      output(this, c, now);
      c.maxSndWnd = saved;
      return;
    }
    c.retries++;
    if (c.retries > this.cfg.maxRetries) {
      this.destroy(c, "timeout");
      return;
    }
    sendProbe(this, c, now);
    c.persist = true;
    c.persistInterval = Math.min(2 * c.persistInterval, this.cfg.maxPersist);
    c.rtxAt = now + c.persistInterval;
  }

  private reschedule(c: Conn): void {
    if (c.gone) return;
    c.refreshDeadline();
    this.timers.update(c);
  }

  private touch(now: Time): void {
    if (now > this.lastNow) this.lastNow = now;
  }

  // ------------------------------------------------------------------ events

  private flush(): void {
    if (this.flushing || this.eventCount === 0) return;
    this.flushing = true;
    const evs = this.events, conns = this.eventConns;
    try {
      // Handlers may queue more events (they call back in); the loop picks them up.
      for (let i = 0; i < this.eventCount; i++) {
        const ev = evs[i] as SocketEvent;
        const c = conns[i] as Conn;
        evs[i] = null;
        conns[i] = null;
        // For a connection already gone (its buffers are released) only the
        // acknowledgements and the cleanup after them are delivered: the
        // application reclaims its send buffers by data_acked, even after close().
        if (c.gone && ev.kind !== "cleanup" && ev.kind !== "data_acked") continue;
        this.host.event(ev);
      }
    } finally {
      for (let i = 0; i < this.eventCount; i++) {
        evs[i] = null;
        conns[i] = null;
      }
      this.eventCount = 0;
      this.flushing = false;
    }
  }

  // ------------------------------------------------------------------ commands

  /**
   * The live connection `id` (as `conns.get(id)`). The last one found is kept
   * because commands come in runs for one connection; ids are never reused
   * and a connection leaves `conns` exactly when it is marked gone, so the
   * kept one answers for its id while not gone.
   */
  private connById(id: ConnId): Conn | undefined {
    const last = this.lastConn;
    if (last !== null && last.id === id && !last.gone) return last;
    const c = this.conns.get(id);
    if (c !== undefined) this.lastConn = c;
    return c;
  }

  listen(port: number, backlog: number): void {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new RangeError(`listen: bad port ${port}`);
    }
    if (!Number.isInteger(backlog) || backlog < 1) {
      throw new RangeError(`listen: backlog must be a positive integer, got ${backlog}`);
    }
    if (this.listeners.has(port)) throw new Error(`listen: port ${port} already listening`);
    this.listeners.set(port, new Listener(port, backlog));
  }

  /**
   * Active open. `localPort` (optional, an extension of the socket contract
   * used by hosting modes that steer flows by hash) asks for a specific local
   * port; if that 4-tuple is busy the connection fails with cleanup "aborted".
   */
  connect(now: Time, local: Ipv4Addr, remote: Endpoint, localPort?: number): ConnId {
    if (!Number.isInteger(remote.port) || remote.port < 1 || remote.port > 65535) {
      throw new RangeError(`connect: bad remote port ${remote.port}`);
    }
    if (
      localPort !== undefined &&
      (!Number.isInteger(localPort) || localPort < 1 || localPort > 65535)
    ) {
      throw new RangeError(`connect: bad local port ${localPort}`);
    }
    this.touch(now);
    const raddr = remote.addr >>> 0, laddr = local >>> 0;
    const usable = (p: number) =>
      !this.listeners.has(p) && !this.flows.has(laddr, p, raddr, remote.port);
    const port = localPort === undefined
      ? this.ports.alloc(usable)
      : usable(localPort)
      ? localPort
      : -1;
    const c = new Conn(
      this.nextId++,
      laddr,
      port < 0 ? 0 : port,
      raddr,
      remote.port,
      true,
      this.cfg,
    );
    c.appKnows = true;
    c.accepted = true;
    this.conns.set(c.id, c);
    this.host.acct.charge("tcp_conn");
    if (port < 0) {
      // No usable port: report the failure through the usual cleanup, after this call returns.
      this.stats.portExhausted++;
      c.deferredReason = "aborted";
      c.waitAt = now;
      this.reschedule(c);
      return c.id;
    }
    c.rcvWscale = this.cfg.windowScaling ? windowScaleFor(this.cfg.rcvBuf) : 0;
    this.initSend(c);
    c.state = St.SynSent;
    this.flows.insert(laddr, port, raddr, remote.port, c);
    sendSyn(this, c, now);
    this.startSynTimer(c, now);
    this.reschedule(c);
    this.flush();
    return c.id;
  }

  accept(conn: ConnId): void {
    const c = this.connById(conn);
    if (c === undefined || !c.appKnows) {
      this.stats.unknownConnCommands++;
      return;
    }
    if (c.accepted) return;
    c.accepted = true;
    this.stats.connsAccepted++;
    if (c.listener) {
      c.listener.pending--;
      c.listener = null;
    }
    if (c.pendingRefs !== null && c.pendingRx !== null) {
      const rxId = c.holds.add(c.pendingRx, c.pendingBytes);
      this.emit(c, {
        kind: "new_data",
        conn: c.id,
        rxId,
        refs: c.pendingRefs,
        bytes: c.pendingBytes,
      });
      c.pendingRefs = null;
      c.pendingRx = null;
      c.pendingBytes = 0;
    }
    if (c.remoteClosedOwed) {
      c.remoteClosedOwed = false;
      this.emit(c, { kind: "remote_closed", conn: c.id });
    }
    this.flush();
  }

  send(now: Time, conn: ConnId, refs: readonly BufRef[], token: number): void {
    const c = this.connById(conn);
    if (c === undefined || !c.appKnows) {
      this.stats.unknownConnCommands++;
      return;
    }
    if (c.finQueued) {
      this.stats.sendAfterShutdown++;
      return;
    }
    this.touch(now);
    c.sq.push(refs, token);
    while (c.sq.tokenReady()) {
      this.emit(c, { kind: "data_acked", conn: c.id, token: c.sq.popToken() });
    }
    if (c.state !== St.SynSent && c.state !== St.SynReceived) output(this, c, now);
    this.reschedule(c);
    this.flush();
  }

  /**
   * The application is done with delivery `rxId`. `now` is optional because
   * the socket contract carries no time here; without it the layer uses the
   * latest time it has seen, and a window update it decides to send is left
   * to the next poll() (nextDeadline() reports it as due).
   */
  recvDone(conn: ConnId, rxId: number, now?: Time): void {
    const c = this.connById(conn);
    if (c === undefined || !c.appKnows) {
      this.stats.unknownConnCommands++;
      return;
    }
    if (!c.holds.release(rxId)) {
      this.stats.badRecvDone++;
      return;
    }
    if (now !== undefined) this.touch(now);
    const st = c.state;
    if (
      c.finReceived || !(st === St.Established || st === St.FinWait1 || st === St.FinWait2)
    ) return;
    // Window update when the window at least doubles from at most half the buffer
    // (Linux tcp_cleanup_rbuf's rule; RFC 9293 3.8.6.2.2 SWS avoidance).
    const buf = this.cfg.rcvBuf;
    let adv = seqDiff(c.rcvAdv, c.rcvNxt);
    if (adv < 0) adv = 0;
    const free = buf - c.heldBytes;
    if (2 * adv <= buf && free >= 2 * adv && free - adv >= Math.min(buf >> 1, c.mss)) {
      if (now !== undefined) {
        sendAck(this, c, now);
      } else if (c.delackAt > this.lastNow) {
        c.delackAt = this.lastNow;
      }
      this.reschedule(c);
    }
  }

  shutdown(now: Time, conn: ConnId): void {
    const c = this.connById(conn);
    if (c === undefined || !c.appKnows) {
      this.stats.unknownConnCommands++;
      return;
    }
    this.touch(now);
    this.doShutdown(c, now);
    this.reschedule(c);
    this.flush();
  }

  private doShutdown(c: Conn, now: Time): void {
    if (c.finQueued) return;
    c.finQueued = true;
    switch (c.state) {
      case St.SynSent:
        this.destroy(c, "closed");
        return;
      case St.Established:
        c.state = St.FinWait1;
        break;
      case St.CloseWait:
        c.state = St.LastAck;
        break;
      default:
        return; // SYN_RECEIVED: the FIN follows once established
    }
    output(this, c, now);
  }

  close(now: Time, conn: ConnId): void {
    const c = this.connById(conn);
    if (c === undefined || !c.appKnows) {
      this.stats.unknownConnCommands++;
      return;
    }
    this.touch(now);
    if (c.appClosed) return;
    c.appClosed = true;
    if (!c.accepted) {
      c.accepted = true;
      if (c.listener) {
        c.listener.pending--;
        c.listener = null;
      }
    }
    c.remoteClosedOwed = false;
    if (c.pendingBytes > 0 && c.state !== St.SynSent) {
      // Unread data: reset rather than close (RFC 9293 3.10.4 permits; Linux does this).
      sendConnRst(this, c, now);
      this.destroy(c, "aborted");
    } else {
      this.doShutdown(c, now);
      if (!c.gone && c.state === St.FinWait2) c.waitAt = now + this.cfg.finWait2Timeout;
    }
    this.reschedule(c);
    this.flush();
  }

  // ------------------------------------------------------------------ introspection

  /** Number of live connections (all states but LISTEN). */
  get connectionCount(): number {
    return this.conns.size;
  }

  /** Ids of live connections in creation order. */
  connectionIds(): ConnId[] {
    return [...this.conns.keys()];
  }

  /** A snapshot of one connection, or undefined if it is gone. */
  info(conn: ConnId): TcpConnInfo | undefined {
    const c = this.connById(conn);
    if (c === undefined) return undefined;
    return {
      id: c.id,
      state: c.state,
      local: { addr: c.localAddr, port: c.localPort },
      remote: { addr: c.remoteAddr, port: c.remotePort },
      sndMss: c.mss,
      sndWscale: c.sndWscale,
      rcvWscale: c.rcvWscale,
      sndWnd: c.sndWnd,
      cwnd: c.cwnd,
      ssthresh: c.ssthresh,
      rto: c.rtt.rto,
      srtt: c.rtt.srtt,
      sackOk: c.sackOk,
      tsOk: c.tsOk,
      iss: c.iss,
      irs: c.irs,
      sndUna: c.sndUna,
      sndNxt: c.sndNxt,
      rcvNxt: c.rcvNxt,
      rcvWnd: Math.max(0, seqDiff(c.rcvAdv, c.rcvNxt)),
      sendQueued: c.sq.bytes,
      heldBytes: c.heldBytes,
      oooSegments: c.ooo.count,
    };
  }

  /** Connections waiting in the backlog of `port` (SYN_RECEIVED or not yet accepted). */
  backlogOf(port: number): number {
    return this.listeners.get(port)?.pending ?? 0;
  }
}
