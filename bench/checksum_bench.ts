/**
 * Internet checksum throughput (stack/checksum.ts). Reports time per call;
 * GB/s = bytes / time. Includes a plain 16-bit byte loop as the baseline the
 * 32-bit word loop is measured against, and an odd-offset (unaligned) case.
 */
import { Rng } from "../core/rng.ts";
import { checksumAdd, fold, internetChecksum } from "../hw/checksum.ts";

/** Ethernet MTU-sized payload (docs/PAPER.md: MTU 1500). */
const MTU_BYTES = 1500;
/** A large TSO-sized buffer: 64 KiB. */
const LARGE_BYTES = 64 * 1024;
/** Seed for the random buffer contents (any fixed value). */
const SEED = 42;

const rng = new Rng(SEED, "checksum-bench");
const small = rng.fill(new Uint8Array(MTU_BYTES + 8));
const large = rng.fill(new Uint8Array(LARGE_BYTES + 8));

/** Baseline: 16 bits per iteration, big-endian pairs. */
function byteLoop(b: Uint8Array, off: number, len: number): number {
  let sum = 0;
  const end = off + len - 1;
  let i = off;
  for (; i < end; i += 2) sum += (b[i] << 8) | b[i + 1];
  if (i === end) sum += b[i] << 8;
  return ~fold(sum) & 0xffff;
}

let sink = 0;

Deno.bench({
  name: "checksum 1500 B (word loop)",
  group: "1500",
  baseline: true,
  fn() {
    sink ^= internetChecksum(small, 0, MTU_BYTES);
  },
});
Deno.bench({
  name: "checksum 1500 B, odd offset",
  group: "1500",
  fn() {
    sink ^= internetChecksum(small, 1, MTU_BYTES);
  },
});
Deno.bench({
  name: "checksum 1500 B (16-bit byte loop)",
  group: "1500",
  fn() {
    sink ^= byteLoop(small, 0, MTU_BYTES);
  },
});
Deno.bench({
  name: "checksum 64 KiB (word loop)",
  group: "64k",
  baseline: true,
  fn() {
    sink ^= internetChecksum(large, 0, LARGE_BYTES);
  },
});
Deno.bench({
  name: "checksum 64 KiB (16-bit byte loop)",
  group: "64k",
  fn() {
    sink ^= byteLoop(large, 0, LARGE_BYTES);
  },
});
Deno.bench({
  name: "checksum 20 B header",
  group: "small",
  fn() {
    sink ^= checksumAdd(0, small, 0, 20);
  },
});

globalThis.addEventListener("unload", () => {
  if (sink === -1) console.log(sink);
});
