import assert from "node:assert/strict";
import { Rng } from "../../core/rng.ts";
import { checksumFinish } from "../../hw/checksum.ts";
import {
  emitTcp,
  makeTcpRepr,
  parseTcp,
  TCP_ACK,
  TCP_CHECKSUM_OFFSET,
  TCP_HEADER_MIN,
  TCP_PSH,
  TCP_SYN,
  tcpChecksumOk,
  tcpChecksumSum,
  tcpHeaderLen,
  type TcpRepr,
} from "./tcp.ts";
import { put16 } from "./bytes.ts";

/** A Linux-style SYN, laid out by hand from RFC 9293 figure 1 and RFCs 7323/2018. */
// deno-fmt-ignore
const SYN_BYTES = new Uint8Array([
  0xc3, 0x50, // source port 50000
  0x00, 0x50, // destination port 80
  0x01, 0x02, 0x03, 0x04, // sequence number
  0x00, 0x00, 0x00, 0x00, // acknowledgment number
  0xa0, // data offset 10 words (40 bytes)
  0x02, // SYN
  0xfa, 0xf0, // window 64240
  0x00, 0x00, // checksum (zero here)
  0x00, 0x00, // urgent pointer
  0x02, 0x04, 0x05, 0xb4, // MSS 1460
  0x04, 0x02, // SACK permitted
  0x08, 0x0a, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, // TS val 1 ecr 0
  0x01, // NOP
  0x03, 0x03, 0x07, // window scale 7
]);

function synRepr(): TcpRepr {
  return {
    ...makeTcpRepr(),
    srcPort: 50000,
    dstPort: 80,
    seq: 0x01020304,
    flags: TCP_SYN,
    window: 64240,
    mss: 1460,
    sackPermitted: true,
    tsVal: 1,
    tsEcr: 0,
    windowScale: 7,
  };
}

Deno.test("tcp: parses a hand-built SYN with options", () => {
  const r = makeTcpRepr();
  assert.equal(parseTcp(SYN_BYTES, 0, SYN_BYTES.length, r), 40);
  assert.deepEqual(r, { ...synRepr(), payloadLen: 0 });
});

Deno.test("tcp: emits the same SYN bytes (Linux option layout)", () => {
  const repr = synRepr();
  assert.equal(tcpHeaderLen(repr), 40);
  const out = new Uint8Array(44).fill(0xee);
  assert.equal(emitTcp(repr, out, 2), 40);
  assert.deepEqual(out.subarray(2, 42), SYN_BYTES);
  assert.equal(out[0], 0xee);
  assert.equal(out[42], 0xee);
});

Deno.test("tcp: round trip of data segments with timestamps and SACK blocks", () => {
  const rng = new Rng(7, "tcp-roundtrip");
  for (let trial = 0; trial < 500; trial++) {
    const repr: TcpRepr = {
      ...makeTcpRepr(),
      srcPort: rng.int(65536),
      dstPort: rng.int(65536),
      seq: rng.nextU32(),
      ack: rng.nextU32(),
      flags: rng.int(256),
      window: rng.int(65536),
      urgent: rng.int(65536),
      mss: rng.chance(0.3) ? rng.int(65536) : null,
      windowScale: rng.chance(0.3) ? rng.int(15) : null,
      sackPermitted: rng.chance(0.3),
      tsVal: rng.chance(0.5) ? rng.nextU32() : null,
      payloadLen: rng.int(100),
    };
    if (repr.tsVal != null) repr.tsEcr = rng.nextU32();
    const n = rng.int(4);
    if (n > 0 && repr.mss == null) {
      const blocks: [number, number][] = [];
      for (let k = 0; k < n; k++) blocks.push([rng.nextU32(), rng.nextU32()]);
      repr.sack = blocks;
    }
    const hl = tcpHeaderLen(repr);
    assert.equal(hl % 4, 0);
    assert.ok(hl <= 60);
    const buf = new Uint8Array(hl + repr.payloadLen);
    assert.equal(emitTcp(repr, buf, 0), hl);
    const back = makeTcpRepr();
    assert.equal(parseTcp(buf, 0, buf.length, back), hl);
    const base = (repr.mss != null ? 4 : 0) +
      (repr.tsVal != null ? 12 : repr.sackPermitted ? 4 : 0) +
      (repr.windowScale != null ? 4 : 0);
    const fit = Math.floor((40 - base - 4) / 8);
    const expectSack = repr.sack?.slice(0, fit);
    assert.deepEqual(back, {
      ...repr,
      tsEcr: repr.tsVal != null ? repr.tsEcr : null,
      sack: repr.sack ? back.sack : null,
    });
    if (repr.sack) assert.deepEqual(back.sack, expectSack);
  }
});

