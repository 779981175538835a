/**
 * One TCP connection's control block (RFC 9293 section 3.3.1 variables plus
 * the socket-layer bookkeeping). A plain record: the protocol logic lives in
 * input.ts, output.ts and cc.ts; the layer owns creation and teardown.
 */
import type { SharedRx } from "../buf.ts";
import type { BufRef } from "../../hw/buffers.ts";
import type { CleanupReason, ConnId } from "../events.ts";
import type { Ipv4Addr } from "../wire/ipv4.ts";
import type { Time } from "../../core/time.ts";
import type { TimerOwner } from "./timer_heap.ts";
import { OooQueue } from "./ooo.ts";
import { RttEstimator } from "./rtt.ts";
import { RxHolds } from "./rx_holds.ts";
import { SendQueue } from "./send_queue.ts";
import { seqDiff } from "./seq.ts";
import type { TcpConfig } from "./config.ts";

/** Connection states (RFC 9293 section 3.3.2); LISTEN lives in {@link Listener}. */
export const St = {
  Closed: 0,
  SynSent: 1,
  SynReceived: 2,
  Established: 3,
  FinWait1: 4,
  FinWait2: 5,
  CloseWait: 6,
  Closing: 7,
  LastAck: 8,
  TimeWait: 9,
} as const;
export type St = typeof St[keyof typeof St];

export const STATE_NAMES: readonly string[] = [
  "CLOSED",
  "SYN_SENT",
  "SYN_RECEIVED",
  "ESTABLISHED",
  "FIN_WAIT_1",
  "FIN_WAIT_2",
  "CLOSE_WAIT",
  "CLOSING",
  "LAST_ACK",
  "TIME_WAIT",
];

/** A listening port. */
export class Listener {
  /** Connections in SYN_RECEIVED or established but not yet accepted. */
  pending = 0;
  readonly port: number = 0;
  readonly backlog: number = 0;
  constructor(port: number, backlog: number) {
    this.port = port;
    this.backlog = backlog;
  }
}

/**
 * Speed: every numeric field is declared with a numeric initialiser and the
 * class has no constructor parameter properties (with them, Deno declares all
 * fields undefined first). V8 then keeps the fields unboxed, so storing a
 * time or a sequence number above the small-integer range allocates nothing.
 */
export class Conn implements TimerOwner {
  readonly id: ConnId = 0;
  readonly localAddr: Ipv4Addr = 0;
  readonly localPort: number = 0;
  readonly remoteAddr: Ipv4Addr = 0;
  readonly remotePort: number = 0;

  // --- timer heap membership
  deadline: Time = Infinity;
  heapIdx = -1;

  state: St = St.Closed;
  /** Opened by connect() (otherwise by a listener). */
  readonly active: boolean = false;
  /** Listener whose backlog this connection counts against (until accepted or gone). */
  listener: Listener | null = null;
  /** The application knows this connection (connect() returned, or new_conn sent). */
  appKnows = false;
  accepted = false;
  /** The application called close(): no more data is delivered. */
  appClosed = false;
  /** The application called shutdown() or close(): FIN queued after the data. */
  finQueued = false;
  /** Removed from the layer's tables. */
  gone = false;

  // --- send sequence space
  iss = 0;
  sndUna = 0;
  sndNxt = 0;
  /** Highest sequence number sent + 1 (SND.NXT before any go-back-N). */
  sndMax = 0;
  /** Send window in bytes (already scaled). */
  sndWnd = 0;
  sndWl1 = 0;
  sndWl2 = 0;
  /** Largest window the peer ever offered (RFC 5961 ACK check, sender SWS). */
  maxSndWnd = 0;
  /** Shift applied to the peer's window field / to ours. */
  sndWscale = 0;
  rcvWscale = 0;
  /** Effective send MSS (payload bytes per segment). */
  mss = 0;
  readonly sq = new SendQueue();

