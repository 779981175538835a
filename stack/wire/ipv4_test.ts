import assert from "node:assert/strict";
import { Rng } from "../../core/rng.ts";
import { internetChecksum } from "../../hw/checksum.ts";
import {
  emitIpv4,
  IPPROTO_TCP,
  IPPROTO_UDP,
  IPV4_HEADER_LEN,
  type Ipv4Repr,
  isMulticastOrReservedIp,
  makeIpv4Repr,
  parseIp,
  parseIpv4,
  prefixMask,
} from "./ipv4.ts";

/** 192.168.0.1 -> 192.168.0.199, UDP, total length 115, DF, TTL 64, checksum b861 (by hand, RFC 791). */
// deno-fmt-ignore
const HDR = new Uint8Array([
  0x45, 0x00, 0x00, 0x73, // version 4, IHL 5, TOS 0, total length 115
  0x00, 0x00, 0x40, 0x00, // ident 0, DF, offset 0
  0x40, 0x11, 0xb8, 0x61, // TTL 64, UDP, checksum
  0xc0, 0xa8, 0x00, 0x01, // source
  0xc0, 0xa8, 0x00, 0xc7, // destination
]);
const REPR: Ipv4Repr = {
  src: parseIp("192.168.0.1")!,
  dst: parseIp("192.168.0.199")!,
  protocol: IPPROTO_UDP,
  payloadLen: 115 - 20,
  ttl: 64,
  ident: 0,
  dontFragment: true,
  tos: 0,
};

function packet(): Uint8Array {
  const b = new Uint8Array(115);
  b.set(HDR);
  return b;
}

/** Rewrites the checksum after a test edits the header. */
function fixChecksum(b: Uint8Array, hl = 20): void {
  b[10] = 0;
  b[11] = 0;
  const c = internetChecksum(b, 0, hl);
  b[10] = c >>> 8;
  b[11] = c & 255;
}

Deno.test("ipv4: parses a real header", () => {
  const r = makeIpv4Repr();
  assert.equal(parseIpv4(packet(), 0, 115, r), IPV4_HEADER_LEN);
  assert.deepEqual(r, REPR);
});

Deno.test("ipv4: emit reproduces the real header byte for byte", () => {
  const out = new Uint8Array(20);
  assert.equal(emitIpv4(REPR, out, 0), 20);
  assert.deepEqual(out, HDR);
});

Deno.test("ipv4: round trip of random headers at offsets, with padding after the packet", () => {
  const rng = new Rng(9, "ipv4-rt");
  for (let i = 0; i < 300; i++) {
    const repr: Ipv4Repr = {
      src: rng.nextU32(),
      dst: rng.nextU32(),
      protocol: rng.int(256),
      payloadLen: rng.int(100),
      ttl: rng.int(256),
      ident: rng.int(65536),
      dontFragment: rng.chance(0.5),
      tos: rng.int(256),
    };
    const off = rng.int(5);
    const pad = rng.int(10);
    const b = new Uint8Array(off + 20 + repr.payloadLen + pad);
    emitIpv4(repr, b, off);
    const back = makeIpv4Repr();
    assert.equal(parseIpv4(b, off, b.length - off, back), 20);
    assert.deepEqual(back, repr);
  }
});

Deno.test("ipv4: options are skipped", () => {
  const b = new Uint8Array(24 + 4);
  b.set(HDR.subarray(0, 20));
  b[0] = 0x46; // IHL 6
  b[2] = 0;
  b[3] = 28;
  b.set([0x94, 0x04, 0, 0], 20); // router alert option
  fixChecksum(b, 24);
  const r = makeIpv4Repr();
  assert.equal(parseIpv4(b, 0, 28, r), 24);
  assert.equal(r.payloadLen, 4);
});

Deno.test("ipv4: each malformation has its own reason", () => {
  const r = makeIpv4Repr();
  assert.equal(parseIpv4(packet(), 0, 19, r), "truncated");
  assert.equal(parseIpv4(packet(), 0, 114, r), "truncated"); // total length 115 > buffer
  assert.equal(parseIpv4(packet(), 1, 115, r), "truncated"); // range outside the array
  let b = packet();
  b[0] = 0x65;
  assert.equal(parseIpv4(b, 0, 115, r), "bad-version");
  b = packet();
  b[0] = 0x44;
  assert.equal(parseIpv4(b, 0, 115, r), "bad-header-len");
  b = packet();
  b[0] = 0x4f; // 60-byte header in a 30-byte buffer
  assert.equal(parseIpv4(b, 0, 30, r), "truncated");
  b = packet();
  b[2] = 0;
  b[3] = 19;
  fixChecksum(b);
  assert.equal(parseIpv4(b, 0, 115, r), "bad-total-len");
  b = packet();
  b[8] = 63; // TTL changed, checksum not
  assert.equal(parseIpv4(b, 0, 115, r), "bad-checksum");
  assert.equal(parseIpv4(b, 0, 115, r, false), 20, "offloaded: not checked");
  b = packet();
  b[6] = 0x20; // MF
  fixChecksum(b);
  assert.equal(parseIpv4(b, 0, 115, r), "fragment");
  b = packet();
  b[6] = 0x40;
  b[7] = 0x01; // offset 8 bytes (with DF, which is odd but still a fragment)
  fixChecksum(b);
  assert.equal(parseIpv4(b, 0, 115, r), "fragment");
});

Deno.test("ipv4: prefix masks and address classes", () => {
  assert.equal(prefixMask(0), 0);
  assert.equal(prefixMask(24), 0xffffff00);
  assert.equal(prefixMask(32), 0xffffffff);
  assert.ok(isMulticastOrReservedIp(parseIp("224.0.0.1")!));
  assert.ok(isMulticastOrReservedIp(parseIp("255.255.255.255")!));
  assert.ok(!isMulticastOrReservedIp(parseIp("10.0.0.1")!));
  assert.equal(IPPROTO_TCP, 6);
});
