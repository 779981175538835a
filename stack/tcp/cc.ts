/**
 * Congestion control: slow start and congestion avoidance (RFC 5681), fast
 * retransmit with NewReno fast recovery (RFC 6582), limited transmit
 * (RFC 3042, applied in output.ts), and the RTO response.
 */
import type { Time } from "../../core/time.ts";
import { initialWindow } from "./config.ts";
import type { Conn } from "./conn.ts";
import type { TcpCtx } from "./context.ts";
import { retransmitHead } from "./output.ts";
import { seqDiff, seqGe } from "./seq.ts";

/** Duplicate ACKs that trigger fast retransmit (RFC 5681 section 3.2). */
export const DUPACK_THRESHOLD = 3;
/** "Arbitrarily high" initial ssthresh (RFC 5681 section 3.1). */
const INITIAL_SSTHRESH = Number.MAX_SAFE_INTEGER;

/** Sets the initial window once the MSS is known. */
export function ccInit(ctx: TcpCtx, c: Conn): void {
  c.cwnd = initialWindow(ctx.cfg, c.mss);
  c.ssthresh = INITIAL_SSTHRESH;
  c.recover = c.iss;
  c.inRecovery = false;
  c.dupAcks = 0;
  c.caAcked = 0;
}

/** ssthresh after a loss (RFC 5681 equation 4). */
function lossThreshold(c: Conn): number {
  const flight = seqDiff(c.sndMax, c.sndUna);
  return Math.max(flight >> 1, 2 * c.mss);
}

/**
 * A cumulative ACK covering `acked` new bytes arrived (SND.UNA already
 * advanced). `flightBefore` is the flight size before the ACK.
 */
export function ccOnNewAck(ctx: TcpCtx, c: Conn, now: Time, acked: number, flightBefore: number) {
  if (c.inRecovery) {
    if (seqGe(c.sndUna, c.recover)) {
      // Full acknowledgment (RFC 6582 3.2 step 3): deflate and leave recovery.
      c.inRecovery = false;
      c.dupAcks = 0;
      const flight = c.flight;
      c.cwnd = Math.min(c.ssthresh, Math.max(flight, c.mss) + c.mss);
      c.caAcked = 0;
    } else {
      // Partial acknowledgment (step 4): retransmit the next hole, partial deflation.
      retransmitHead(ctx, c, now);
      c.cwnd = c.cwnd - acked + (acked >= c.mss ? c.mss : 0);
      if (c.cwnd < c.mss) c.cwnd = c.mss;
    }
    return;
  }
  c.dupAcks = 0;
  // Grow only when the window was actually in use (not application-limited).
  if (!c.cwndLimited && 2 * flightBefore < c.cwnd) return;
  if (c.cwnd < c.ssthresh) {
    c.cwnd += acked < c.mss ? acked : c.mss; // slow start with L = 1 SMSS (RFC 5681 3.1)
  } else {
    c.caAcked += acked; // congestion avoidance, byte counting
    if (c.caAcked >= c.cwnd) {
      c.caAcked -= c.cwnd;
      c.cwnd += c.mss;
    }
  }
}

/** A duplicate ACK (RFC 5681 definition) arrived. */
export function ccOnDupAck(ctx: TcpCtx, c: Conn, now: Time): void {
  ctx.stats.dupAcksIn++;
  c.dupAcks++;
  if (c.inRecovery) {
    c.cwnd += c.mss; // inflate for the segment that left the network
    return;
  }
  if (c.dupAcks === DUPACK_THRESHOLD) {
    // RFC 6582 section 4.1: no new recovery while SND.UNA is below `recover`.
    if (!seqGe(c.sndUna, c.recover)) return;
    c.ssthresh = lossThreshold(c);
    c.recover = c.sndMax;
    c.inRecovery = true;
    ctx.stats.fastRetransmits++;
    retransmitHead(ctx, c, now);
    c.cwnd = c.ssthresh + DUPACK_THRESHOLD * c.mss;
    c.caAcked = 0;
  }
}

/** The retransmission timer expired (RFC 5681 section 3.1, RFC 6582 section 4). */
export function ccOnRto(c: Conn, first: boolean): void {
  if (first) c.ssthresh = lossThreshold(c);
  c.cwnd = c.mss; // loss window
  c.caAcked = 0;
  c.inRecovery = false;
  c.dupAcks = 0;
  c.recover = c.sndMax;
}
