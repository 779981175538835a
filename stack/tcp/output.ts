/**
 * Segment transmission: header filling, the receive window we advertise, and
 * the output policy that decides which data, FIN and ACK segments go out
 * (send window, congestion window, sender SWS avoidance, Nagle, persist).
 */
import type { BufRef } from "../../hw/buffers.ts";
import type { Ipv4Addr } from "../wire/ipv4.ts";
import { SACK_MAX_BLOCKS, TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN } from "../wire/tcp.ts";
import { MS, type Time } from "../../core/time.ts";
import { MAX_WINDOW_FIELD } from "./config.ts";
import { type Conn, St } from "./conn.ts";
import type { TcpCtx } from "./context.ts";
import { seqAdd, seqDiff, seqGt, seqLt } from "./seq.ts";

const EMPTY: readonly BufRef[] = Object.freeze([]) as readonly BufRef[];
/** Timestamp clock: 1 ms per tick (RFC 7323 section 5.4 recommends 1 ms to 1 s). */
const TS_TICK: Time = 1 * MS;
/** Most SACK blocks per segment with timestamps: 3 (RFC 2018 section 3; without, SACK_MAX_BLOCKS). */
const MAX_SACK_BLOCKS_WITH_TS = 3;

function tsNow(now: Time): number {
  return Math.floor(now / TS_TICK) >>> 0;
}

/** Resets the shared output repr and fills the fields common to every segment of `c`. */
function header(ctx: TcpCtx, c: Conn, seq: number, flags: number, now: Time) {
  const r = ctx.txRepr;
  r.srcPort = c.localPort;
  r.dstPort = c.remotePort;
  r.seq = seq >>> 0;
  r.ack = flags & TCP_ACK ? c.rcvNxt : 0;
  r.flags = flags;
  r.window = 0;
  r.urgent = 0;
  r.mss = null;
  r.windowScale = null;
  r.sackPermitted = false;
  r.sack = null;
  r.payloadLen = 0;
  if (c.tsOk) {
    r.tsVal = tsNow(now);
    r.tsEcr = c.tsRecent;
  } else {
    r.tsVal = null;
    r.tsEcr = null;
  }
  return r;
}

/**
 * The window field for the next segment of `c`. Free space is the receive
 * buffer minus what the application still holds; the right edge never moves
 * left and only moves right by at least min(buffer/2, MSS) (receiver SWS
 * avoidance, RFC 9293 section 3.8.6.2.2).
 */
export function windowField(ctx: TcpCtx, c: Conn): number {
  const buf = ctx.cfg.rcvBuf;
  let free = buf - c.heldBytes;
  if (free < 0) free = 0;
  let wnd = seqDiff(c.rcvAdv, c.rcvNxt);
  if (wnd < 0) wnd = 0;
  if (free > wnd) {
    const threshold = Math.min(buf >> 1, c.mss);
    if (free - wnd >= threshold || free === buf) wnd = free;
  }
  const ws = c.rcvWscale;
  // Round up so the right edge never moves left (wnd < 2^31: integer shifts are exact).
  let field = (wnd + (1 << ws) - 1) >>> ws;
  if (field > MAX_WINDOW_FIELD) field = MAX_WINDOW_FIELD;
  const right = seqAdd(c.rcvNxt, field << ws);
  if (seqGt(right, c.rcvAdv)) c.rcvAdv = right;
  return field;
}

/** Marks that an ACK carrying RCV.NXT went out. */
function ackSent(c: Conn): void {
  c.lastAckSent = c.rcvNxt;
  c.unackedBytes = 0;
  c.ackNow = false;
  c.delackAt = Infinity;
}

function transmit(ctx: TcpCtx, c: Conn, now: Time, payload: readonly BufRef[]): void {
  const r = ctx.txRepr;
  ctx.host.acct.charge("tcp_tx");
  ctx.stats.segmentsOut++;
  ctx.stats.bytesOut += r.payloadLen;
  ctx.host.output(now, c.localAddr, c.remoteAddr, r, payload);
}

