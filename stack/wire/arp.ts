/**
 * ARP packet view (RFC 826), Ethernet hardware and IPv4 protocol addresses
 * only: the 28-byte packet after the Ethernet header.
 */
import { MAC_LEN } from "./ethernet.ts";
import {
  ARP_OP_REPLY,
  ARP_OP_REQUEST,
  type ArpRepr,
  ETHERTYPE_IPV4,
  get16,
  get32,
  put16,
  put32,
} from "./repr.ts";

/** htype(2) ptype(2) hlen(1) plen(1) op(2) sha(6) spa(4) tha(6) tpa(4). */
export const ARP_LEN = 28;
/** Hardware type Ethernet (IANA ARP parameters). */
export const ARP_HTYPE_ETHERNET = 1;
/** Protocol address length for IPv4. */
const IPV4_ADDR_LEN = 4;

/** Why an ARP packet was rejected: too short, not Ethernet/IPv4, or an unknown opcode. */
export type ArpError = "truncated" | "unsupported" | "bad-op";

/** A repr with its own zeroed MAC arrays, to be filled by {@link parseArp}. */
export function makeArpRepr(): ArpRepr {
  return {
    op: 0,
    senderMac: new Uint8Array(MAC_LEN),
    senderIp: 0,
    targetMac: new Uint8Array(MAC_LEN),
    targetIp: 0,
  };
}

/** Parses an ARP packet at `off` (of `len` bytes, padding allowed); copies MACs into `repr`. */
export function parseArp(
  b: Uint8Array,
  off: number,
  len: number,
  repr: ArpRepr,
): number | ArpError {
  if (len < ARP_LEN || off < 0 || off + len > b.length) return "truncated";
  if (
    get16(b, off) !== ARP_HTYPE_ETHERNET || get16(b, off + 2) !== ETHERTYPE_IPV4 ||
    b[off + 4] !== MAC_LEN || b[off + 5] !== IPV4_ADDR_LEN
  ) return "unsupported";
  const op = get16(b, off + 6);
  if (op !== ARP_OP_REQUEST && op !== ARP_OP_REPLY) return "bad-op";
  repr.op = op;
  const sm = repr.senderMac, tm = repr.targetMac;
  for (let i = 0; i < MAC_LEN; i++) {
    sm[i] = b[off + 8 + i];
    tm[i] = b[off + 18 + i];
  }
  repr.senderIp = get32(b, off + 14);
  repr.targetIp = get32(b, off + 24);
  return ARP_LEN;
}

/** Writes `repr` as a 28-byte ARP packet at `off` in `out`; returns 28. */
export function emitArp(repr: ArpRepr, out: Uint8Array, off: number): number {
  put16(out, off, ARP_HTYPE_ETHERNET);
  put16(out, off + 2, ETHERTYPE_IPV4);
  out[off + 4] = MAC_LEN;
  out[off + 5] = IPV4_ADDR_LEN;
  put16(out, off + 6, repr.op);
  out.set(repr.senderMac, off + 8);
  put32(out, off + 14, repr.senderIp);
  out.set(repr.targetMac, off + 18);
  put32(out, off + 24, repr.targetIp);
  return ARP_LEN;
}

/** Gratuitous ARP (RFC 5227 section 3): sender and target protocol address are the same. */
export function isGratuitousArp(repr: ArpRepr): boolean {
  return repr.senderIp === repr.targetIp;
}
