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
