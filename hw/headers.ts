/**
 * The header fields the mPIPE classifier reads (hw/flowhash.ts: Ethernet,
 * one 802.1Q tag, IPv4, the TCP/UDP port pair) and the UDP checksum field its
 * egress offload special-cases (hw/mpipe.ts). The stack's wire formats
 * (stack/wire/) use these names too; every other field is named in its
 * stack/wire protocol file. Offsets are from the start of their header.
 *
 * @module
 */

// Ethernet II (IEEE 802.3 clause 3, with an EtherType).

/** Bytes in a MAC address. */
export const MAC_LEN = 6;
/** Offset of the destination MAC. */
export const ETH_DST_OFFSET = 0;
/** Offset of the source MAC. */
export const ETH_SRC_OFFSET = 6;
/** Offset of the EtherType. */
export const ETH_TYPE_OFFSET = 12;
/** Destination + source MAC + EtherType (no VLAN tag). */
export const ETH_HEADER_LEN = 14;
/** EtherType of IPv4 (IANA EtherType registry). */
export const ETHERTYPE_IPV4 = 0x0800;
/** EtherType of an 802.1Q VLAN tag (IEEE 802.1Q; the classifier skips one tag). */
export const ETHERTYPE_VLAN = 0x8100;
/** 802.1Q tag: TPID and TCI; the encapsulated EtherType follows it. */
export const VLAN_TAG_LEN = 4;

// IPv4 (RFC 791 section 3.1).

/** IP version 4 (the high nibble of the first byte). */
export const IPV4_VERSION = 4;
/** Offset of the version / IHL byte. */
export const IPV4_VER_IHL_OFFSET = 0;
/** IHL: the low nibble of that byte. */
export const IPV4_IHL_MASK = 0x0f;
/** IHL and the TCP data offset count 32-bit words. */
export const HEADER_WORD_LEN = 4;
/** Header without options (IHL 5). */
export const IPV4_HEADER_LEN = 20;
/** Offset of the flags / fragment-offset word. */
export const IPV4_FLAGS_OFFSET = 6;
/** Don't-fragment bit of the flags / fragment-offset word. */
export const IPV4_FLAG_DF = 0x4000;
/** More-fragments bit of the flags / fragment-offset word. */
export const IPV4_FLAG_MF = 0x2000;
/** Fragment offset bits of the flags / fragment-offset word. */
export const IPV4_FRAG_OFFSET_MASK = 0x1fff;
/** Offset of the protocol byte. */
export const IPV4_PROTOCOL_OFFSET = 9;
/** Offset of the source address. */
export const IPV4_SRC_OFFSET = 12;
/** Offset of the destination address. */
export const IPV4_DST_OFFSET = 16;
/** IP protocol number of TCP (IANA). */
export const IPPROTO_TCP = 6;
/** IP protocol number of UDP (IANA). */
export const IPPROTO_UDP = 17;

// TCP (RFC 9293 section 3.1) and UDP (RFC 768) both start with the port pair.

/** Offset of the source port. */
export const L4_SRC_PORT_OFFSET = 0;
/** Offset of the destination port. */
export const L4_DST_PORT_OFFSET = 2;
/** Bytes of the port pair. */
export const L4_PORTS_LEN = 4;
/** Offset of the UDP checksum (RFC 768); a computed 0 is sent as 0xffff. */
export const UDP_CHECKSUM_OFFSET = 6;
