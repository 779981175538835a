/**
 * TCP layer counters. Plain fields plus drops by reason in a fixed order, so
 * snapshots are deterministic and cheap to bump on hot paths.
 */

/** Why a segment (or part of one) was dropped, in reporting order. */
export const TCP_DROP_REASONS = [
  "bad_port", // source or destination port 0
  "bad_flags", // SYN with FIN or RST, or no ACK/SYN/RST at all
  "no_conn", // no connection or listener (answered with RST)
  "no_conn_rst", // RST for nothing (ignored)
  "listen_rst", // RST to a listener
  "listen_ack", // ACK to a listener (answered with RST)
  "listen_no_syn", // other segment to a listener
  "backlog_full", // SYN beyond the listen backlog
  "syn_sent_bad_ack", // ACK of something we never sent in SYN_SENT (RST sent unless RST)
  "syn_sent_other", // SYN_SENT segment without SYN, or RST with unacceptable ACK
  "out_of_window", // sequence number not acceptable (ACK sent unless RST)
  "rst_in_window", // RST not exactly at RCV.NXT (challenge ACK, RFC 5961 3.2)
  "syn_synchronized", // SYN on a synchronized connection (challenge ACK, RFC 5961 4.2)
  "no_ack", // synchronized state segment without ACK
  "ack_unacceptable", // ACK outside [SND.UNA - MAX.SND.WND, SND.NXT] (RFC 5961 5.2)
  "syn_received_bad_ack", // bad ACK in SYN_RECEIVED (RST sent)
  "data_after_close", // data for a connection the app closed (RST sent)
  "data_after_fin", // data beyond the peer's FIN or in a state that takes none
  "window_full", // data beyond the receive window (trimmed or dropped)
  "ooo_full", // out-of-order segment beyond the reassembly bound
  "time_wait_rst", // RST in TIME_WAIT ignored (RFC 1337)
] as const;

/** One of {@link TCP_DROP_REASONS}. */
export type TcpDropReason = typeof TCP_DROP_REASONS[number];

/** Counters of one TCP layer. */
export class TcpStats {
  /** Segments received. */
  segmentsIn = 0;
  /** Segments sent. */
  segmentsOut = 0;
  /** Bytes of payload sent (including retransmissions) and received in order. */
  bytesOut = 0;
  /** Bytes of payload received in order. */
  bytesIn = 0;
  /** Segments carrying data (or SYN/FIN) sent again. */
  retransmits = 0;
  /** Retransmissions triggered by duplicate ACKs. */
  fastRetransmits = 0;
  /** Retransmission timeouts. */
  rtos = 0;
  /** SYNs sent again. */
  synRetransmits = 0;
  /** SYN-ACKs sent again in answer to a retransmitted SYN. */
  synAckResent = 0;
  /** Resets sent. */
  rstsSent = 0;
  /** Challenge ACKs sent (RFC 5961). */
  challengeAcks = 0;
  /** Challenge ACKs not sent (rate limit). */
  challengeAcksSuppressed = 0;
  /** ACKs not sent in answer to unacceptable empty segments (rate limit). */
  oowAcksSuppressed = 0;
  /** Segments queued out of order. */
  oooQueued = 0;
  /** Out-of-order segments dropped (queue bound). */
  oooDropped = 0;
  /** Zero-window probes sent. */
  zeroWindowProbes = 0;
  /** Duplicate ACKs received. */
  dupAcksIn = 0;
  /** Connections opened actively. */
  connsOpened = 0;
  /** Connections accepted. */
  connsAccepted = 0;
  /** Connections closed normally. */
  connsClosed = 0;
  /** Connections reset. */
  connsReset = 0;
  /** Connections timed out. */
  connsTimedOut = 0;
  /** Connections refused. */
  connsRefused = 0;
  /** Connections aborted. */
  connsAborted = 0;
  /** Commands naming a connection that does not exist (already cleaned up). */
  unknownConnCommands = 0;
  /** recvDone with an rxId that is not outstanding. */
  badRecvDone = 0;
  /** send after shutdown/close (bytes not queued). */
  sendAfterShutdown = 0;
  /** connect() failures for want of a free ephemeral port. */
  portExhausted = 0;
  private readonly dropCounts = new Float64Array(TCP_DROP_REASONS.length);

  /** Counts one dropped segment. */
  drop(reason: TcpDropReason): void {
    this.dropCounts[DROP_INDEX[reason]]++;
  }

  /** Segments dropped for `reason`. */
  drops(reason: TcpDropReason): number {
    return this.dropCounts[DROP_INDEX[reason]];
  }

  /** Total dropped segments. */
  get dropped(): number {
    let n = 0;
    for (const v of this.dropCounts) n += v;
    return n;
  }

  /** Zeroes every counter (start of a measurement window). */
  reset(): void {
    for (const k of COUNTER_NAMES) this[k] = 0;
    this.dropCounts.fill(0);
  }

  /** All counters in a fixed order (drops as `drop_<reason>`). */
  snapshot(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const k of COUNTER_NAMES) out[k] = this[k];
    for (let i = 0; i < TCP_DROP_REASONS.length; i++) {
      out[`drop_${TCP_DROP_REASONS[i]}`] = this.dropCounts[i];
    }
    return out;
  }
}

const DROP_INDEX = Object.fromEntries(TCP_DROP_REASONS.map((r, i) => [r, i])) as Record<
  TcpDropReason,
  number
>;

type CounterName = Exclude<keyof TcpStats, "drop" | "drops" | "dropped" | "snapshot" | "reset">;

const COUNTER_NAMES: readonly CounterName[] = [
  "segmentsIn",
  "segmentsOut",
  "bytesIn",
  "bytesOut",
  "retransmits",
  "fastRetransmits",
  "rtos",
  "synRetransmits",
  "synAckResent",
  "rstsSent",
  "challengeAcks",
  "challengeAcksSuppressed",
  "oowAcksSuppressed",
  "oooQueued",
  "oooDropped",
  "zeroWindowProbes",
  "dupAcksIn",
  "connsOpened",
  "connsAccepted",
  "connsClosed",
  "connsReset",
  "connsTimedOut",
  "connsRefused",
  "connsAborted",
  "unknownConnCommands",
  "badRecvDone",
  "sendAfterShutdown",
  "portExhausted",
];
