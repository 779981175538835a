/**
 * IPv4 header view (RFC 791 section 3.1). Parsing validates version, header
 * length, total length against the buffer (Ethernet padding after the packet
 * is allowed) and, unless offloaded, the header checksum; options are skipped.
 * Fragments (MF set or a non-zero offset) are reported as `"fragment"`: this
 * stack does not reassemble, the caller counts and drops them.
 */
import { checksumAdd, checksumFinish, fold } from "../checksum.ts";
import { get16, get32, type Ipv4Repr, put16, put32 } from "./repr.ts";

/** Header without options (IHL 5). */
export const IPV4_HEADER_LEN = 20;
/** Largest header: IHL is 4 bits of 32-bit words. */
export const IPV4_HEADER_MAX = 60;
/** Largest total length (16-bit field). */
export const IPV4_MAX_TOTAL_LEN = 65535;
/** Default TTL (Linux net.ipv4.ip_default_ttl = 64; RFC 1700 recommends 64). */
export const IPV4_DEFAULT_TTL = 64;
/** Offset of the header checksum within the header. */
export const IPV4_CHECKSUM_OFFSET = 10;
/** Flag bits in the flags/fragment-offset word (RFC 791). */
export const IPV4_FLAG_DF = 0x4000;
export const IPV4_FLAG_MF = 0x2000;
export const IPV4_FRAG_OFFSET_MASK = 0x1fff;
/** IP version 4. */
const VERSION = 4;

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
  const vihl = b[off];
  if (vihl >>> 4 !== VERSION) return "bad-version";
  const hdrLen = (vihl & 0x0f) * 4;
  if (hdrLen < IPV4_HEADER_LEN) return "bad-header-len";
  if (hdrLen > len) return "truncated";
  const total = get16(b, off + 2);
  if (total < hdrLen) return "bad-total-len";
  if (total > len) return "truncated";
  if (verifyChecksum && fold(checksumAdd(0, b, off, hdrLen)) !== 0xffff) return "bad-checksum";
  const frag = get16(b, off + 6);
  if ((frag & (IPV4_FLAG_MF | IPV4_FRAG_OFFSET_MASK)) !== 0) return "fragment";
  repr.tos = b[off + 1];
  repr.ident = get16(b, off + 4);
  repr.dontFragment = (frag & IPV4_FLAG_DF) !== 0;
  repr.ttl = b[off + 8];
  repr.protocol = b[off + 9];
  repr.src = get32(b, off + 12);
  repr.dst = get32(b, off + 16);
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
  src: number,
  dst: number,
): number {
  const vihl = (VERSION << 4) | (IPV4_HEADER_LEN / 4);
  // Each field as the 16-bit words it occupies (masked as the byte stores truncate).
  const tos = tosField & 0xff;
  const total = (IPV4_HEADER_LEN + payloadLen) & 0xffff;
  const ident = identField & 0xffff;
  const frag = dontFragment ? IPV4_FLAG_DF : 0;
  const ttlProto = ((ttl & 0xff) << 8) | (protocol & 0xff);
  out[off] = vihl;
  out[off + 1] = tos;
  put16(out, off + 2, total);
  put16(out, off + 4, ident);
  put16(out, off + 6, frag);
  put16(out, off + 8, ttlProto);
  put32(out, off + 12, src);
  put32(out, off + 16, dst);
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