Deno.test("tcp: SACK blocks beyond the 40 option bytes are left out", () => {
  const repr: TcpRepr = {
    ...makeTcpRepr(),
    flags: TCP_ACK,
    tsVal: 5,
    tsEcr: 6,
    sack: [[1, 2], [3, 4], [5, 6], [7, 8]],
  };
  // 20 + 12 (TS) + 4 + 3 * 8 = 60: only three blocks fit with timestamps.
  assert.equal(tcpHeaderLen(repr), 60);
  const buf = new Uint8Array(60);
  emitTcp(repr, buf, 0);
  const back = makeTcpRepr();
  assert.equal(parseTcp(buf, 0, 60, back), 60);
  assert.deepEqual(back.sack, [[1, 2], [3, 4], [5, 6]]);
  const noTs: TcpRepr = { ...repr, tsVal: null, tsEcr: null };
  assert.equal(tcpHeaderLen(noTs), 20 + 4 + 32);
});

Deno.test("tcp: unknown options are skipped, EOL stops parsing", () => {
  const b = new Uint8Array(32);
  b[12] = 8 << 4; // 32-byte header
  b[20] = 0xfd; // experimental kind 253
  b[21] = 4;
  b[22] = 0xaa;
  b[23] = 0xbb;
  b[24] = 2; // MSS 536
  b[25] = 4;
  put16(b, 26, 536);
  b[28] = 0; // EOL; garbage after it is ignored
  b[29] = 2;
  b[30] = 99;
  const r = makeTcpRepr();
  assert.equal(parseTcp(b, 0, 32, r), 32);
  assert.equal(r.mss, 536);
});

Deno.test("tcp: malformed headers and options are errors, never exceptions", () => {
  const r = makeTcpRepr();
  assert.equal(parseTcp(new Uint8Array(19), 0, 19, r), "truncated");
  assert.equal(parseTcp(new Uint8Array(20), 4, 20, r), "truncated");
  const b = new Uint8Array(24);
  b[12] = 4 << 4; // data offset 16 bytes < 20
  assert.equal(parseTcp(b, 0, 24, r), "bad-header-len");
  b[12] = 7 << 4; // 28 bytes > 24
  assert.equal(parseTcp(b, 0, 24, r), "bad-header-len");
  b[12] = 6 << 4; // 24-byte header with one option word
  const cases: number[][] = [
    [2, 5, 5, 1], // MSS length runs past the header
    [2, 3, 5, 1], // MSS with length 3
    [3, 4, 1, 1], // window scale with length 4
    [4, 3, 0, 1], // SACK-permitted with length 3
    [5, 2, 1, 1], // SACK without blocks
    [8, 4, 0, 0], // timestamps with length 4
    [99, 1, 0, 0], // length < 2
    [1, 1, 1, 77], // kind with no length byte
    [99, 0, 0, 0], // length 0 would loop forever
  ];
  for (const c of cases) {
    b.set([0, 0, 0, 0], 20);
    b.set(c, 20);
    assert.equal(parseTcp(b, 0, 24, r), "bad-option", `option ${c}`);
  }
  const sack = new Uint8Array(36);
  sack[12] = 9 << 4;
  sack.set([5, 14], 20); // 12 bytes of blocks: not a multiple of 8
  assert.equal(parseTcp(sack, 0, 36, r), "bad-option");
});

Deno.test("tcp: checksum via pseudo-header verifies and detects corruption", () => {
  const src = 0x0a000001, dst = 0x0a000002;
  const repr: TcpRepr = { ...makeTcpRepr(), srcPort: 1234, dstPort: 80, flags: TCP_ACK | TCP_PSH };
  const payload = new TextEncoder().encode("hello, world!"); // odd length
  const hl = tcpHeaderLen(repr);
  assert.equal(hl, TCP_HEADER_MIN);
  const seg = new Uint8Array(hl + payload.length);
  emitTcp(repr, seg, 0);
  seg.set(payload, hl);
  const sum = tcpChecksumSum(seg, 0, seg.length, src, dst, seg.length);
  put16(seg, TCP_CHECKSUM_OFFSET, checksumFinish(sum));
  assert.ok(tcpChecksumOk(seg, 0, seg.length, src, dst));
  assert.ok(!tcpChecksumOk(seg, 0, seg.length, src, dst + 1));
  seg[hl + 3] ^= 0x10;
  assert.ok(!tcpChecksumOk(seg, 0, seg.length, src, dst));
  assert.ok(!tcpChecksumOk(seg, 0, seg.length + 1, src, dst));
});
