import assert from "node:assert/strict";
import {
  emitIcmpEcho,
  ICMP_ECHO_HEADER_LEN,
  ICMP_ECHO_REPLY,
  ICMP_ECHO_REQUEST,
  makeIcmpEchoRepr,
  parseIcmpEcho,
} from "./icmp.ts";

const DATA = new TextEncoder().encode("abcdefghijklmnopqrstuvwabcdefghi");
/** The classic Windows ping: type 8, id 1, seq 1, 32 bytes "abc...", checksum 0x4d5a. */
const ECHO = new Uint8Array([0x08, 0x00, 0x4d, 0x5a, 0x00, 0x01, 0x00, 0x01, ...DATA]);

Deno.test("icmp: parses a known echo request and its data view", () => {
  const r = makeIcmpEchoRepr();
  assert.equal(parseIcmpEcho(ECHO, 0, ECHO.length, r), ICMP_ECHO_HEADER_LEN);
  assert.equal(r.type, ICMP_ECHO_REQUEST);
  assert.equal(r.ident, 1);
  assert.equal(r.seq, 1);
  assert.deepEqual(r.data, DATA);
  assert.equal(r.data.buffer, ECHO.buffer, "data is a view, not a copy");
});

Deno.test("icmp: emit reproduces the known bytes; replies round-trip with odd data", () => {
  const out = new Uint8Array(ECHO.length);
  const len = emitIcmpEcho({ type: ICMP_ECHO_REQUEST, ident: 1, seq: 1, data: DATA }, out, 0);
  assert.equal(len, ECHO.length);
  assert.deepEqual(out, ECHO);
  const reply = {
    type: ICMP_ECHO_REPLY,
    ident: 0xbeef,
    seq: 65535,
    data: new Uint8Array([1, 2, 3]),
  };
  const b = new Uint8Array(2 + 11 + 5);
  assert.equal(emitIcmpEcho(reply, b, 2), 11);
  const back = makeIcmpEchoRepr();
  assert.equal(parseIcmpEcho(b, 2, 11, back), 8);
  assert.deepEqual({ ...back, data: Array.from(back.data) }, { ...reply, data: [1, 2, 3] });
});

Deno.test("icmp: rejects short, corrupt, non-echo and bad-code messages", () => {
  const r = makeIcmpEchoRepr();
  assert.equal(parseIcmpEcho(ECHO, 0, 7, r), "truncated");
  assert.equal(parseIcmpEcho(ECHO, 1, ECHO.length, r), "truncated");
  const bad = ECHO.slice();
  bad[20] ^= 1;
  assert.equal(parseIcmpEcho(bad, 0, bad.length, r), "bad-checksum");
  assert.equal(parseIcmpEcho(bad, 0, bad.length, r, false), 8);
  const unreach = new Uint8Array(8);
  emitIcmpEcho({ type: 3, ident: 0, seq: 0, data: new Uint8Array(0) }, unreach, 0);
  assert.equal(parseIcmpEcho(unreach, 0, 8, r), "unsupported-type");
  const code = new Uint8Array(8);
  code[0] = 8;
  code[1] = 1;
  code[2] = 0xf7; // checksum of 08 01 00 00 ...: ~0x0801 = 0xf7fe
  code[3] = 0xfe;
  assert.equal(parseIcmpEcho(code, 0, 8, r), "bad-code");
});
