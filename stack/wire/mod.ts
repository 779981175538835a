/**
 * The wire formats the stack speaks: Ethernet II, ARP, IPv4, ICMP echo and
 * TCP, each a view over packet bytes plus a plain "repr" record (as smoltcp
 * does). Every protocol file keeps the same contract:
 *
 * - `parseXxx(bytes, off, len, repr)` never throws. It validates the `len`
 *   bytes at `off`, fills the caller's `repr` in place (no allocation) and
 *   returns the header length, or a string naming why the packet was
 *   rejected (`"truncated"`, `"bad-checksum"`, ...), which the caller counts
 *   and drops the packet by.
 * - `emitXxx(repr, out, off)` writes exactly the header's length and returns
 *   it: {@link tcpHeaderLen}`(repr)` for TCP (options included),
 *   {@link icmpEchoLen}`(repr)` for an ICMP echo (the whole message),
 *   {@link IPV4_HEADER_LEN}, {@link ETH_HEADER_LEN} and {@link ARP_LEN} for
 *   the fixed-size headers. The caller sizes and owns `out`.
 *
 * Header field offsets are named once, in the protocol's file; the fields the
 * mPIPE classifier also reads come from hw/headers.ts (re-exported here), and
 * checksums from hw/checksum.ts. This folder imports nothing else from stack/.
 *
 * @example Round trip: emit a SYN, parse it back
 * ```ts
 * import assert from "node:assert/strict";
 * import { emitTcp, makeTcpRepr, parseTcp, TCP_SYN, tcpHeaderLen } from "./mod.ts";
 *
 * const syn = { ...makeTcpRepr(), srcPort: 50000, dstPort: 80, seq: 1, flags: TCP_SYN, mss: 1460 };
 * const out = new Uint8Array(tcpHeaderLen(syn));
 * assert.equal(emitTcp(syn, out, 0), out.length);
 *
 * const back = makeTcpRepr();
 * assert.equal(parseTcp(out, 0, out.length, back), out.length);
 * assert.deepEqual(back, syn);
 * assert.equal(parseTcp(out, 0, 10, back), "truncated");
 * ```
 *
 * @module
 */
export * from "./bytes.ts";
export * from "./ethernet.ts";
export * from "./arp.ts";
export * from "./ipv4.ts";
export * from "./icmp.ts";
export * from "./tcp.ts";
