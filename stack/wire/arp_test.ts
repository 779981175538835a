import assert from "node:assert/strict";
import { parseIp } from "./ipv4.ts";
import {
  ARP_LEN,
  ARP_OP_REPLY,
  ARP_OP_REQUEST,
  emitArp,
  isGratuitousArp,
  makeArpRepr,
  parseArp,
} from "./arp.ts";
import { macToString, parseMac } from "./ethernet.ts";

/** "Who has 192.168.1.1? Tell 192.168.1.100", laid out by hand from RFC 826. */
const REQUEST = new Uint8Array([
  0x00,
  0x01, // hardware type Ethernet
  0x08,
  0x00, // protocol type IPv4
  0x06,
  0x04, // hlen, plen
  0x00,
  0x01, // op request
  0x00,
  0x1b,
  0x21,
  0x0a,
  0x0b,
  0x0c, // sender MAC
  0xc0,
  0xa8,
  0x01,
  0x64, // sender IP 192.168.1.100
  0x00,
  0x00,
  0x00,
  0x00,
  0x00,
  0x00, // target MAC unknown
  0xc0,
  0xa8,
  0x01,
  0x01, // target IP 192.168.1.1
]);

Deno.test("arp: parses a hand-built request", () => {
  const r = makeArpRepr();
  assert.equal(parseArp(REQUEST, 0, REQUEST.length, r), ARP_LEN);
  assert.equal(r.op, ARP_OP_REQUEST);
  assert.equal(macToString(r.senderMac), "00:1b:21:0a:0b:0c");
  assert.equal(r.senderIp, parseIp("192.168.1.100"));
  assert.equal(r.targetIp, parseIp("192.168.1.1"));
  assert.ok(!isGratuitousArp(r));
});

Deno.test("arp: emit reproduces the bytes and round-trips a reply", () => {
  const r = makeArpRepr();
  parseArp(REQUEST, 0, REQUEST.length, r);
  const out = new Uint8Array(ARP_LEN);
  assert.equal(emitArp(r, out, 0), ARP_LEN);
  assert.deepEqual(out, REQUEST);
  const reply = {
    op: ARP_OP_REPLY,
    senderMac: parseMac("02:00:00:00:00:01")!,
    senderIp: parseIp("10.0.0.1")!,
    targetMac: parseMac("02:00:00:00:00:02")!,
    targetIp: parseIp("10.0.0.2")!,
  };
  const buf = new Uint8Array(60); // padded like a minimum-size frame
  emitArp(reply, buf, 14);
  const back = makeArpRepr();
  assert.equal(parseArp(buf, 14, 46, back), ARP_LEN);
  assert.deepEqual(back, reply);
});

Deno.test("arp: rejects short, non-Ethernet/IPv4 and unknown-op packets", () => {
  const r = makeArpRepr();
  assert.equal(parseArp(REQUEST, 0, 27, r), "truncated");
  assert.equal(parseArp(REQUEST, 2, 28, r), "truncated");
  for (const [i, v] of [[1, 6], [2, 0x86], [4, 8], [5, 16]]) {
    const b = REQUEST.slice();
    b[i] = v;
    assert.equal(parseArp(b, 0, 28, r), "unsupported", `byte ${i}`);
  }
  const b = REQUEST.slice();
  b[7] = 3; // RARP request
  assert.equal(parseArp(b, 0, 28, r), "bad-op");
});

Deno.test("arp: gratuitous ARP has sender IP == target IP", () => {
  const b = REQUEST.slice();
  b.set([0xc0, 0xa8, 0x01, 0x64], 24);
  const r = makeArpRepr();
  parseArp(b, 0, 28, r);
  assert.ok(isGratuitousArp(r));
});