/** SYN (SYN_SENT) or SYN-ACK (SYN_RECEIVED) with our options. */
export function sendSyn(ctx: TcpCtx, c: Conn, now: Time): void {
  const synAck = c.state === St.SynReceived;
  const r = header(ctx, c, c.iss, synAck ? TCP_SYN | TCP_ACK : TCP_SYN, now);
  const cfg = ctx.cfg;
  // The window in a SYN is never scaled (RFC 7323 section 2.2).
  r.window = Math.min(cfg.rcvBuf, MAX_WINDOW_FIELD);
  c.rcvAdv = seqAdd(c.rcvNxt, r.window);
  r.mss = cfg.mss;
  // In a SYN-ACK, options only if the peer offered them.
  if (synAck ? c.wsOk : cfg.windowScaling) r.windowScale = c.rcvWscale;
  r.sackPermitted = synAck ? c.sackOk : cfg.sack;
  if (synAck ? c.tsOk : cfg.timestamps) {
    r.tsVal = tsNow(now);
    r.tsEcr = synAck ? c.tsRecent : 0;
  }
  if (synAck) ackSent(c);
  transmit(ctx, c, now, EMPTY);
}

/**
 * A pure ACK with the current window (and SACK blocks when reassembling). Its
 * sequence number is the highest sent (SND.MAX), not SND.NXT: after a go-back-N
 * retransmission SND.NXT lies below data the peer already has, and an ACK
 * carrying it would be unacceptable there (BSD tcp_output does the same).
 */
export function sendAck(ctx: TcpCtx, c: Conn, now: Time): void {
  sendSegment(ctx, c, now, c.sndMax, 0, TCP_ACK);
}

/**
 * Sends [seq, seq+len) from the send queue with `flags` (ACK always set in
 * synchronized states). Does not move SND.NXT.
 */
export function sendSegment(
  ctx: TcpCtx,
  c: Conn,
  now: Time,
  seq: number,
  len: number,
  flags: number,
): void {
  const r = header(ctx, c, seq, flags | TCP_ACK, now);
  r.window = windowField(ctx, c);
  if (c.sackOk && !c.ooo.empty) {
    r.sack = c.ooo.sackBlocks(c.tsOk ? MAX_SACK_BLOCKS_WITH_TS : SACK_MAX_BLOCKS);
  }
  r.payloadLen = len;
  ackSent(c);
  transmit(ctx, c, now, len > 0 ? c.sq.slice(c.offOf(seq), len) : EMPTY);
}

/** A RST not tied to a connection (RFC 9293 section 3.10.7.1 replies). */
export function sendRst(
  ctx: TcpCtx,
  now: Time,
  local: Ipv4Addr,
  remote: Ipv4Addr,
  localPort: number,
  remotePort: number,
  seq: number,
  ack: number,
  withAck: boolean,
): void {
  const r = ctx.txRepr;
  r.srcPort = localPort;
  r.dstPort = remotePort;
  r.seq = seq >>> 0;
  r.ack = withAck ? ack >>> 0 : 0;
  r.flags = withAck ? TCP_RST | TCP_ACK : TCP_RST;
  r.window = 0;
  r.urgent = 0;
  r.mss = null;
  r.windowScale = null;
  r.sackPermitted = false;
  r.sack = null;
  r.tsVal = null;
  r.tsEcr = null;
  r.payloadLen = 0;
  ctx.host.acct.charge("tcp_tx");
  ctx.stats.segmentsOut++;
  ctx.stats.rstsSent++;
  ctx.host.output(now, local, remote, r, EMPTY);
}

/** RST for a connection we abort (SND.NXT, with ACK). */
export function sendConnRst(ctx: TcpCtx, c: Conn, now: Time): void {
  sendRst(ctx, now, c.localAddr, c.remoteAddr, c.localPort, c.remotePort, c.sndNxt, c.rcvNxt, true);
}

/** Challenge ACK (RFC 5961), rate limited. */
export function challengeAck(ctx: TcpCtx, c: Conn, now: Time): void {
  if (!ctx.challengeAckAllowed(now)) {
    ctx.stats.challengeAcksSuppressed++;
    return;
  }
  ctx.stats.challengeAcks++;
  sendAck(ctx, c, now);
}

/** Starts the retransmission timer if it is not running (or replaces the persist timer). */
export function armRtx(c: Conn, now: Time): void {
  if (c.rtxAt === Infinity || c.persist) {
    c.persist = false;
    c.rtxAt = now + c.rtt.rto;
  }
}

/** Restarts the retransmission timer from now. */
export function restartRtx(c: Conn, now: Time): void {
  c.persist = false;
  c.rtxAt = now + c.rtt.rto;
}

