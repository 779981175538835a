/**
 * IPv4 header view (RFC 791 section 3.1). Parsing validates version, header
 * length, total length against the buffer (Ethernet padding after the packet
 * is allowed) and, unless offloaded, the header checksum; options are skipped.
 * Fragments (MF set or a non-zero offset) are reported as `"fragment"`: this
 * stack does not reassemble, the caller counts and drops them.
 *
 * Also the address type, {@link Ipv4Addr}, and its text form.
 *
 * @module
 */
import { checksumAdd, checksumFinish, fold } from "../../hw/checksum.ts";
import {
  HEADER_WORD_LEN,
  IPV4_DST_OFFSET,
  IPV4_FLAG_DF,
  IPV4_FLAG_MF,
  IPV4_FLAGS_OFFSET,
  IPV4_FRAG_OFFSET_MASK,
  IPV4_HEADER_LEN,
  IPV4_IHL_MASK,
  IPV4_PROTOCOL_OFFSET,
  IPV4_SRC_OFFSET,
  IPV4_VER_IHL_OFFSET,
  IPV4_VERSION,
} from "../../hw/headers.ts";
import { get16, get32, put16, put32 } from "./bytes.ts";

export {
  HEADER_WORD_LEN,
  IPPROTO_TCP,
  IPPROTO_UDP,
  IPV4_DST_OFFSET,
  IPV4_FLAG_DF,
  IPV4_FLAG_MF,
  IPV4_FLAGS_OFFSET,
  IPV4_FRAG_OFFSET_MASK,
  IPV4_HEADER_LEN,
  IPV4_IHL_MASK,
  IPV4_PROTOCOL_OFFSET,
  IPV4_SRC_OFFSET,
  IPV4_VER_IHL_OFFSET,
  IPV4_VERSION,
} from "../../hw/headers.ts";

/** IPv4 address as an unsigned 32-bit integer (host order, a.b.c.d = a<<24|...). */
export type Ipv4Addr = number;

/** Bytes in an IPv4 address. */
export const IPV4_ADDR_LEN = 4;
/** IP protocol number of ICMP (IANA). */
export const IPPROTO_ICMP = 1;
/** Largest header: IHL is 4 bits of 32-bit words. */
export const IPV4_HEADER_MAX = 60;
/** Largest total length (16-bit field). */
export const IPV4_MAX_TOTAL_LEN = 65535;
/** Default TTL (Linux net.ipv4.ip_default_ttl = 64; RFC 1700 recommends 64). */
export const IPV4_DEFAULT_TTL = 64;

/** Offset of the DSCP/ECN (type of service) byte. */
export const IPV4_TOS_OFFSET = 1;
/** Offset of the total length. */
export const IPV4_TOTAL_LEN_OFFSET = 2;
/** Offset of the identification. */
export const IPV4_IDENT_OFFSET = 4;
/** Offset of the TTL (the protocol byte follows it). */
export const IPV4_TTL_OFFSET = 8;
/** Offset of the header checksum. */
export const IPV4_CHECKSUM_OFFSET = 10;

/** A parsed IPv4 header. */
export interface Ipv4Repr {
  /** Source address. */
  src: Ipv4Addr;
  /** Destination address. */
  dst: Ipv4Addr;
  /** Protocol number (e.g. {@link IPPROTO_TCP}). */
  protocol: number;
  /** Payload length in bytes (total length minus header length). */
  payloadLen: number;
  /** Time to live. */
  ttl: number;
  /** Identification field. */
  ident: number;
  /** The don't-fragment flag. */
  dontFragment: boolean;
  /** DSCP/ECN byte. */
  tos: number;
}

/** Why an IPv4 header was rejected. */
export type Ipv4Error =
  | "truncated"
  | "bad-version"
  | "bad-header-len"
  | "bad-total-len"
  | "bad-checksum"
  | "fragment";

/** A zeroed repr to be filled by {@link parseIpv4}. */
export function makeIpv4Repr(): Ipv4Repr {
  return {
    src: 0,
    dst: 0,
    protocol: 0,
    payloadLen: 0,
    ttl: 0,
    ident: 0,
    dontFragment: false,
    tos: 0,
  };
}

/**
 * Parses the header at `off` of a buffer holding `len` bytes from there (the
 * Ethernet payload, possibly padded). Returns the header length (the payload
 * starts there and is `repr.payloadLen` bytes) or an error. With
 * `verifyChecksum` false (receive offload) the checksum is not checked.
 */
