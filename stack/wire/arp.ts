/**
 * ARP packet view (RFC 826), Ethernet hardware and IPv4 protocol addresses
 * only: the 28-byte packet after the Ethernet header.
 *
 * @module
 */
import { ETHERTYPE_IPV4, MAC_LEN } from "../../hw/headers.ts";
import { get16, get32, put16, put32 } from "./bytes.ts";
import type { MacAddr } from "./ethernet.ts";
import { IPV4_ADDR_LEN, type Ipv4Addr } from "./ipv4.ts";

export type { MacAddr } from "./ethernet.ts";
export type { Ipv4Addr } from "./ipv4.ts";

/** htype(2) ptype(2) hlen(1) plen(1) op(2) sha(6) spa(4) tha(6) tpa(4). */
export const ARP_LEN = 28;
/** Hardware type Ethernet (IANA ARP parameters). */
export const ARP_HTYPE_ETHERNET = 1;
/** Opcode of a request (RFC 826). */
export const ARP_OP_REQUEST = 1;
/** Opcode of a reply (RFC 826). */
export const ARP_OP_REPLY = 2;

/** Offset of the hardware type. */
export const ARP_HTYPE_OFFSET = 0;
/** Offset of the protocol type (an EtherType). */
export const ARP_PTYPE_OFFSET = 2;
/** Offset of the hardware address length. */
export const ARP_HLEN_OFFSET = 4;
/** Offset of the protocol address length. */
export const ARP_PLEN_OFFSET = 5;
/** Offset of the opcode. */
export const ARP_OP_OFFSET = 6;
/** Offset of the sender hardware address. */
export const ARP_SHA_OFFSET = 8;
/** Offset of the sender protocol address. */
export const ARP_SPA_OFFSET = 14;
/** Offset of the target hardware address. */
export const ARP_THA_OFFSET = 18;
/** Offset of the target protocol address. */
export const ARP_TPA_OFFSET = 24;

/** A parsed ARP packet (Ethernet / IPv4). */
export interface ArpRepr {
  /** {@link ARP_OP_REQUEST} or {@link ARP_OP_REPLY}. */
  op: number;
  /** Sender hardware address. */
  senderMac: MacAddr;
  /** Sender protocol address. */
  senderIp: Ipv4Addr;
  /** Target hardware address (zero in a request). */
  targetMac: MacAddr;
  /** Target protocol address. */
  targetIp: Ipv4Addr;
}

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
    get16(b, off + ARP_HTYPE_OFFSET) !== ARP_HTYPE_ETHERNET ||
    get16(b, off + ARP_PTYPE_OFFSET) !== ETHERTYPE_IPV4 ||
    b[off + ARP_HLEN_OFFSET] !== MAC_LEN || b[off + ARP_PLEN_OFFSET] !== IPV4_ADDR_LEN
  ) return "unsupported";
  const op = get16(b, off + ARP_OP_OFFSET);
  if (op !== ARP_OP_REQUEST && op !== ARP_OP_REPLY) return "bad-op";
  repr.op = op;
  const sm = repr.senderMac, tm = repr.targetMac;
  for (let i = 0; i < MAC_LEN; i++) {
    sm[i] = b[off + ARP_SHA_OFFSET + i];
    tm[i] = b[off + ARP_THA_OFFSET + i];
  }
  repr.senderIp = get32(b, off + ARP_SPA_OFFSET);
  repr.targetIp = get32(b, off + ARP_TPA_OFFSET);
  return ARP_LEN;
}

/** Writes `repr` as a 28-byte ARP packet at `off` in `out`; returns 28. */
export function emitArp(repr: ArpRepr, out: Uint8Array, off: number): number {
  put16(out, off + ARP_HTYPE_OFFSET, ARP_HTYPE_ETHERNET);
  put16(out, off + ARP_PTYPE_OFFSET, ETHERTYPE_IPV4);
  out[off + ARP_HLEN_OFFSET] = MAC_LEN;
  out[off + ARP_PLEN_OFFSET] = IPV4_ADDR_LEN;
  put16(out, off + ARP_OP_OFFSET, repr.op);
  out.set(repr.senderMac, off + ARP_SHA_OFFSET);
  put32(out, off + ARP_SPA_OFFSET, repr.senderIp);
  out.set(repr.targetMac, off + ARP_THA_OFFSET);
  put32(out, off + ARP_TPA_OFFSET, repr.targetIp);
  return ARP_LEN;
}

/** Gratuitous ARP (RFC 5227 section 3): sender and target protocol address are the same. */
export function isGratuitousArp(repr: ArpRepr): boolean {
  return repr.senderIp === repr.targetIp;
}
