/**
 * TCP header view (RFC 9293 section 3.1) with the options this stack speaks:
 * MSS (RFC 9293), window scale and timestamps (RFC 7323), SACK-permitted and
 * SACK blocks (RFC 2018). NOP/EOL are honoured, unknown options are skipped by
 * their length; a malformed option length is an error.
 *
 * Parsing never throws: it fills a caller-provided {@link TcpRepr} and returns
 * the header length, or a {@link TcpError} the caller counts and drops by.
 * The checksum is not checked by {@link parseTcp} (it needs the IPv4
 * pseudo-header): use {@link tcpChecksumOk}.
 *
 * @module
 */
import { checksumAdd, fold, pseudoHeaderSum } from "../../hw/checksum.ts";
import {
  HEADER_WORD_LEN,
  IPPROTO_TCP,
  L4_DST_PORT_OFFSET,
  L4_SRC_PORT_OFFSET,
} from "../../hw/headers.ts";
import { get16, get32, put16, put32 } from "./bytes.ts";
import type { Ipv4Addr } from "./ipv4.ts";

export { L4_DST_PORT_OFFSET, L4_PORTS_LEN, L4_SRC_PORT_OFFSET } from "../../hw/headers.ts";
export type { Ipv4Addr } from "./ipv4.ts";

/** Fixed part of the header (RFC 9293 figure 1). */
export const TCP_HEADER_MIN = 20;
/** Largest header: data offset is 4 bits of 32-bit words (15 * 4). */
export const TCP_HEADER_MAX = 60;
/** Room for options: TCP_HEADER_MAX - TCP_HEADER_MIN. */
export const TCP_OPTIONS_MAX = 40;

/** Offset of the sequence number (the ports precede it: {@link L4_SRC_PORT_OFFSET}). */
export const TCP_SEQ_OFFSET = 4;
/** Offset of the acknowledgment number. */
export const TCP_ACK_OFFSET = 8;
/** Offset of the data offset byte (header length in 32-bit words, high nibble). */
export const TCP_DATA_OFFSET_OFFSET = 12;
/** Offset of the flags byte. */
export const TCP_FLAGS_OFFSET = 13;
/** Offset of the window. */
export const TCP_WINDOW_OFFSET = 14;
/** Offset of the checksum field within the header. */
export const TCP_CHECKSUM_OFFSET = 16;
/** Offset of the urgent pointer. */
export const TCP_URGENT_OFFSET = 18;

/** FIN flag bit, as it sits in the header's flags byte. */
export const TCP_FIN = 0x01;
/** SYN flag bit. */
export const TCP_SYN = 0x02;
/** RST flag bit. */
export const TCP_RST = 0x04;
/** PSH flag bit. */
export const TCP_PSH = 0x08;
/** ACK flag bit. */
export const TCP_ACK = 0x10;
/** URG flag bit. */
export const TCP_URG = 0x20;
/** ECE flag bit (RFC 3168). */
export const TCP_ECE = 0x40;
/** CWR flag bit (RFC 3168). */
export const TCP_CWR = 0x80;

/** A parsed TCP header with the options this stack speaks. */
export interface TcpRepr {
  /** Source port. */
  srcPort: number;
  /** Destination port. */
  dstPort: number;
  /** Sequence number as an unsigned 32-bit integer. */
  seq: number;
  /** Acknowledgment number as an unsigned 32-bit integer. */
  ack: number;
  /** Flag bits (TCP_* constants OR-ed). */
  flags: number;
  /** Raw 16-bit window field (before scaling). */
  window: number;
  /** Urgent pointer. */
  urgent: number;
  /** MSS option; null/undefined when absent. */
  mss?: number | null;
  /** Window scale option (shift count); null/undefined when absent. */
  windowScale?: number | null;
  /** SACK-permitted option present. */
  sackPermitted?: boolean;
  /** SACK blocks as [left, right) pairs, if present. */
  sack?: ReadonlyArray<readonly [number, number]> | null;
  /** Timestamps option TSval, if present. */
  tsVal?: number | null;
  /** Timestamps option TSecr, if present. */
  tsEcr?: number | null;
  /** Payload length in bytes (the payload itself stays in the packet buffer). */
  payloadLen: number;
}

