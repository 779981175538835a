/**
 * TCP layer configuration: every tunable with its default and where the
 * default comes from.
 */
import { MS, SEC, type Time, US } from "../../core/time.ts";

/** TCP MSS for a 1500-byte MTU without options (docs/PAPER.md "Ethernet on the wire"). */
export const DEFAULT_MSS = 1460;
/** Default send MSS when the peer sends no MSS option (RFC 9293 section 3.7.1). */
export const DEFAULT_PEER_MSS = 536;
/** Smallest MSS we accept from a peer's option (RFC 9293 3.7.1 / RFC 879 floor; Linux TCP_MIN_MSS is 88). */
export const MIN_PEER_MSS = 88;
/** Per-connection receive buffer: 256 KiB, enough for 10 GbE at a ~200 us RTT. */
export const DEFAULT_RCV_BUF = 256 * 1024;
/** Minimum RTO: 200 ms like Linux (TCP_RTO_MIN); RFC 6298 (2.4) says 1 s. */
export const DEFAULT_MIN_RTO: Time = 200 * MS;
/** Upper bound on the RTO (RFC 6298 (2.5): "at least 60 seconds"). */
export const DEFAULT_MAX_RTO: Time = 60 * SEC;
/** Initial RTO before any RTT sample (RFC 6298 (2.1)). */
export const DEFAULT_INITIAL_RTO: Time = 1 * SEC;
/** Data retransmissions before aborting (Linux tcp_retries2 = 15). */
export const DEFAULT_MAX_RETRIES = 15;
/** SYN / SYN-ACK retransmissions before aborting (Linux tcp_syn_retries = 6). */
export const DEFAULT_SYN_RETRIES = 6;
/** Maximum Segment Lifetime suggested by RFC 9293 section 3.4.2: 2 minutes. */
export const RFC_MSL: Time = 120 * SEC;

/**
 * Longest time from a FIN's first transmission to its last retransmission
 * before a sender with this RTO configuration aborts: `maxRetries`
 * retransmissions, each at most `maxRto` after the one before (the RTO may
 * already sit at its ceiling when the FIN leaves). With the defaults,
 * 15 * 60 s = 900 s. A TIME_WAIT shorter than this may end before the last
 * retransmitted FIN arrives, and that FIN is then answered with RST.
 */
export function finRetransmitSpan(cfg: Readonly<Pick<TcpConfig, "maxRetries" | "maxRto">>): Time {
  return cfg.maxRetries * cfg.maxRto;
}

/**
 * Default MSL: TIME_WAIT (2*MSL) must outlast a peer with our default RTO
 * configuration retransmitting its FIN until it gives up
 * ({@link finRetransmitSpan}: 900 s), plus one maximum RTO for the last copy
 * to arrive, so MSL = (900 s + 60 s) / 2 = 8 minutes; that is more than the
 * RFC 9293 (3.4.2) 2 minutes, which a peer with Linux-like retries (15) can
 * outlast. A connection in TIME_WAIT costs one timer, so simulations that
 * stop when their work is done are not prolonged; runs that want connections
 * to disappear quickly set a short `msl` explicitly (stack/host/test_apps.ts).
 */
export const DEFAULT_MSL: Time = Math.max(
  RFC_MSL,
  (finRetransmitSpan({ maxRetries: DEFAULT_MAX_RETRIES, maxRto: DEFAULT_MAX_RTO }) +
    DEFAULT_MAX_RTO) / 2,
);
/** Delayed-ACK timeout: Linux's TCP_DELACK_MIN (40 ms); RFC 9293 allows up to 500 ms. */
export const DEFAULT_DELAYED_ACK_TIMEOUT: Time = 40 * MS;
/** Segments ACKed immediately at connection start (Linux TCP_MAX_QUICKACKS = 16). */
export const DEFAULT_QUICK_ACK_SEGMENTS = 16;
/** Longest persist (zero-window probe) interval (Linux TCP_RTO_MAX = 120 s; we reuse max RTO). */
export const DEFAULT_MAX_PERSIST: Time = 60 * SEC;
/** FIN_WAIT_2 timeout for connections the application closed (Linux tcp_fin_timeout = 60 s). */
export const DEFAULT_FIN_WAIT2_TIMEOUT: Time = 60 * SEC;
/** Out-of-order queue bound in segments (a small multiple of the initial window). */
export const DEFAULT_OOO_MAX_SEGMENTS = 256;
/** Out-of-order queue bound in bytes (the receive buffer size by default). */
export const DEFAULT_OOO_MAX_BYTES = DEFAULT_RCV_BUF;
/** Ephemeral port range suggested by IANA / RFC 6335 section 6. */
export const EPHEMERAL_PORT_MIN = 49152;
export const EPHEMERAL_PORT_MAX = 65535;
/** Challenge ACKs per second per stack (RFC 5961 section 7; Linux's old tcp_challenge_ack_limit). */
export const DEFAULT_CHALLENGE_ACK_LIMIT = 1000;
/** Clock granularity G in the RTO formula (RFC 6298 (2.2)); the simulation clock is exact. */
export const CLOCK_GRANULARITY: Time = 1 * US;
/** RTO used once data flows if the SYN had to be retransmitted (RFC 6298 (5.7)). */
export const SYN_FALLBACK_RTO: Time = 3 * SEC;

