/**
 * The mPIPE classifier's view of a frame: parse Ethernet / IPv4 / TCP-or-UDP
 * headers straight from the bytes and compute a flow hash for the load
 * balancer.
 *
 * The hash is CRC-32 (IEEE 802.3 polynomial) over a canonical encoding of the
 * flow, and it is symmetric: both directions of a connection hash alike, since
 * the two (address, port) endpoints are put in a fixed order first. So every
 * frame of a flow lands on the same bucket, and a stack can compute the bucket
 * of a connection it opens from its own point of view (to pick a local port
 * whose replies come back to it).
 *
 * Classes:
 * - "tcp" / "udp": unfragmented IPv4 with a complete L4 port pair; hashed on
 *   (protocol, both addresses, both ports).
 * - "ipv4": other IPv4 (ICMP, fragments, other protocols); hashed on
 *   (protocol, both addresses) so all fragments of a datagram stay together.
 * - "non-ip": a non-IPv4 ethertype (e.g. ARP); hashed on the MAC pair.
 * - "malformed": IPv4 ethertype with a header that cannot be parsed (too
 *   short, wrong version, bad header length); hashed on the MAC pair, so the
 *   stack gets to count and drop it.
 * - "runt": shorter than an Ethernet header; cannot be classified at all.
 *
 * The header fields read are named in hw/headers.ts.
 */
import {
  ETH_DST_OFFSET,
  ETH_HEADER_LEN,
  ETH_SRC_OFFSET,
  ETH_TYPE_OFFSET,
  ETHERTYPE_IPV4,
  ETHERTYPE_VLAN,
  HEADER_WORD_LEN,
  IPPROTO_TCP,
  IPPROTO_UDP,
  IPV4_DST_OFFSET,
  IPV4_FLAG_MF,
  IPV4_FLAGS_OFFSET,
  IPV4_FRAG_OFFSET_MASK,
  IPV4_HEADER_LEN,
  IPV4_IHL_MASK,
  IPV4_PROTOCOL_OFFSET,
  IPV4_SRC_OFFSET,
  IPV4_VER_IHL_OFFSET,
  IPV4_VERSION,
  L4_DST_PORT_OFFSET,
  L4_PORTS_LEN,
  L4_SRC_PORT_OFFSET,
  MAC_LEN,
  VLAN_TAG_LEN,
} from "./headers.ts";

/** CRC-32 reflected polynomial (IEEE 802.3). */
const CRC32_POLY = 0xedb88320;
/** CRC-32 initial value and final XOR (all ones, as a signed 32-bit integer: see crcByte). */
const CRC32_INIT = 0xffffffff | 0;

const CRC_TABLE: Uint32Array = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? CRC32_POLY ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

// The CRC register is carried between steps as a signed 32-bit integer (the
// same 32 bits: every step only XORs and shifts), which stays a small integer;
// an unsigned value above 2^31 would be a heap number. Exported functions
// return the unsigned value.

function crcByte(crc: number, b: number): number {
  return CRC_TABLE[(crc ^ b) & 0xff] ^ (crc >>> 8);
}

/**
 * Slicing tables: CRC_SLICE[k][n] is the CRC register contribution of byte n
 * followed by k zero bytes, so 2 or 4 bytes fold in with independent table
 * loads instead of a chain of {@link crcByte} steps (the same CRC values).
 */
const CRC_SLICE: readonly Uint32Array[] = (() => {
  const t = [CRC_TABLE];
  for (let k = 1; k < 4; k++) {
    const prev = t[k - 1];
    const next = new Uint32Array(256);
    for (let n = 0; n < 256; n++) next[n] = ((prev[n] >>> 8) ^ CRC_TABLE[prev[n] & 0xff]) >>> 0;
    t.push(next);
  }
  return t;
})();
const [CRC_T0, CRC_T1, CRC_T2, CRC_T3] = CRC_SLICE;

/** crcByte of the high then the low byte of the 16-bit `v`. */
function crcU16(crc: number, v: number): number {
  const x = crc ^ ((v >>> 8) & 0xff) ^ ((v & 0xff) << 8);
  return (crc >>> 16) ^ CRC_T1[x & 0xff] ^ CRC_T0[(x >>> 8) & 0xff];
}

/** crcByte of the four bytes of the 32-bit `v`, most significant first. */
function crcU32(crc: number, v: number): number {
  const x = crc ^ (v >>> 24) ^ (((v >>> 16) & 0xff) << 8) ^ (((v >>> 8) & 0xff) << 16) ^
    ((v & 0xff) << 24);
  return CRC_T3[x & 0xff] ^ CRC_T2[(x >>> 8) & 0xff] ^ CRC_T1[(x >>> 16) & 0xff] ^
    CRC_T0[x >>> 24];
}

/** CRC-32 of bytes[start..end). */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = CRC32_INIT;
  for (let i = start; i < end; i++) c = crcByte(c, bytes[i]);
  return (c ^ CRC32_INIT) >>> 0;
}