export function parseIpv4(
  b: Uint8Array,
  off: number,
  len: number,
  repr: Ipv4Repr,
  verifyChecksum = true,
): number | Ipv4Error {
  if (len < IPV4_HEADER_LEN || off < 0 || off + len > b.length) return "truncated";
  const vihl = b[off + IPV4_VER_IHL_OFFSET];
  if (vihl >>> 4 !== IPV4_VERSION) return "bad-version";
  const hdrLen = (vihl & IPV4_IHL_MASK) * HEADER_WORD_LEN;
  if (hdrLen < IPV4_HEADER_LEN) return "bad-header-len";
  if (hdrLen > len) return "truncated";
  const total = get16(b, off + IPV4_TOTAL_LEN_OFFSET);
  if (total < hdrLen) return "bad-total-len";
  if (total > len) return "truncated";
  if (verifyChecksum && fold(checksumAdd(0, b, off, hdrLen)) !== 0xffff) return "bad-checksum";
  const frag = get16(b, off + IPV4_FLAGS_OFFSET);
  if ((frag & (IPV4_FLAG_MF | IPV4_FRAG_OFFSET_MASK)) !== 0) return "fragment";
  repr.tos = b[off + IPV4_TOS_OFFSET];
  repr.ident = get16(b, off + IPV4_IDENT_OFFSET);
  repr.dontFragment = (frag & IPV4_FLAG_DF) !== 0;
  repr.ttl = b[off + IPV4_TTL_OFFSET];
  repr.protocol = b[off + IPV4_PROTOCOL_OFFSET];
  repr.src = get32(b, off + IPV4_SRC_OFFSET);
  repr.dst = get32(b, off + IPV4_DST_OFFSET);
  repr.payloadLen = total - hdrLen;
  return hdrLen;
}

/**
 * Writes a 20-byte header (no options) for `repr` at `off` in `out`, with
 * total length = 20 + `repr.payloadLen` and the header checksum; returns 20.
 */
export function emitIpv4(repr: Ipv4Repr, out: Uint8Array, off: number): number {
  return emitIpv4Fields(
    out,
    off,
    repr.tos,
    repr.payloadLen,
    repr.ident,
    repr.dontFragment,
    repr.ttl,
    repr.protocol,
    repr.src,
    repr.dst,
  );
}

/**
 * {@link emitIpv4} from the field values (the transmit path's form: no repr
 * to fill and read back). Returns 20.
 */
export function emitIpv4Fields(
  out: Uint8Array,
  off: number,
  tosField: number,
  payloadLen: number,
  identField: number,
  dontFragment: boolean,
  ttl: number,
  protocol: number,
  src: Ipv4Addr,
  dst: Ipv4Addr,
): number {
  const vihl = (IPV4_VERSION << 4) | (IPV4_HEADER_LEN / HEADER_WORD_LEN);
  // Each field as the 16-bit words it occupies (masked as the byte stores truncate).
  const tos = tosField & 0xff;
  const total = (IPV4_HEADER_LEN + payloadLen) & 0xffff;
  const ident = identField & 0xffff;
  const frag = dontFragment ? IPV4_FLAG_DF : 0;
  const ttlProto = ((ttl & 0xff) << 8) | (protocol & 0xff);
  out[off + IPV4_VER_IHL_OFFSET] = vihl;
  out[off + IPV4_TOS_OFFSET] = tos;
  put16(out, off + IPV4_TOTAL_LEN_OFFSET, total);
  put16(out, off + IPV4_IDENT_OFFSET, ident);
  put16(out, off + IPV4_FLAGS_OFFSET, frag);
  put16(out, off + IPV4_TTL_OFFSET, ttlProto);
  put32(out, off + IPV4_SRC_OFFSET, src);
  put32(out, off + IPV4_DST_OFFSET, dst);
  // The header checksum from the words just written (RFC 1071 sum with the
  // field zero): the same value as summing the header bytes, without reading
  // them back.
  const sum = ((vihl << 8) | tos) + total + ident + frag + ttlProto +
    ((src >>> 16) & 0xffff) + (src & 0xffff) + ((dst >>> 16) & 0xffff) + (dst & 0xffff);
  put16(out, off + IPV4_CHECKSUM_OFFSET, checksumFinish(sum));
  return IPV4_HEADER_LEN;
}

/** Network mask for a prefix length 0..32, as an unsigned 32-bit integer. */
export function prefixMask(prefixLen: number): number {
  return prefixLen === 0 ? 0 : (0xffffffff << (32 - prefixLen)) >>> 0;
}

/** True for 224.0.0.0/4 (multicast) and 240.0.0.0/4 (reserved, includes limited broadcast). */
export function isMulticastOrReservedIp(a: number): boolean {
  return (a >>> 28) >= 0xe;
}

/** Formats an address as dotted quad. */
export function ipToString(a: Ipv4Addr): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

/** Parses a dotted quad; returns null when malformed. */
export function parseIp(s: string): Ipv4Addr | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  const p = m.slice(1).map(Number);
  if (p.some((x) => x > 255)) return null;
  return ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0;
}