/** A fresh TcpRepr with every field zero and no options (to be filled by a parse). */
export function makeTcpRepr(): TcpRepr {
  return {
    srcPort: 0,
    dstPort: 0,
    seq: 0,
    ack: 0,
    flags: 0,
    window: 0,
    urgent: 0,
    mss: null,
    windowScale: null,
    sackPermitted: false,
    sack: null,
    tsVal: null,
    tsEcr: null,
    payloadLen: 0,
  };
}

// Option kinds (IANA "TCP Option Kind Numbers").

/** End of option list. */
export const TCPOPT_EOL = 0;
/** No-operation (padding). */
export const TCPOPT_NOP = 1;
/** Maximum segment size (RFC 9293 section 3.2). */
export const TCPOPT_MSS = 2;
/** Window scale (RFC 7323 section 2). */
export const TCPOPT_WSCALE = 3;
/** SACK permitted (RFC 2018 section 2). */
export const TCPOPT_SACK_PERMITTED = 4;
/** SACK blocks (RFC 2018 section 3). */
export const TCPOPT_SACK = 5;
/** Timestamps (RFC 7323 section 3). */
export const TCPOPT_TIMESTAMPS = 8;

/** Option lengths fixed by their RFCs. */
const LEN_MSS = 4;
const LEN_WSCALE = 3;
const LEN_SACK_PERMITTED = 2;
const LEN_TIMESTAMPS = 10;
/** SACK option: kind, length, then 8 bytes per block (RFC 2018 section 3). */
const SACK_BLOCK_BYTES = 8;
const SACK_OPT_HEAD = 2;
/** RFC 2018: at most 4 blocks fit in the option space. */
export const SACK_MAX_BLOCKS = 4;
/**
 * Option bytes the timestamps option takes in every segment that carries it:
 * 10, NOP-padded to 12 (RFC 7323 appendix A layout).
 */
export const TCP_TS_OPTION_SPACE = 12;

/** Why a TCP header was rejected. */
export type TcpError = "truncated" | "bad-header-len" | "bad-option";

/**
 * Parses the TCP header of a segment of `len` bytes (the IPv4 payload) at
 * `off`. Fills `repr` (options absent are reset to null/false, `payloadLen` =
 * `len` - header length) and returns the header length, or an error.
 */