/** Symmetric hash of a transport flow (addresses as unsigned 32-bit integers). */
export function flowHash(
  proto: number,
  ipA: number,
  portA: number,
  ipB: number,
  portB: number,
): number {
  ipA >>>= 0;
  ipB >>>= 0;
  const aFirst = ipA < ipB || (ipA === ipB && portA <= portB);
  let c = crcByte(CRC32_INIT, proto & 0xff);
  if (aFirst) {
    c = crcU16(crcU32(c, ipA), portA);
    c = crcU16(crcU32(c, ipB), portB);
  } else {
    c = crcU16(crcU32(c, ipB), portB);
    c = crcU16(crcU32(c, ipA), portA);
  }
  return (c ^ CRC32_INIT) >>> 0;
}

/** Symmetric hash of an IPv4 address pair. */
export function addrHash(proto: number, ipA: number, ipB: number): number {
  ipA >>>= 0;
  ipB >>>= 0;
  const lo = ipA < ipB ? ipA : ipB, hi = ipA < ipB ? ipB : ipA;
  const c = crcU32(crcU32(crcByte(CRC32_INIT, proto & 0xff), lo), hi);
  return (c ^ CRC32_INIT) >>> 0;
}

/** Symmetric hash of the destination and source MAC addresses of a frame. */
export function macHash(frame: Uint8Array): number {
  let dstFirst = true;
  for (let i = 0; i < MAC_LEN; i++) {
    if (frame[ETH_DST_OFFSET + i] !== frame[ETH_SRC_OFFSET + i]) {
      dstFirst = frame[ETH_DST_OFFSET + i] < frame[ETH_SRC_OFFSET + i];
      break;
    }
  }
  const a = dstFirst ? ETH_DST_OFFSET : ETH_SRC_OFFSET;
  const b = dstFirst ? ETH_SRC_OFFSET : ETH_DST_OFFSET;
  let c = CRC32_INIT;
  for (let i = 0; i < MAC_LEN; i++) c = crcByte(c, frame[a + i]);
  for (let i = 0; i < MAC_LEN; i++) c = crcByte(c, frame[b + i]);
  return (c ^ CRC32_INIT) >>> 0;
}

export type FrameClass = "tcp" | "udp" | "ipv4" | "non-ip" | "malformed" | "runt";

/** Result of {@link classifyFrame}; reused across calls to avoid allocation. */
export interface Classification {
  cls: FrameClass;
  /** Flow hash (meaningless for "runt"). */
  hash: number;
}

/** Big-endian 16-bit value at `o`. */
function be16(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1];
}

/** Big-endian 32-bit value at `o`, unsigned. */
function be32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

/** Classifies `frame` into `out` (see the module comment). */
export function classifyFrame(frame: Uint8Array, out: Classification): Classification {
  const n = frame.length;
  if (n < ETH_HEADER_LEN) {
    out.cls = "runt";
    out.hash = 0;
    return out;
  }
  let l3 = ETH_HEADER_LEN;
  let type = be16(frame, ETH_TYPE_OFFSET);
  if (type === ETHERTYPE_VLAN && n >= ETH_HEADER_LEN + VLAN_TAG_LEN) {
    type = be16(frame, ETH_TYPE_OFFSET + VLAN_TAG_LEN);
    l3 += VLAN_TAG_LEN;
  }
  if (type !== ETHERTYPE_IPV4) {
    out.cls = "non-ip";
    out.hash = macHash(frame);
    return out;
  }
  const vihl = n > l3 ? frame[l3 + IPV4_VER_IHL_OFFSET] : 0;
  const ihl = (vihl & IPV4_IHL_MASK) * HEADER_WORD_LEN;
  if (
    n < l3 + IPV4_HEADER_LEN || vihl >> 4 !== IPV4_VERSION || ihl < IPV4_HEADER_LEN ||
    n < l3 + ihl
  ) {
    out.cls = "malformed";
    out.hash = macHash(frame);
    return out;
  }
  const proto = frame[l3 + IPV4_PROTOCOL_OFFSET];
  const src = be32(frame, l3 + IPV4_SRC_OFFSET);
  const dst = be32(frame, l3 + IPV4_DST_OFFSET);
  const frag = be16(frame, l3 + IPV4_FLAGS_OFFSET);
  const l4 = l3 + ihl;
  if (
    (proto === IPPROTO_TCP || proto === IPPROTO_UDP) &&
    (frag & (IPV4_FLAG_MF | IPV4_FRAG_OFFSET_MASK)) === 0 && n >= l4 + L4_PORTS_LEN
  ) {
    out.cls = proto === IPPROTO_TCP ? "tcp" : "udp";
    out.hash = flowHash(
      proto,
      src,
      be16(frame, l4 + L4_SRC_PORT_OFFSET),
      dst,
      be16(frame, l4 + L4_DST_PORT_OFFSET),
    );
    return out;
  }
  out.cls = "ipv4";
  out.hash = addrHash(proto, src, dst);
  return out;
}
