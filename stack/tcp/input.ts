/**
 * Segment arrival for an existing connection (RFC 9293 section 3.10.7.3 and
 * 3.10.7.4, with the RFC 5961 checks): SYN_SENT handling, sequence
 * acceptability, RST/SYN validation with challenge ACKs, ACK processing,
 * in-order delivery and out-of-order reassembly, FIN handling.
 */
import type { SharedRx } from "../buf.ts";
import type { BufRef } from "../../hw/buffers.ts";
import {
  TCP_ACK,
  TCP_FIN,
  TCP_RST,
  TCP_SYN,
  TCP_TS_OPTION_SPACE,
  type TcpRepr,
} from "../wire/tcp.ts";
import { MS, type Time } from "../../core/time.ts";
import {
  DEFAULT_PEER_MSS,
  MAX_WINDOW_FIELD,
  MAX_WINDOW_SCALE,
  MIN_PEER_MSS,
  SYN_FALLBACK_RTO,
  windowScaleFor,
} from "./config.ts";
import { ccInit, ccOnDupAck, ccOnNewAck } from "./cc.ts";
import { type Conn, St } from "./conn.ts";
import type { TcpCtx } from "./context.ts";
import { OOO_DROPPED } from "./ooo.ts";
import {
  challengeAck,
  output,
  restartRtx,
  sendAck,
  sendConnRst,
  sendRst,
  sendSyn,
} from "./output.ts";
import { seqAdd, seqDiff, seqGe, seqGt, seqInWindow, seqLe, seqLt } from "./seq.ts";

/** Least interval between ACKs answering unacceptable empty segments (Linux tcp_invalid_ratelimit, 500 ms). */
const OOW_ACK_INTERVAL: Time = 500 * MS;

/** Applies the options of the peer's SYN (or SYN-ACK) to `c`. */
export function negotiateOptions(ctx: TcpCtx, c: Conn, seg: TcpRepr): void {
  const cfg = ctx.cfg;
  let peerMss = seg.mss ?? DEFAULT_PEER_MSS;
  if (peerMss < MIN_PEER_MSS) peerMss = MIN_PEER_MSS;
  if (cfg.windowScaling && seg.windowScale !== null && seg.windowScale !== undefined) {
    c.wsOk = true;
    // RFC 7323 2.3: a shift above 14 is treated as 14.
    c.sndWscale = Math.min(seg.windowScale, MAX_WINDOW_SCALE);
    c.rcvWscale = windowScaleFor(cfg.rcvBuf);
  } else {
    c.wsOk = false;
    c.sndWscale = 0;
    c.rcvWscale = 0;
  }
  c.sackOk = cfg.sack && seg.sackPermitted === true;
  c.tsOk = cfg.timestamps && seg.tsVal !== null && seg.tsVal !== undefined;
  if (c.tsOk) c.tsRecent = (seg.tsVal as number) >>> 0;
  c.mss = Math.min(cfg.mss, peerMss) - (c.tsOk ? TCP_TS_OPTION_SPACE : 0);
}

/** The peer's window field in bytes (never scaled in a SYN, RFC 7323 2.2). */
function peerWindow(c: Conn, seg: TcpRepr): number {
  return seg.flags & TCP_SYN ? seg.window : seg.window << c.sndWscale; // <= 2^30, exact
}

function setSendWindow(c: Conn, wnd: number, seq: number, ack: number): void {
  c.sndWnd = wnd;
  c.sndWl1 = seq;
  c.sndWl2 = ack;
  if (wnd > c.maxSndWnd) c.maxSndWnd = wnd;
}

