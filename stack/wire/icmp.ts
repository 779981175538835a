/**
 * ICMP echo request / reply view (RFC 792): type, code, checksum over the
 * whole ICMP message, identifier, sequence number, data.
 *
 * @module
 */
import { checksumAdd, fold, internetChecksum } from "../../hw/checksum.ts";
import { get16, put16 } from "./bytes.ts";

/** type, code, checksum, identifier, sequence number. */
export const ICMP_ECHO_HEADER_LEN = 8;
/** Offset of the type. */
export const ICMP_TYPE_OFFSET = 0;
/** Offset of the code. */
export const ICMP_CODE_OFFSET = 1;
/** Offset of the checksum within the message. */
export const ICMP_CHECKSUM_OFFSET = 2;
/** Offset of an echo message's identifier. */
export const ICMP_IDENT_OFFSET = 4;
/** Offset of an echo message's sequence number. */
export const ICMP_SEQ_OFFSET = 6;

/** Type of an echo reply (RFC 792). */
export const ICMP_ECHO_REPLY = 0;
/** Type of a destination unreachable message (RFC 792). */
export const ICMP_DEST_UNREACH = 3;
/** Type of an echo request (RFC 792). */
export const ICMP_ECHO_REQUEST = 8;

/** A parsed ICMP echo request or reply. */
export interface IcmpEchoRepr {
  /** {@link ICMP_ECHO_REQUEST} or {@link ICMP_ECHO_REPLY}. */
  type: number;
  /** Identifier. */
  ident: number;
  /** Sequence number. */
  seq: number;
  /** Echo data (a view into the packet when parsed). */
  data: Uint8Array;
}

/**
 * Why an ICMP message was rejected. `"unsupported-type"` is a well-formed
 * message of a type other than echo request/reply (the caller decides what to
 * do: this stack counts and ignores them).
 */
export type IcmpError = "truncated" | "bad-checksum" | "bad-code" | "unsupported-type";

/** A repr with empty data, to be filled by {@link parseIcmpEcho}. */
export function makeIcmpEchoRepr(): IcmpEchoRepr {
  return { type: 0, ident: 0, seq: 0, data: new Uint8Array(0) };
}

/**
 * Parses the `len`-byte ICMP message at `off`: verifies the checksum (unless
 * `verifyChecksum` is false), accepts echo request/reply with code 0 and sets
 * `repr.data` to a view of the echo data (no copy). Returns the header length 8.
 */
export function parseIcmpEcho(
  b: Uint8Array,
  off: number,
  len: number,
  repr: IcmpEchoRepr,
  verifyChecksum = true,
): number | IcmpError {
  if (len < ICMP_ECHO_HEADER_LEN || off < 0 || off + len > b.length) return "truncated";
  if (verifyChecksum && fold(checksumAdd(0, b, off, len)) !== 0xffff) return "bad-checksum";
  const type = b[off + ICMP_TYPE_OFFSET];
  if (type !== ICMP_ECHO_REQUEST && type !== ICMP_ECHO_REPLY) return "unsupported-type";
  if (b[off + ICMP_CODE_OFFSET] !== 0) return "bad-code";
  repr.type = type;
  repr.ident = get16(b, off + ICMP_IDENT_OFFSET);
  repr.seq = get16(b, off + ICMP_SEQ_OFFSET);
  repr.data = b.subarray(off + ICMP_ECHO_HEADER_LEN, off + len);
  return ICMP_ECHO_HEADER_LEN;
}

/** Bytes {@link emitIcmpEcho} writes for `repr`. */
export function icmpEchoLen(repr: IcmpEchoRepr): number {
  return ICMP_ECHO_HEADER_LEN + repr.data.length;
}

/** Writes the echo message (header, data, checksum) at `off`; returns its length. */
export function emitIcmpEcho(repr: IcmpEchoRepr, out: Uint8Array, off: number): number {
  const len = icmpEchoLen(repr);
  out[off + ICMP_TYPE_OFFSET] = repr.type;
  out[off + ICMP_CODE_OFFSET] = 0;
  put16(out, off + ICMP_CHECKSUM_OFFSET, 0);
  put16(out, off + ICMP_IDENT_OFFSET, repr.ident);
  put16(out, off + ICMP_SEQ_OFFSET, repr.seq);
  out.set(repr.data, off + ICMP_ECHO_HEADER_LEN);
  put16(out, off + ICMP_CHECKSUM_OFFSET, internetChecksum(out, off, len));
  return len;
}
