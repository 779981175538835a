/**
 * One end of spsc_ring_test.ts's two-Worker stress test. The producer pushes
 * `count` records of varying length whose words continue a running sequence
 * and rings the doorbell after each; it naps briefly while the ring is full.
 * The consumer sleeps on the doorbell while the ring is empty, checks every
 * record's length and words, and reports how many were wrong.
 */
import { Doorbell, SpscRing } from "./spsc_ring.ts";
import { inWorker, workerScope } from "./worker_scope.ts";

export interface StressStart {
  readonly role: "produce" | "consume";
  readonly ring: SharedArrayBuffer;
  readonly bell: SharedArrayBuffer;
  readonly count: number;
  readonly maxLen: number;
}

export interface StressDone {
  /** Words pushed or popped. */
  readonly words: number;
  /** Records or words that were not what the producer wrote (consumer only). */
  readonly bad: number;
}

/** Longest nap of a blocked end, ms (bounded, so a lost wake-up costs little). */
const NAP_MS = 1;

/** Words of record `i` (deterministic, so the consumer can check them). */
export function recordLen(i: number, maxLen: number): number {
  return (Math.imul(i, 2654435761) >>> 0) % (maxLen + 1);
}

function produce(ring: SpscRing, bell: Doorbell, count: number, maxLen: number): StressDone {
  const rec = new Uint32Array(maxLen);
  const nap = new Int32Array(new SharedArrayBuffer(4));
  let seq = 0;
  for (let i = 0; i < count; i++) {
    const n = recordLen(i, maxLen);
    for (let k = 0; k < n; k++) rec[k] = (seq + k) >>> 0;
    while (!ring.tryPush(rec, n)) Atomics.wait(nap, 0, 0, NAP_MS);
    seq += n;
    bell.ring();
  }
  return { words: seq, bad: 0 };
}

function consume(ring: SpscRing, bell: Doorbell, count: number, maxLen: number): StressDone {
  const out = new Uint32Array(maxLen);
  let seq = 0, bad = 0;
  for (let got = 0; got < count;) {
    const seen = bell.read();
    const n = ring.tryPop(out);
    if (n < 0) {
      bell.wait(seen, NAP_MS);
      continue;
    }
    if (n !== recordLen(got, maxLen)) bad++;
    for (let k = 0; k < n; k++) if (out[k] !== ((seq + k) >>> 0)) bad++;
    seq += n;
    got++;
  }
  return { words: seq, bad };
}

if (inWorker()) {
  const scope = workerScope();
  scope.onmessage = (e: MessageEvent<StressStart>) => {
    const { role, count, maxLen } = e.data;
    const ring = new SpscRing(e.data.ring);
    const bell = new Doorbell(e.data.bell);
    const done = role === "produce"
      ? produce(ring, bell, count, maxLen)
      : consume(ring, bell, count, maxLen);
    scope.postMessage(done);
  };
}
