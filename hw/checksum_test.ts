import assert from "node:assert/strict";
import { Rng } from "../core/rng.ts";
import {
  checksumAdd,
  checksumAdjust,
  checksumAdjust32,
  checksumFinish,
  fold,
  internetChecksum,
  pseudoHeaderSum,
  swap16,
} from "./checksum.ts";

/** Straightforward reference: big-endian 16-bit words, fold at the end. */
function reference(b: Uint8Array, off: number, len: number): number {
  let sum = 0;
  for (let i = 0; i < len; i += 2) {
    sum += (b[off + i] << 8) | (i + 1 < len ? b[off + i + 1] : 0);
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 65536);
  return ~sum & 0xffff;
}

Deno.test("RFC 1071 section 3 example: sum ddf2, checksum 220d", () => {
  const b = new Uint8Array([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]);
  assert.equal(fold(checksumAdd(0, b, 0, b.length)), 0xddf2);
  assert.equal(internetChecksum(b, 0, b.length), 0x220d);
});

Deno.test("a real IPv4 header checksums to b861 and verifies to zero", () => {
  // 192.168.0.1 -> 192.168.0.199, UDP, total length 0x73, DF, TTL 64.
  // deno-fmt-ignore
  const h = new Uint8Array([
    0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00,
    0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
  ]);
  assert.equal(internetChecksum(h, 0, 20), 0xb861);
  h[10] = 0xb8;
  h[11] = 0x61;
  assert.equal(internetChecksum(h, 0, 20), 0);
});

Deno.test("matches the reference for every length and alignment", () => {
  const rng = new Rng(1, "checksum-test");
  const buf = rng.fill(new Uint8Array(600));
  for (let off = 0; off < 8; off++) {
    for (let len = 0; len < 300; len++) {
      assert.equal(
        internetChecksum(buf, off, len),
        reference(buf, off, len),
        `off ${off} len ${len}`,
      );
    }
  }
  // A view that itself starts at an odd byte offset of its buffer.
  const sub = buf.subarray(3, 503);
  for (const len of [64, 65, 127, 499, 500]) {
    assert.equal(internetChecksum(sub, 1, len - 1), reference(sub, 1, len - 1));
  }
});

Deno.test("large buffers (64 KiB and > 2^14 words) match the reference", () => {
  const rng = new Rng(2, "checksum-large");
  const big = rng.fill(new Uint8Array(200_003));
  assert.equal(internetChecksum(big, 0, 65536), reference(big, 0, 65536));
  assert.equal(internetChecksum(big, 1, 200_001), reference(big, 1, 200_001));
  const ones = new Uint8Array(150_000).fill(0xff);
  assert.equal(internetChecksum(ones, 0, ones.length), reference(ones, 0, ones.length));
});

Deno.test("pieces with odd lengths summed with running positions equal the whole", () => {
  const rng = new Rng(3, "checksum-pieces");
  const whole = rng.fill(new Uint8Array(1000));
  for (let trial = 0; trial < 50; trial++) {
    let sum = 0;
    let pos = 0;
    while (pos < whole.length) {
      const len = Math.min(whole.length - pos, 1 + rng.int(150));
      // Copy each piece to a separate buffer at a random alignment.
      const at = rng.int(4);
      const piece = new Uint8Array(at + len);
      piece.set(whole.subarray(pos, pos + len), at);
      sum = checksumAdd(sum, piece, at, len, pos);
      pos += len;
    }
    assert.equal(checksumFinish(sum), reference(whole, 0, whole.length));
  }
});

Deno.test("pseudo-header sum equals summing the 12-byte pseudo-header", () => {
  const src = 0xc0a80001, dst = 0x0a0000fe;
  const ph = new Uint8Array([0xc0, 0xa8, 0x00, 0x01, 0x0a, 0x00, 0x00, 0xfe, 0, 6, 0x05, 0xdc]);
  assert.equal(fold(pseudoHeaderSum(src, dst, 6, 1500)), fold(checksumAdd(0, ph, 0, 12)));
});

Deno.test("RFC 1624 incremental update equals recomputation", () => {
  const rng = new Rng(4, "checksum-incr");
  const b = rng.fill(new Uint8Array(40));
  for (let trial = 0; trial < 2000; trial++) {
    b[10] = 0;
    b[11] = 0;
    const c0 = internetChecksum(b, 0, 40);
    b[10] = c0 >>> 8;
    b[11] = c0 & 0xff;
    // Change a 16-bit word (not the checksum itself).
    const at = 2 * rng.int(20);
    if (at === 10) continue;
    const oldWord = (b[at] << 8) | b[at + 1];
    const newWord = rng.int(65536);
    b[at] = newWord >>> 8;
    b[at + 1] = newWord & 0xff;
    const adj = checksumAdjust(c0, oldWord, newWord);
    b[10] = 0;
    b[11] = 0;
    assert.equal(adj, internetChecksum(b, 0, 40));
    b[10] = adj >>> 8;
    b[11] = adj & 0xff;
    assert.equal(internetChecksum(b, 0, 40), 0);
  }
});

Deno.test("RFC 1624 32-bit update (address rewrite) equals recomputation", () => {
  const rng = new Rng(5, "checksum-incr32");
  const b = rng.fill(new Uint8Array(20));
  for (let trial = 0; trial < 500; trial++) {
    b[10] = 0;
    b[11] = 0;
    const c0 = internetChecksum(b, 0, 20);
    const oldV = ((b[12] << 24) | (b[13] << 16) | (b[14] << 8) | b[15]) >>> 0;
    const newV = rng.nextU32();
    b[12] = newV >>> 24;
    b[13] = (newV >>> 16) & 255;
    b[14] = (newV >>> 8) & 255;
    b[15] = newV & 255;
    assert.equal(checksumAdjust32(c0, oldV, newV), internetChecksum(b, 0, 20));
  }
});

Deno.test("fold and swap16 basics", () => {
  assert.equal(fold(0), 0);
  assert.equal(fold(0x1ffff), 1);
  assert.equal(fold(0xffff), 0xffff);
  assert.equal(fold(2 ** 48 + 3), 4); // 2^48 = 1 (mod 0xffff)
  assert.equal(fold(2 ** 40 + 3), 259); // 2^40 = 2^8 (mod 0xffff)
  assert.equal(swap16(0x1234), 0x3412);
});