/**
 * TCP settings of one stack (see {@link DEFAULT_TCP_CONFIG} for the defaults and their sources).
 */
export interface TcpConfig {
  /** MSS we advertise (and the cap on what we send), bytes. */
  mss: number;
  /** Per-connection receive buffer, bytes: bounds the advertised window and chooses the window scale. */
  rcvBuf: number;
  /** Offer/accept the window scale option (RFC 7323). */
  windowScaling: boolean;
  /** Offer/accept SACK-permitted and send SACK blocks (RFC 2018); recovery itself is NewReno. */
  sack: boolean;
  /** Offer/accept the timestamps option (RFC 7323); echoed, not used for RTT or PAWS. */
  timestamps: boolean;
  /** Initial congestion window in segments, or null for RFC 6928: min(10*MSS, max(2*MSS, 14600)). */
  initialWindowSegments: number | null;
  /** Lower bound of the retransmission timeout (RFC 6298). */
  minRto: Time;
  /** Upper bound of the retransmission timeout. */
  maxRto: Time;
  /** Retransmission timeout before the first RTT sample. */
  initialRto: Time;
  /** Data/FIN retransmissions (and unanswered zero-window probes) before abort with "timeout". */
  maxRetries: number;
  /** SYN / SYN-ACK retransmissions before abort. */
  synRetries: number;
  /**
   * Maximum segment lifetime; TIME_WAIT lasts 2*MSL and restarts on a
   * retransmitted FIN. Keep 2*MSL above the peer's {@link finRetransmitSpan}
   * or a peer whose FIN ACK was lost may be reset.
   */
  msl: Time;
  /** How long a connection the app closed may sit in FIN_WAIT_2. */
  finWait2Timeout: Time;
  /** Delay ACKs (RFC 9293 3.8.6.3 / RFC 5681 4.2): ACK every 2nd full segment or after the timeout. */
  delayedAck: boolean;
  /** How long an ACK may be delayed. */
  delayedAckTimeout: Time;
  /** Data segments ACKed immediately at connection start (quick-ACK mode). */
  quickAckSegments: number;
  /** Nagle's algorithm (RFC 896); off by default for request/response applications. */
  nagle: boolean;
  /** Longest interval between zero-window probes. */
  maxPersist: Time;
  /** Out-of-order reassembly bounds; excess segments are dropped and counted. */
  oooMaxSegments: number;
  /** Bytes the out-of-order queue may hold per connection. */
  oooMaxBytes: number;
  /** Lowest ephemeral port. */
  ephemeralPortMin: number;
  /** Highest ephemeral port. */
  ephemeralPortMax: number;
  /** Challenge ACKs sent per simulated second at most (RFC 5961 section 7). */
  challengeAckLimit: number;
  /** Test hook: use this initial sequence number for every connection instead of a random one. */
  forceIsn: number | null;
}

/** The defaults, each named with its source in this file's constants. */
export const DEFAULT_TCP_CONFIG: Readonly<TcpConfig> = Object.freeze({
  mss: DEFAULT_MSS,
  rcvBuf: DEFAULT_RCV_BUF,
  windowScaling: true,
  sack: true,
  timestamps: false,
  initialWindowSegments: null,
  minRto: DEFAULT_MIN_RTO,
  maxRto: DEFAULT_MAX_RTO,
  initialRto: DEFAULT_INITIAL_RTO,
  maxRetries: DEFAULT_MAX_RETRIES,
  synRetries: DEFAULT_SYN_RETRIES,
  msl: DEFAULT_MSL,
  finWait2Timeout: DEFAULT_FIN_WAIT2_TIMEOUT,
  delayedAck: true,
  delayedAckTimeout: DEFAULT_DELAYED_ACK_TIMEOUT,
  quickAckSegments: DEFAULT_QUICK_ACK_SEGMENTS,
  nagle: false,
  maxPersist: DEFAULT_MAX_PERSIST,
  oooMaxSegments: DEFAULT_OOO_MAX_SEGMENTS,
  oooMaxBytes: DEFAULT_OOO_MAX_BYTES,
  ephemeralPortMin: EPHEMERAL_PORT_MIN,
  ephemeralPortMax: EPHEMERAL_PORT_MAX,
  challengeAckLimit: DEFAULT_CHALLENGE_ACK_LIMIT,
  forceIsn: null,
});