/** A segment for a connection in SYN_SENT (RFC 9293 3.10.7.3). */
export function inputSynSent(ctx: TcpCtx, c: Conn, now: Time, seg: TcpRepr): void {
  const flags = seg.flags;
  const ack = seg.ack >>> 0;
  if (flags & TCP_ACK) {
    if (seqLe(ack, c.iss) || seqGt(ack, c.sndMax)) {
      if (flags & TCP_RST) {
        ctx.stats.drop("syn_sent_other");
      } else {
        ctx.stats.drop("syn_sent_bad_ack");
        sendRst(ctx, now, c.localAddr, c.remoteAddr, c.localPort, c.remotePort, ack, 0, false);
      }
      return;
    }
  }
  if (flags & TCP_RST) {
    if (flags & TCP_ACK) ctx.destroy(c, "refused");
    else ctx.stats.drop("syn_sent_other");
    return;
  }
  if (!(flags & TCP_SYN)) {
    ctx.stats.drop("syn_sent_other");
    return;
  }
  const seq = seg.seq >>> 0;
  c.irs = seq;
  c.rcvNxt = seqAdd(seq, 1);
  c.lastAckSent = c.rcvNxt;
  // Our SYN offered min(rcvBuf, 65535) unscaled; now that RCV.NXT is known, place that edge.
  c.rcvAdv = seqAdd(c.rcvNxt, Math.min(ctx.cfg.rcvBuf, MAX_WINDOW_FIELD));
  negotiateOptions(ctx, c, seg);
  if (flags & TCP_ACK) {
    c.sndUna = ack;
    if (seqLt(c.sndNxt, ack)) c.sndNxt = ack;
    setSendWindow(c, seg.window, seq, ack);
    if (c.rttTiming && !c.synRetransmitted) c.rtt.sample(now - c.rttStart);
    if (c.synRetransmitted) c.rtt.atLeast(SYN_FALLBACK_RTO);
    c.rttTiming = false;
    c.retries = 0;
    c.rtxAt = Infinity;
    ccInit(ctx, c);
    c.state = St.Established;
    ctx.stats.connsOpened++;
    ctx.emit(c, {
      kind: "connected",
      conn: c.id,
      local: { addr: c.localAddr, port: c.localPort },
    });
    // Data on a SYN-ACK is not accepted (it will be retransmitted); ACK the SYN.
    c.ackNow = true;
    if (c.finQueued) c.state = St.FinWait1;
    output(ctx, c, now);
  } else {
    // Simultaneous open (RFC 9293 figure 8).
    c.state = St.SynReceived;
    ccInit(ctx, c);
    setSendWindow(c, seg.window, seq, c.iss);
    c.sndNxt = seqAdd(c.iss, 1);
    c.rttTiming = false;
    sendSyn(ctx, c, now);
    restartRtx(c, now);
  }
}

