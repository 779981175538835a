/**
 * Plain "repr" records for the wire formats (as smoltcp does): parsed,
 * validated, independent of byte layout. Views in the sibling modules parse
 * bytes into these records and emit records into bytes.
 */
import type { Ipv4Addr } from "../events.ts";

/** MAC address as 6 bytes. */
export type MacAddr = Uint8Array;

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

export interface EthernetRepr {
  dst: MacAddr;
  src: MacAddr;
  ethertype: number;
}

export const ARP_OP_REQUEST = 1;
export const ARP_OP_REPLY = 2;

export interface ArpRepr {
  op: number;
  senderMac: MacAddr;
  senderIp: Ipv4Addr;
  targetMac: MacAddr;
  targetIp: Ipv4Addr;
}

export interface Ipv4Repr {
  src: Ipv4Addr;
  dst: Ipv4Addr;
  protocol: number;
  /** Payload length in bytes (total length minus header length). */
  payloadLen: number;
  ttl: number;
  /** Identification field. */
  ident: number;
  dontFragment: boolean;
  /** DSCP/ECN byte. */
  tos: number;
}

export const ICMP_ECHO_REPLY = 0;
export const ICMP_DEST_UNREACH = 3;
export const ICMP_ECHO_REQUEST = 8;

export interface IcmpEchoRepr {
  type: number; // ICMP_ECHO_REQUEST or ICMP_ECHO_REPLY
  ident: number;
  seq: number;
  /** Echo data (a view into the packet when parsed). */
  data: Uint8Array;
}

/** TCP flag bits as they sit in the header's flags byte. */
export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;
export const TCP_ECE = 0x40;
export const TCP_CWR = 0x80;

export interface TcpRepr {
  srcPort: number;
  dstPort: number;
  /** Sequence and acknowledgment numbers as unsigned 32-bit integers. */
  seq: number;
  ack: number;
  /** Flag bits (TCP_* constants OR-ed). */
  flags: number;
  /** Raw 16-bit window field (before scaling). */
  window: number;
  urgent: number;
  /** Options; null/undefined when absent. */
  mss?: number | null;
  windowScale?: number | null;
  sackPermitted?: boolean;
  /** SACK blocks as [left, right) pairs, if present. */
  sack?: ReadonlyArray<readonly [number, number]> | null;
  /** Timestamps option (TSval, TSecr), if present. */
  tsVal?: number | null;
  tsEcr?: number | null;
  /** Payload length in bytes (the payload itself stays in the packet buffer). */
  payloadLen: number;
}

// ---------------------------------------------------------------------------
// Byte-order accessors shared by the views (network order = big-endian).
// Callers bounds-check first; out-of-range reads of a Uint8Array yield
// undefined, which these coerce to 0 rather than throwing.

/** Reads a big-endian 16-bit value. */
export function get16(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1];
}

/** Reads a big-endian 32-bit value as unsigned. */
export function get32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

/** Writes a big-endian 16-bit value. */
export function put16(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 8;
  b[o + 1] = v;
}

/** Writes a big-endian 32-bit value. */
export function put32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = v >>> 16;
  b[o + 2] = v >>> 8;
  b[o + 3] = v;
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