/** Largest window scale shift (RFC 7323 section 2.3). */
export const MAX_WINDOW_SCALE = 14;
/** Largest value of the 16-bit window field. */
export const MAX_WINDOW_FIELD = 0xffff;
/** Largest MSS that fits the 16-bit option. */
const MAX_MSS_OPTION = 0xffff;

/** Merges `cfg` over the defaults and validates; throws a clear error on bad values. */
export function resolveTcpConfig(cfg: Partial<TcpConfig>): TcpConfig {
  const c: TcpConfig = { ...DEFAULT_TCP_CONFIG, ...cfg };
  const posInt = (name: keyof TcpConfig, v: number, min = 1) => {
    if (!Number.isInteger(v) || v < min) {
      throw new RangeError(`TcpConfig.${name} must be an integer >= ${min}, got ${v}`);
    }
  };
  posInt("mss", c.mss, MIN_PEER_MSS);
  if (c.mss > MAX_MSS_OPTION) throw new RangeError(`TcpConfig.mss must be <= 65535, got ${c.mss}`);
  posInt("rcvBuf", c.rcvBuf, c.mss);
  const maxBuf = MAX_WINDOW_FIELD * 2 ** MAX_WINDOW_SCALE;
  if (c.rcvBuf > maxBuf) throw new RangeError(`TcpConfig.rcvBuf must be <= ${maxBuf}`);
  if (c.initialWindowSegments !== null) posInt("initialWindowSegments", c.initialWindowSegments);
  posInt("minRto", c.minRto);
  posInt("maxRto", c.maxRto, c.minRto);
  posInt("initialRto", c.initialRto);
  posInt("maxRetries", c.maxRetries, 0);
  posInt("synRetries", c.synRetries, 0);
  posInt("msl", c.msl, 0);
  posInt("finWait2Timeout", c.finWait2Timeout);
  posInt("delayedAckTimeout", c.delayedAckTimeout);
  posInt("quickAckSegments", c.quickAckSegments, 0);
  posInt("maxPersist", c.maxPersist);
  posInt("oooMaxSegments", c.oooMaxSegments, 0);
  posInt("oooMaxBytes", c.oooMaxBytes, 0);
  posInt("ephemeralPortMin", c.ephemeralPortMin);
  if (!Number.isInteger(c.ephemeralPortMax) || c.ephemeralPortMax > 65535) {
    throw new RangeError(`TcpConfig.ephemeralPortMax must be an integer <= 65535`);
  }
  if (c.ephemeralPortMax < c.ephemeralPortMin) {
    throw new RangeError("TcpConfig.ephemeralPortMax must be >= ephemeralPortMin");
  }
  posInt("challengeAckLimit", c.challengeAckLimit, 0);
  if (
    c.forceIsn !== null &&
    (!Number.isInteger(c.forceIsn) || c.forceIsn < 0 || c.forceIsn > 0xffffffff)
  ) {
    throw new RangeError(`TcpConfig.forceIsn must be a uint32 or null, got ${c.forceIsn}`);
  }
  return c;
}

/** The window scale we offer: the smallest shift that lets the window field cover `rcvBuf`. */
export function windowScaleFor(rcvBuf: number): number {
  let s = 0;
  while (s < MAX_WINDOW_SCALE && rcvBuf > MAX_WINDOW_FIELD * 2 ** s) s++;
  return s;
}

/** Initial congestion window in bytes (RFC 6928 formula unless configured). */
export function initialWindow(cfg: TcpConfig, mss: number): number {
  if (cfg.initialWindowSegments !== null) return cfg.initialWindowSegments * mss;
  /** RFC 6928: IW = min(10*MSS, max(2*MSS, 14600)). */
  const IW_SEGMENTS = 10, IW_FLOOR_SEGMENTS = 2, IW_BYTES = 14600;
  return Math.min(IW_SEGMENTS * mss, Math.max(IW_FLOOR_SEGMENTS * mss, IW_BYTES));
}