/** A segment for a synchronized connection (SYN_RECEIVED and later). */
export function inputSynchronized(
  ctx: TcpCtx,
  c: Conn,
  now: Time,
  seg: TcpRepr,
  payload: BufRef,
  rx: SharedRx,
): void {
  const flags = seg.flags;
  const seq = seg.seq >>> 0;
  if (
    c.state === St.Established && (flags & (TCP_SYN | TCP_FIN | TCP_RST | TCP_ACK)) === TCP_ACK &&
    seq === c.rcvNxt
  ) {
    inputPredicted(ctx, c, now, seg, seq, payload, rx);
    return;
  }
  const dataLen = payload.len;
  const segLen = dataLen + (flags & TCP_SYN ? 1 : 0) + (flags & TCP_FIN ? 1 : 0);

  // A retransmitted SYN while our SYN-ACK is unanswered: send the SYN-ACK again
  // (our SYN-ACK was probably lost; Linux tcp_check_req does the same).
  if (
    c.state === St.SynReceived && !c.active &&
    (flags & (TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN)) === TCP_SYN && seq === c.irs
  ) {
    ctx.stats.synAckResent++;
    sendSyn(ctx, c, now);
    return;
  }

  // Simultaneous open: our SYN-ACK crossed the peer's; its SYN-ACK completes the handshake.
  if (
    c.state === St.SynReceived && c.active && (flags & (TCP_SYN | TCP_ACK | TCP_RST)) ===
      (TCP_SYN | TCP_ACK) &&
    seq === c.irs && seqGt(seg.ack >>> 0, c.sndUna) &&
    seqLe(seg.ack >>> 0, c.sndMax)
  ) {
    c.state = St.Established;
    setSendWindow(c, seg.window, seq, seg.ack >>> 0);
    processAck(ctx, c, now, seg, seq, seg.ack >>> 0, 0);
    ctx.established(c);
    c.ackNow = true;
    output(ctx, c, now);
    return;
  }

  // 1. Sequence number acceptability (RFC 9293 3.10.7.4, first check).
  let rcvWnd = seqDiff(c.rcvAdv, c.rcvNxt);
  if (rcvWnd < 0) rcvWnd = 0;
  const right = seqAdd(c.rcvNxt, rcvWnd);
  let acceptable: boolean;
  if (segLen === 0) {
    acceptable = rcvWnd === 0 ? seq === c.rcvNxt : seqInWindow(seq, c.rcvNxt, right);
  } else if (rcvWnd === 0) {
    // Zero window: still take the ACK, RST and a bare FIN of a segment at RCV.NXT.
    acceptable = seq === c.rcvNxt;
  } else {
    acceptable = seqInWindow(seq, c.rcvNxt, right) ||
      seqInWindow(seqAdd(seq, segLen - 1), c.rcvNxt, right);
  }
  if (!acceptable) {
    if (flags & TCP_SYN && !(flags & TCP_RST)) {
      ctx.stats.drop("syn_synchronized");
      challengeAck(ctx, c, now);
      return;
    }
    ctx.stats.drop("out_of_window");
    if (flags & TCP_RST) return;
    if (c.state === St.TimeWait && flags & TCP_FIN) c.waitAt = now + 2 * ctx.cfg.msl;
    // Answer with an ACK; for segments without data (which may be ACKs answering
    // ours) at most once per OOW_ACK_INTERVAL, so two confused ends cannot
    // ping-pong ACKs forever (Linux tcp_oow_rate_limited).
    // A zero-window probe (one below RCV.NXT, no data) is always answered.
    if (segLen === 0 && seq !== seqAdd(c.rcvNxt, -1)) {
      if (now - c.lastOowAck < OOW_ACK_INTERVAL) {
        ctx.stats.oowAcksSuppressed++;
        return;
      }
      c.lastOowAck = now;
    }
    sendAck(ctx, c, now);
    return;
  }

  // RFC 7323 section 4.3: remember the peer's timestamp for echoing.
  if (c.tsOk && seg.tsVal !== null && seg.tsVal !== undefined) {
    const tv = seg.tsVal >>> 0;
    if (seqLe(seq, c.lastAckSent) && seqGe(tv, c.tsRecent)) c.tsRecent = tv;
  }

  // 2. RST (RFC 5961 section 3.2).
  if (flags & TCP_RST) {
    if (seq !== c.rcvNxt) {
      ctx.stats.drop("rst_in_window");
      challengeAck(ctx, c, now);
      return;
    }
    if (c.state === St.TimeWait) {
      ctx.stats.drop("time_wait_rst"); // RFC 1337: no TIME_WAIT assassination
      return;
    }
    ctx.destroy(c, c.state === St.SynReceived ? "refused" : "reset");
    return;
  }

  // 4. SYN in a synchronized state: challenge ACK (RFC 5961 section 4.2).
  if (flags & TCP_SYN) {
    ctx.stats.drop("syn_synchronized");
    challengeAck(ctx, c, now);
    return;
  }

  // 5. ACK.
  if (!(flags & TCP_ACK)) {
    ctx.stats.drop("no_ack");
    return;
  }
  const ack = seg.ack >>> 0;
  if (c.state === St.SynReceived) {
    if (!(seqGt(ack, c.sndUna) && seqLe(ack, c.sndMax))) {
      ctx.stats.drop("syn_received_bad_ack");
      sendRst(ctx, now, c.localAddr, c.remoteAddr, c.localPort, c.remotePort, ack, 0, false);
      return;
    }
    c.state = St.Established;
    setSendWindow(c, peerWindow(c, seg), seq, ack);
    ctx.established(c);
  }
  if (seqGt(ack, c.sndMax) || seqLt(ack, seqAdd(c.sndUna, -c.maxSndWnd))) {
    // RFC 5961 section 5.2: ACK outside [SND.UNA - MAX.SND.WND, SND.NXT].
    ctx.stats.drop("ack_unacceptable");
    sendAck(ctx, c, now);
    return;
  }
  if (!processAck(ctx, c, now, seg, seq, ack, dataLen)) return;

  // 7. Segment text.
  let finInOrder = false;
  if (dataLen > 0) {
    const st = c.state;
    if (st === St.Established || st === St.FinWait1 || st === St.FinWait2) {
      if (c.appClosed) {
        // Data for an application that closed: abort (as Linux does; RFC 9293 3.10.7.4).
        ctx.stats.drop("data_after_close");
        sendConnRst(ctx, c, now);
        ctx.destroy(c, "aborted");
        return;
      }
      finInOrder = receiveData(ctx, c, now, seq, payload, rx, (flags & TCP_FIN) !== 0);
    } else {
      ctx.stats.drop("data_after_fin");
    }
  } else if (flags & TCP_FIN) {
    if (seq === c.rcvNxt) finInOrder = true;
    else if (seqGt(seq, c.rcvNxt)) noteOooFin(c, seq);
  }

  // 8. FIN.
  if (finInOrder) processFin(ctx, c, now);
  else if (flags & TCP_FIN && seqLt(seqAdd(seq, dataLen), c.rcvNxt)) c.ackNow = true;
  output(ctx, c, now);
}