export function parseTcp(
  b: Uint8Array,
  off: number,
  len: number,
  repr: TcpRepr,
): number | TcpError {
  if (len < TCP_HEADER_MIN || off < 0 || off + len > b.length) return "truncated";
  const hdrLen = (b[off + TCP_DATA_OFFSET_OFFSET] >>> 4) * HEADER_WORD_LEN;
  if (hdrLen < TCP_HEADER_MIN || hdrLen > len) return "bad-header-len";
  repr.srcPort = get16(b, off + L4_SRC_PORT_OFFSET);
  repr.dstPort = get16(b, off + L4_DST_PORT_OFFSET);
  repr.seq = get32(b, off + TCP_SEQ_OFFSET);
  repr.ack = get32(b, off + TCP_ACK_OFFSET);
  repr.flags = b[off + TCP_FLAGS_OFFSET];
  repr.window = get16(b, off + TCP_WINDOW_OFFSET);
  repr.urgent = get16(b, off + TCP_URGENT_OFFSET);
  repr.mss = null;
  repr.windowScale = null;
  repr.sackPermitted = false;
  repr.sack = null;
  repr.tsVal = null;
  repr.tsEcr = null;
  repr.payloadLen = len - hdrLen;
  const end = off + hdrLen;
  let i = off + TCP_HEADER_MIN;
  while (i < end) {
    const kind = b[i];
    if (kind === TCPOPT_EOL) break;
    if (kind === TCPOPT_NOP) {
      i++;
      continue;
    }
    if (i + 1 >= end) return "bad-option";
    const olen = b[i + 1];
    if (olen < 2 || i + olen > end) return "bad-option";
    switch (kind) {
      case TCPOPT_MSS:
        if (olen !== LEN_MSS) return "bad-option";
        repr.mss = get16(b, i + 2);
        break;
      case TCPOPT_WSCALE:
        if (olen !== LEN_WSCALE) return "bad-option";
        repr.windowScale = b[i + 2];
        break;
      case TCPOPT_SACK_PERMITTED:
        if (olen !== LEN_SACK_PERMITTED) return "bad-option";
        repr.sackPermitted = true;
        break;
      case TCPOPT_SACK: {
        const body = olen - SACK_OPT_HEAD;
        if (body === 0 || body % SACK_BLOCK_BYTES !== 0) return "bad-option";
        const blocks: [number, number][] = [];
        for (let j = i + SACK_OPT_HEAD; j < i + olen; j += SACK_BLOCK_BYTES) {
          blocks.push([get32(b, j), get32(b, j + 4)]);
        }
        repr.sack = blocks;
        break;
      }
      case TCPOPT_TIMESTAMPS:
        if (olen !== LEN_TIMESTAMPS) return "bad-option";
        repr.tsVal = get32(b, i + 2);
        repr.tsEcr = get32(b, i + 6);
        break;
      default:
        break; // unknown option: skipped by its length
    }
    i += olen;
  }
  return hdrLen;
}

/** Option bytes other than SACK that {@link emitTcp} writes for `repr`. */
function baseOptionsLen(repr: TcpRepr): number {
  let n = 0;
  if (repr.mss != null) n += 4; // MSS
  const ts = repr.tsVal != null;
  if (ts) n += TCP_TS_OPTION_SPACE; // NOP NOP TS, or SACK-permitted + TS
  else if (repr.sackPermitted) n += 4; // NOP NOP SACK-permitted
  if (repr.windowScale != null) n += 4; // NOP WS
  return n;
}

/** SACK blocks that fit after the other options (at most {@link SACK_MAX_BLOCKS}). */
function sackBlocksToSend(repr: TcpRepr, base: number): number {
  const sack = repr.sack;
  if (sack == null || sack.length === 0) return 0;
  const room = Math.floor((TCP_OPTIONS_MAX - base - 2 - SACK_OPT_HEAD) / SACK_BLOCK_BYTES);
  return Math.max(0, Math.min(sack.length, room, SACK_MAX_BLOCKS));
}

/**
 * Header length {@link emitTcp} produces for `repr` (20 bytes plus options,
 * padded to 32 bits). SACK blocks that do not fit in the 40 option bytes are
 * left out (the first ones are kept, as RFC 2018 orders the most recent first).
 */
export function tcpHeaderLen(repr: TcpRepr): number {
  const base = baseOptionsLen(repr);
  const blocks = sackBlocksToSend(repr, base);
  return TCP_HEADER_MIN + base + (blocks > 0 ? 4 + blocks * SACK_BLOCK_BYTES : 0);
}

/**
 * Writes the header for `repr` at `off` in `out` with a zero checksum field
 * and returns its length ({@link tcpHeaderLen}). Options go in the layout
 * common stacks use: MSS, [SACK-permitted] TS (NOP-padded), NOP WS,
 * NOP NOP SACK. The caller fills the checksum (see {@link tcpChecksumSum}).
 */
