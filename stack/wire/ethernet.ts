/**
 * Ethernet II frame header view (IEEE 802.3 clause 3 with an EtherType):
 * destination MAC, source MAC, EtherType. The FCS is not part of the frames
 * this stack sees (NICs strip and add it).
 *
 * @module
 */
import {
  ETH_DST_OFFSET,
  ETH_HEADER_LEN,
  ETH_SRC_OFFSET,
  ETH_TYPE_OFFSET,
  MAC_LEN,
} from "../../hw/headers.ts";
import { get16, put16 } from "./bytes.ts";

export {
  ETH_DST_OFFSET,
  ETH_HEADER_LEN,
  ETH_SRC_OFFSET,
  ETH_TYPE_OFFSET,
  ETHERTYPE_IPV4,
  ETHERTYPE_VLAN,
  MAC_LEN,
  VLAN_TAG_LEN,
} from "../../hw/headers.ts";
export { ETH_MIN_FRAME } from "../../hw/link.ts";

/** EtherType of ARP (IANA EtherType registry). */
export const ETHERTYPE_ARP = 0x0806;
/** EtherType values below this are 802.3 length fields, not EtherTypes (IEEE 802.3 3.2.6). */
export const ETHERTYPE_MIN = 0x0600;

/** MAC address as 6 bytes. */
export type MacAddr = Uint8Array;

/** A parsed Ethernet II header. */
export interface EthernetRepr {
  /** Destination MAC. */
  dst: MacAddr;
  /** Source MAC. */
  src: MacAddr;
  /** EtherType (e.g. {@link ETHERTYPE_IPV4}, {@link ETHERTYPE_ARP}). */
  ethertype: number;
}

/** Why an Ethernet header was rejected. */
export type EthernetError = "truncated";

/** The broadcast address ff:ff:ff:ff:ff:ff. */
export const BROADCAST_MAC: MacAddr = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

/** A repr with its own zeroed MAC arrays, to be filled by {@link parseEthernet}. */
export function makeEthernetRepr(): EthernetRepr {
  return { dst: new Uint8Array(MAC_LEN), src: new Uint8Array(MAC_LEN), ethertype: 0 };
}

/**
 * Parses the header at `off` of a frame of `len` bytes: copies the MACs into
 * `repr.dst` / `repr.src` (which must be 6-byte arrays) and returns 14.
 */
export function parseEthernet(
  b: Uint8Array,
  off: number,
  len: number,
  repr: EthernetRepr,
): number | EthernetError {
  if (len < ETH_HEADER_LEN || off < 0 || off + len > b.length) return "truncated";
  const dst = repr.dst, src = repr.src;
  for (let i = 0; i < MAC_LEN; i++) {
    dst[i] = b[off + ETH_DST_OFFSET + i];
    src[i] = b[off + ETH_SRC_OFFSET + i];
  }
  repr.ethertype = get16(b, off + ETH_TYPE_OFFSET);
  return ETH_HEADER_LEN;
}

/** Writes the header for `repr` at `off` in `out`; returns 14. */
export function emitEthernet(repr: EthernetRepr, out: Uint8Array, off: number): number {
  out.set(repr.dst, off + ETH_DST_OFFSET);
  out.set(repr.src, off + ETH_SRC_OFFSET);
  put16(out, off + ETH_TYPE_OFFSET, repr.ethertype);
  return ETH_HEADER_LEN;
}

/** True when the 6 bytes at `off` in `b` equal `mac`. */
export function macEqualsAt(b: Uint8Array, off: number, mac: MacAddr): boolean {
  // Unrolled (per-frame path); out-of-range bytes read as undefined and differ.
  return b[off] === mac[0] && b[off + 1] === mac[1] && b[off + 2] === mac[2] &&
    b[off + 3] === mac[3] && b[off + 4] === mac[4] && b[off + 5] === mac[5];
}

/**
 * Writes `mac` at `off` in `out`. Six unrolled byte stores: for 6 bytes much
 * cheaper than `Uint8Array.prototype.set` (a builtin call per frame) or a loop.
 */
export function putMac(out: Uint8Array, off: number, mac: MacAddr): void {
  out[off] = mac[0];
  out[off + 1] = mac[1];
  out[off + 2] = mac[2];
  out[off + 3] = mac[3];
  out[off + 4] = mac[4];
  out[off + 5] = mac[5];
}

/** True when two MAC addresses are equal. */
export function macEquals(a: MacAddr, b: MacAddr): boolean {
  return a.length === MAC_LEN && macEqualsAt(a, 0, b);
}

/** Broadcast ff:ff:ff:ff:ff:ff. */
export function isBroadcastMac(m: MacAddr): boolean {
  return macEquals(m, BROADCAST_MAC);
}

/** Group (multicast or broadcast) address: the I/G bit of the first byte. */
export function isMulticastMac(m: MacAddr): boolean {
  return (m[0] & 1) === 1;
}

/** Formats as aa:bb:cc:dd:ee:ff. */
export function macToString(m: MacAddr): string {
  return Array.from(m, (x) => x.toString(16).padStart(2, "0")).join(":");
}

/** Parses aa:bb:cc:dd:ee:ff (or with '-'); returns null when malformed. */
export function parseMac(s: string): MacAddr | null {
  const m =
    /^([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})$/i
      .exec(s);
  if (!m) return null;
  return new Uint8Array(m.slice(1).map((x) => parseInt(x, 16)));
}

/**
 * A locally administered unicast MAC derived from a number (02:00:n3:n2:n1:n0),
 * for simulated hosts.
 */
export function localMac(n: number): MacAddr {
  return new Uint8Array([0x02, 0x00, (n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
}
