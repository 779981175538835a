import assert from "node:assert/strict";
import {
  BROADCAST_MAC,
  emitEthernet,
  ETH_HEADER_LEN,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  isBroadcastMac,
  isMulticastMac,
  localMac,
  macEquals,
  macToString,
  makeEthernetRepr,
  parseEthernet,
  parseMac,
} from "./ethernet.ts";

/** Broadcast ARP frame header, by hand: dst ff*6, src 00:1b:21:0a:0b:0c, type 0x0806. */
// deno-fmt-ignore
const HDR = new Uint8Array([
  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // destination
  0x00, 0x1b, 0x21, 0x0a, 0x0b, 0x0c, // source
  0x08, 0x06, // EtherType ARP
]);

Deno.test("ethernet: parses a hand-built header", () => {
  const r = makeEthernetRepr();
  assert.equal(parseEthernet(HDR, 0, HDR.length, r), ETH_HEADER_LEN);
  assert.ok(isBroadcastMac(r.dst));
  assert.equal(macToString(r.src), "00:1b:21:0a:0b:0c");
  assert.equal(r.ethertype, ETHERTYPE_ARP);
});

Deno.test("ethernet: emit then parse round-trips at an offset", () => {
  const repr = { dst: localMac(7), src: localMac(0x01020304), ethertype: ETHERTYPE_IPV4 };
  const out = new Uint8Array(20);
  assert.equal(emitEthernet(repr, out, 3), 14);
  const back = makeEthernetRepr();
  assert.equal(parseEthernet(out, 3, 17, back), 14);
  assert.deepEqual(back, repr);
  assert.equal(macToString(repr.src), "02:00:01:02:03:04");
});

Deno.test("ethernet: short or out-of-range input is truncated, not an exception", () => {
  const r = makeEthernetRepr();
  assert.equal(parseEthernet(HDR, 0, 13, r), "truncated");
  assert.equal(parseEthernet(HDR, 1, 14, r), "truncated");
  assert.equal(parseEthernet(new Uint8Array(0), 0, 0, r), "truncated");
});

Deno.test("ethernet: MAC helpers", () => {
  assert.deepEqual(parseMac("02:00:00:00:00:0A"), localMac(10));
  assert.deepEqual(parseMac("02-00-00-00-00-0a"), localMac(10));
  assert.equal(parseMac("02:00:00:00:00"), null);
  assert.equal(parseMac("zz:00:00:00:00:00"), null);
  assert.ok(macEquals(BROADCAST_MAC, parseMac("ff:ff:ff:ff:ff:ff")!));
  assert.ok(isMulticastMac(parseMac("01:00:5e:00:00:01")!));
  assert.ok(!isMulticastMac(localMac(1)));
});