/**
 * Header prediction (after Van Jacobson's, as in BSD tcp_input): the common
 * segment of an ESTABLISHED connection, the next in order (it starts at
 * RCV.NXT) with ACK set and no SYN, FIN or RST. {@link inputSynchronized}
 * would find it acceptable whatever the window (RFC 9293 3.10.7.4, first
 * check) and skip its SYN_RECEIVED, RST and SYN steps, so this goes straight
 * to the timestamp, ACK and text steps: the same state changes, charges and
 * output in the same order, minus the tests whose outcome is known.
 */
function inputPredicted(
  ctx: TcpCtx,
  c: Conn,
  now: Time,
  seg: TcpRepr,
  seq: number,
  payload: BufRef,
  rx: SharedRx,
): void {
  if (c.tsOk && seg.tsVal !== null && seg.tsVal !== undefined) {
    const tv = seg.tsVal >>> 0;
    if (seqLe(seq, c.lastAckSent) && seqGe(tv, c.tsRecent)) c.tsRecent = tv;
  }
  const ack = seg.ack >>> 0;
  if (seqGt(ack, c.sndMax) || seqLt(ack, seqAdd(c.sndUna, -c.maxSndWnd))) {
    ctx.stats.drop("ack_unacceptable");
    sendAck(ctx, c, now);
    return;
  }
  const dataLen = payload.len;
  if (!processAck(ctx, c, now, seg, seq, ack, dataLen)) return;
  // Still ESTABLISHED: no FIN of ours is outstanding there (shutdown moves
  // the connection to FIN_WAIT_1), so the ACK cannot have changed the state.
  if (dataLen > 0) {
    if (c.appClosed) {
      ctx.stats.drop("data_after_close");
      sendConnRst(ctx, c, now);
      ctx.destroy(c, "aborted");
      return;
    }
    // The segment has no FIN, but an earlier out-of-order one may now be in order.
    if (receiveData(ctx, c, now, seq, payload, rx, false)) processFin(ctx, c, now);
  }
  output(ctx, c, now);
}

/**
 * ACK processing for synchronized states. Returns false when the connection
 * is gone (LAST_ACK completed).
 */