export function emitTcp(repr: TcpRepr, out: Uint8Array, off: number): number {
  const base = baseOptionsLen(repr);
  const blocks = sackBlocksToSend(repr, base);
  const hdrLen = TCP_HEADER_MIN + base + (blocks > 0 ? 4 + blocks * SACK_BLOCK_BYTES : 0);
  put16(out, off + L4_SRC_PORT_OFFSET, repr.srcPort);
  put16(out, off + L4_DST_PORT_OFFSET, repr.dstPort);
  put32(out, off + TCP_SEQ_OFFSET, repr.seq);
  put32(out, off + TCP_ACK_OFFSET, repr.ack);
  out[off + TCP_DATA_OFFSET_OFFSET] = (hdrLen / HEADER_WORD_LEN) << 4;
  out[off + TCP_FLAGS_OFFSET] = repr.flags;
  put16(out, off + TCP_WINDOW_OFFSET, repr.window);
  put16(out, off + TCP_CHECKSUM_OFFSET, 0);
  put16(out, off + TCP_URGENT_OFFSET, repr.urgent);
  let i = off + TCP_HEADER_MIN;
  if (repr.mss != null) {
    out[i] = TCPOPT_MSS;
    out[i + 1] = LEN_MSS;
    put16(out, i + 2, repr.mss);
    i += 4;
  }
  if (repr.tsVal != null) {
    if (repr.sackPermitted) {
      out[i] = TCPOPT_SACK_PERMITTED;
      out[i + 1] = LEN_SACK_PERMITTED;
    } else {
      out[i] = TCPOPT_NOP;
      out[i + 1] = TCPOPT_NOP;
    }
    out[i + 2] = TCPOPT_TIMESTAMPS;
    out[i + 3] = LEN_TIMESTAMPS;
    put32(out, i + 4, repr.tsVal);
    put32(out, i + 8, repr.tsEcr ?? 0);
    i += TCP_TS_OPTION_SPACE;
  } else if (repr.sackPermitted) {
    out[i] = TCPOPT_NOP;
    out[i + 1] = TCPOPT_NOP;
    out[i + 2] = TCPOPT_SACK_PERMITTED;
    out[i + 3] = LEN_SACK_PERMITTED;
    i += 4;
  }
  if (repr.windowScale != null) {
    out[i] = TCPOPT_NOP;
    out[i + 1] = TCPOPT_WSCALE;
    out[i + 2] = LEN_WSCALE;
    out[i + 3] = repr.windowScale;
    i += 4;
  }
  if (blocks > 0) {
    const sack = repr.sack!;
    out[i] = TCPOPT_NOP;
    out[i + 1] = TCPOPT_NOP;
    out[i + 2] = TCPOPT_SACK;
    out[i + 3] = SACK_OPT_HEAD + blocks * SACK_BLOCK_BYTES;
    i += 4;
    for (let k = 0; k < blocks; k++) {
      put32(out, i, sack[k][0]);
      put32(out, i + 4, sack[k][1]);
      i += SACK_BLOCK_BYTES;
    }
  }
  return hdrLen;
}

/**
 * Partial checksum sum of a TCP segment whose header (and possibly payload)
 * is the `len` bytes at `off`, including the pseudo-header for `segLen`
 * (header + payload) bytes. Add further payload pieces with
 * `checksumAdd(sum, bytes, o, l, pos)` and finish with `checksumFinish`.
 */
export function tcpChecksumSum(
  b: Uint8Array,
  off: number,
  len: number,
  src: Ipv4Addr,
  dst: Ipv4Addr,
  segLen: number,
): number {
  return checksumAdd(pseudoHeaderSum(src, dst, IPPROTO_TCP, segLen), b, off, len);
}

/** True when the segment of `len` bytes at `off` (header + payload) has a valid checksum. */
export function tcpChecksumOk(
  b: Uint8Array,
  off: number,
  len: number,
  src: Ipv4Addr,
  dst: Ipv4Addr,
): boolean {
  if (off < 0 || len < 0 || off + len > b.length) return false;
  return fold(tcpChecksumSum(b, off, len, src, dst, len)) === 0xffff;
}