/** Can this state send data / FIN? */
function canSend(st: number): boolean {
  return st === St.Established || st === St.CloseWait || st === St.FinWait1 ||
    st === St.Closing || st === St.LastAck;
}

/**
 * The output pass: sends as much queued data (and the FIN) as the windows
 * allow, then a pure ACK if one is owed and nothing carried it, and arms the
 * persist timer when a zero window blocks queued data.
 */
export function output(ctx: TcpCtx, c: Conn, now: Time): void {
  if (canSend(c.state)) {
    const cfg = ctx.cfg;
    const sq = c.sq;
    let blocked = false;
    c.cwndLimited = false;
    for (;;) {
      const nxtOff = c.offOf(c.sndNxt);
      const unsent = sq.queued - nxtOff;
      const finPending = c.finQueued && unsent >= 0 && !seqGt(c.sndNxt, c.finSeq);
      if (unsent <= 0 && !finPending) break;
      const flight = c.flight;
      const extra = !c.inRecovery && c.dupAcks > 0 && c.dupAcks < 3 ? c.dupAcks * c.mss : 0;
      const cwndRoom = c.cwnd + extra - flight;
      const wndRoom = c.sndWnd - flight;
      const room = cwndRoom < wndRoom ? cwndRoom : wndRoom;
      let len = unsent < c.mss ? unsent : c.mss;
      if (len > room) len = room > 0 ? room : 0;
      if (unsent > 0) {
        if (len <= 0) {
          blocked = true;
          if (cwndRoom <= wndRoom) c.cwndLimited = true;
          break;
        }
        if (len < c.mss && len < unsent) {
          // Sender SWS avoidance (RFC 9293 3.8.6.2.1): a partial segment only
          // if it is at least half the largest window the peer offered.
          if (len < c.maxSndWnd >> 1) {
            blocked = true;
            if (cwndRoom <= wndRoom) c.cwndLimited = true;
            break;
          }
        }
        if (cfg.nagle && len < c.mss && flight > 0 && len === unsent) break;
      }
      const fin = finPending && nxtOff + len === sq.queued;
      let flags = TCP_ACK;
      if (fin) flags |= TCP_FIN;
      if (len > 0 && nxtOff + len === sq.queued) flags |= TCP_PSH;
      const seq = c.sndNxt;
      const isNew = !seqLt(seq, c.sndMax);
      sendSegment(ctx, c, now, seq, len, flags);
      if (isNew) {
        if (!c.rttTiming) {
          c.rttTiming = true;
          c.rttSeq = seq;
          c.rttStart = now;
        }
      } else {
        ctx.stats.retransmits++;
      }
      c.sndNxt = seqAdd(seq, len + (fin ? 1 : 0));
      if (seqGt(c.sndNxt, c.sndMax)) c.sndMax = c.sndNxt;
      armRtx(c, now);
      if (fin) break;
    }
    // Persist: queued data, nothing in flight, window too small to send.
    if (blocked && c.flight === 0 && c.rtxAt === Infinity) {
      c.persist = true;
      c.persistInterval = c.rtt.rto;
      c.rtxAt = now + c.persistInterval;
    }
  }
  if (c.ackNow) sendAck(ctx, c, now);
}

/** Retransmits one segment at SND.UNA (fast retransmit, NewReno partial ACK). */
export function retransmitHead(ctx: TcpCtx, c: Conn, now: Time): void {
  const una = c.sndUna;
  const off = c.offOf(una);
  const avail = c.sq.queued - off;
  let len = avail < c.mss ? avail : c.mss;
  if (len < 0) len = 0;
  const fin = c.finSent && off + len === c.sq.queued;
  if (len === 0 && !fin) return;
  const end = seqAdd(una, len + (fin ? 1 : 0));
  // Karn: no RTT sample from a range that was retransmitted.
  if (c.rttTiming && seqLt(c.rttSeq, end)) c.rttTiming = false;
  sendSegment(ctx, c, now, una, len, TCP_ACK | (fin ? TCP_FIN : 0));
  ctx.stats.retransmits++;
  if (seqLt(c.sndNxt, end)) c.sndNxt = end;
}

/** Zero-window probe: a segment just below the window (the peer answers with an ACK). */
export function sendProbe(ctx: TcpCtx, c: Conn, now: Time): void {
  ctx.stats.zeroWindowProbes++;
  sendSegment(ctx, c, now, seqAdd(c.sndUna, -1), 0, TCP_ACK);
}