function processAck(
  ctx: TcpCtx,
  c: Conn,
  now: Time,
  seg: TcpRepr,
  seq: number,
  ack: number,
  dataLen: number,
): boolean {
  const wnd = peerWindow(c, seg);
  if (c.persist) c.retries = 0; // the peer answers our probes
  if (seqGt(ack, c.sndUna)) {
    const flightBefore = c.flight;
    const acked = seqDiff(ack, c.sndUna);
    let dataAcked = acked;
    if (c.sndUna === c.iss) dataAcked--; // our SYN
    const finAcked = c.finSent && seqGt(ack, c.finSeq);
    if (finAcked) dataAcked--;
    c.sq.ack(dataAcked);
    c.sndUna = ack;
    if (seqLt(c.sndNxt, ack)) c.sndNxt = ack;
    while (c.sq.tokenReady()) {
      ctx.emit(c, { kind: "data_acked", conn: c.id, token: c.sq.popToken() });
    }
    if (c.rttTiming && seqGt(ack, c.rttSeq)) {
      c.rtt.sample(now - c.rttStart);
      c.rttTiming = false;
    }
    c.retries = 0;
    c.rtt.resetBackoff();
    ccOnNewAck(ctx, c, now, acked, flightBefore);
    if (c.sndUna === c.sndMax) {
      if (!c.persist) c.rtxAt = Infinity;
    } else {
      restartRtx(c, now);
    }
    if (finAcked) {
      if (c.state === St.FinWait1) {
        c.state = St.FinWait2;
        if (c.appClosed) c.waitAt = now + ctx.cfg.finWait2Timeout;
      } else if (c.state === St.Closing) {
        enterTimeWait(ctx, c, now);
      } else if (c.state === St.LastAck) {
        ctx.destroy(c, "closed");
        return false;
      }
    }
  } else if (
    ack === c.sndUna && dataLen === 0 && !(seg.flags & (TCP_SYN | TCP_FIN)) &&
    c.sndMax !== c.sndUna && wnd === c.sndWnd
  ) {
    ccOnDupAck(ctx, c, now);
  }
  // Send window update (RFC 9293 3.10.7.4, fifth check).
  if (
    seqGe(ack, c.sndUna) &&
    (seqLt(c.sndWl1, seq) || (c.sndWl1 === seq && seqLe(c.sndWl2, ack)))
  ) {
    setSendWindow(c, wnd, seq, ack);
    if (wnd > 0 && c.persist) {
      c.persist = false;
      c.rtxAt = c.sndUna === c.sndMax ? Infinity : now + c.rtt.rto;
      c.retries = 0;
    }
  }
  return true;
}

function noteOooFin(c: Conn, finSeq: number): void {
  c.oooFin = true;
  c.oooFinSeq = finSeq;
  c.ackNow = true;
}

/**
 * Accepts the data of an acceptable segment. Returns true when the segment's
 * FIN (or an earlier out-of-order FIN) is now in order.
 */
function receiveData(
  ctx: TcpCtx,
  c: Conn,
  now: Time,
  seq: number,
  payload: BufRef,
  rx: SharedRx,
  fin: boolean,
): boolean {
  let off = 0;
  let len = payload.len;
  let finSeq = seqAdd(seq, len);
  if (seqLt(seq, c.rcvNxt)) {
    const skip = seqDiff(c.rcvNxt, seq);
    off = skip;
    len -= skip;
    seq = c.rcvNxt;
  }
  let wnd = seqDiff(c.rcvAdv, c.rcvNxt);
  if (wnd < 0) wnd = 0;
  const room = wnd - seqDiff(seq, c.rcvNxt);
  if (len > room) {
    ctx.stats.drop("window_full");
    len = room > 0 ? room : 0;
    fin = false; // the FIN lies beyond what we keep
  }
  if (len <= 0) {
    c.ackNow = true;
    return fin && finSeq === c.rcvNxt;
  }
  // BufRefs are immutable values: keep the caller's when nothing was trimmed.
  const piece: BufRef = off === 0 && len === payload.len
    ? payload
    : { mem: payload.mem, off: payload.off + off, len };
  if (seq !== c.rcvNxt) {
    // Out of order: queue (bounded) and send a duplicate ACK at once (RFC 5681 4.2).
    ctx.host.acct.charge("reassembly");
    const res = c.ooo.insert(seq, piece, rx);
    if (res === OOO_DROPPED) {
      ctx.stats.oooDropped++;
      ctx.stats.drop("ooo_full");
    } else {
      if (res > 0) ctx.stats.oooQueued++;
      if (fin) noteOooFin(c, finSeq);
    }
    c.ackNow = true;
    return false;
  }
  rx.retain();
  c.rcvNxt = seqAdd(c.rcvNxt, len);
  ctx.stats.bytesIn += len;
  if (c.ooo.empty) {
    deliver(ctx, c, piece, rx, len);
  } else {
    const refs: BufRef[] = [piece];
    const rxs: SharedRx[] = [rx];
    const before = c.rcvNxt;
    c.rcvNxt = c.ooo.drain(c.rcvNxt, refs, rxs);
    const more = seqDiff(c.rcvNxt, before);
    ctx.stats.bytesIn += more;
    ctx.host.acct.charge("reassembly", refs.length - 1 || 1);
    deliverMany(ctx, c, refs, rxs, len + more);
    // The gap is (partly) filled: ACK at once (RFC 5681 section 4.2).
    c.ackNow = true;
  }
  if (c.oooFin && c.rcvNxt === c.oooFinSeq) {
    c.oooFin = false;
    fin = true;
    finSeq = c.rcvNxt;
  }
  ackPolicy(ctx, c, now, len);
  return fin && finSeq === c.rcvNxt;
}