  // --- receive sequence space
  irs = 0;
  rcvNxt = 0;
  /** Right edge of the window we last advertised (never moves left). */
  rcvAdv = 0;
  /** RCV.NXT carried by the last ACK we sent. */
  lastAckSent = 0;
  /** Data received in order before accept() (delivered at accept). */
  pendingRefs: BufRef[] | null = null;
  pendingRx: SharedRx[] | null = null;
  pendingBytes = 0;
  /** The peer's FIN has been received in order. */
  finReceived = false;
  /** remote_closed still owed to the application (FIN arrived before accept). */
  remoteClosedOwed = false;
  /** A FIN seen beyond RCV.NXT (out of order) and where it sits. */
  oooFin = false;
  oooFinSeq = 0;
  readonly holds = new RxHolds();
  readonly ooo: OooQueue;

  // --- options
  /** Window scaling agreed (both SYNs carried the option). */
  wsOk = false;
  sackOk = false;
  tsOk = false;
  tsRecent = 0;

  // --- timers (absolute deadlines, Infinity when off)
  /** Retransmission or persist timer. */
  rtxAt: Time = Infinity;
  /** The rtx timer is the persist (zero-window probe) timer. */
  persist = false;
  persistInterval: Time = 0;
  /** Delayed ACK / pending window update. */
  delackAt: Time = Infinity;
  /** TIME_WAIT, FIN_WAIT_2 timeout, or a deferred teardown. */
  waitAt: Time = Infinity;
  /** Reason for a deferred teardown at waitAt (null: ordinary timeout). */
  deferredReason: CleanupReason | null = null;
  /** Consecutive retransmissions (or unanswered probes) of the same data. */
  retries = 0;
  readonly rtt: RttEstimator;
  rttTiming = false;
  rttSeq = 0;
  rttStart: Time = 0;
  synRetransmitted = false;

  // --- congestion control (RFC 5681, RFC 6582)
  cwnd = 0;
  ssthresh = 0;
  dupAcks = 0;
  recover = 0;
  inRecovery = false;
  /** Bytes acknowledged towards the next congestion-avoidance increase. */
  caAcked = 0;
  /** The last output pass stopped because of cwnd (so growth is earned). */
  cwndLimited = false;

  // --- ACK policy
  quickAcks = 0;
  /** Bytes received since the last ACK we sent. */
  unackedBytes = 0;
  /** Send an ACK at the end of this processing step. */
  ackNow = false;
  /** When we last answered an unacceptable empty segment (rate limit). */
  lastOowAck: Time = -Infinity;

  constructor(
    id: ConnId,
    localAddr: Ipv4Addr,
    localPort: number,
    remoteAddr: Ipv4Addr,
    remotePort: number,
    active: boolean,
    cfg: TcpConfig,
  ) {
    this.id = id;
    this.localAddr = localAddr;
    this.localPort = localPort;
    this.remoteAddr = remoteAddr;
    this.remotePort = remotePort;
    this.active = active;
    this.mss = cfg.mss;
    this.ooo = new OooQueue(cfg.oooMaxSegments, cfg.oooMaxBytes);
    this.rtt = new RttEstimator(cfg.initialRto, cfg.minRto, cfg.maxRto);
    this.quickAcks = cfg.quickAckSegments;
  }

  /** Sequence number of send-stream offset `off` (data starts after the SYN). */
  seqOf(off: number): number {
    // iss + 1 + off < 2^53, so the uint32 conversion is an exact modulo 2^32.
    return (this.iss + 1 + off) >>> 0;
  }

  /** Send-stream offset of sequence number `s` (near the unacknowledged data). */
  offOf(s: number): number {
    return this.sq.acked + seqDiff(s, this.seqOf(this.sq.acked));
  }

  /** Sequence number the FIN occupies (valid once finQueued). */
  get finSeq(): number {
    return this.seqOf(this.sq.queued);
  }

  /** The FIN has been sent (at some point). */
  get finSent(): boolean {
    return this.finQueued && seqDiff(this.sndMax, this.finSeq) > 0;
  }

  /** Bytes in flight (sent, not acknowledged), counting SYN/FIN. */
  get flight(): number {
    return seqDiff(this.sndNxt, this.sndUna);
  }

  /** Bytes the application holds or will be handed: they shrink the window. */
  get heldBytes(): number {
    return this.holds.bytes + this.pendingBytes;
  }

  /** Recomputes {@link deadline} from the individual timers. */
  refreshDeadline(): void {
    let d = this.rtxAt;
    if (this.delackAt < d) d = this.delackAt;
    if (this.waitAt < d) d = this.waitAt;
    this.deadline = d;
  }
}