/** Delayed-ACK policy after in-order data (RFC 9293 3.8.6.3, RFC 5681 4.2). */
function ackPolicy(ctx: TcpCtx, c: Conn, now: Time, len: number): void {
  c.unackedBytes += len;
  const cfg = ctx.cfg;
  if (!cfg.delayedAck || c.quickAcks > 0) {
    if (c.quickAcks > 0) c.quickAcks--;
    c.ackNow = true;
  } else if (c.unackedBytes >= 2 * c.mss) {
    c.ackNow = true; // every second full-sized segment
  } else if (c.delackAt === Infinity) {
    c.delackAt = now + cfg.delayedAckTimeout;
  }
}

/** Hands one in-order piece to the application (or keeps it until accept). */
function deliver(ctx: TcpCtx, c: Conn, piece: BufRef, rx: SharedRx, len: number): void {
  if (!c.accepted) {
    (c.pendingRefs ??= []).push(piece);
    (c.pendingRx ??= []).push(rx);
    c.pendingBytes += len;
    return;
  }
  const rxId = c.holds.add(rx, len);
  ctx.emit(c, { kind: "new_data", conn: c.id, rxId, refs: [piece], bytes: len });
}

function deliverMany(ctx: TcpCtx, c: Conn, refs: BufRef[], rxs: SharedRx[], len: number): void {
  if (!c.accepted) {
    for (const r of refs) (c.pendingRefs ??= []).push(r);
    for (const r of rxs) (c.pendingRx ??= []).push(r);
    c.pendingBytes += len;
    return;
  }
  const rxId = c.holds.add(rxs, len);
  ctx.emit(c, { kind: "new_data", conn: c.id, rxId, refs, bytes: len });
}

/** The peer's FIN is in order (RFC 9293 3.10.7.4, eighth check). */
function processFin(ctx: TcpCtx, c: Conn, now: Time): void {
  if (c.finReceived) return;
  c.finReceived = true;
  c.oooFin = false;
  c.rcvNxt = seqAdd(c.rcvNxt, 1);
  c.ackNow = true;
  if (c.accepted) {
    if (!c.appClosed) ctx.emit(c, { kind: "remote_closed", conn: c.id });
  } else {
    c.remoteClosedOwed = true;
  }
  switch (c.state) {
    case St.Established:
      c.state = St.CloseWait;
      break;
    case St.FinWait1:
      c.state = St.Closing;
      break;
    case St.FinWait2:
      enterTimeWait(ctx, c, now);
      break;
  }
}

export function enterTimeWait(ctx: TcpCtx, c: Conn, now: Time): void {
  c.state = St.TimeWait;
  c.rtxAt = Infinity;
  c.persist = false;
  c.delackAt = Infinity;
  c.waitAt = now + 2 * ctx.cfg.msl;
  c.ooo.clear();
}
