import assert from "node:assert/strict";
import { Scheduler } from "../core/scheduler.ts";
import { NS, type Time } from "../core/time.ts";
import { Board, customBoard, GX36 } from "./board.ts";
import { NOC_HEADER_WORDS, NocTransport } from "./noc.ts";
import { type Message, TransportMessage } from "./transport.ts";

/** 6x6 mesh at 1 GHz: one cycle is exactly 1 ns. */
function setup(cfg = {}) {
  const sched = new Scheduler();
  const board = customBoard(6, 6, 1_000_000_000);
  const noc = new NocTransport(sched, board, cfg);
  return { sched, board, noc };
}

/** Collects every message arriving at (tile, queue), popping at once. */
function sink(noc: NocTransport, tile: number, queue = 0): Message[] {
  const got: Message[] = [];
  noc.onArrival(tile, queue, () => {
    const m = noc.pop(tile, queue);
    if (m) got.push(m);
  });
  return got;
}

Deno.test("noc: a message built ahead goes like send(), is the record popped, and is sent once", () => {
  const { sched, board, noc } = setup();
  const src = board.tile(0, 0), dst = board.tile(3, 2);
  const got = sink(noc, dst);
  const m = new TransportMessage(src, dst, 0, "ahead", 2);
  sched.post(5 * NS, () => {
    assert.equal(noc.sendMessage(sched.now, m), "sent");
    assert.throws(() => noc.sendMessage(sched.now, m), /sent twice/);
  });
  sched.runUntilIdle();
  assert.equal(got.length, 1);
  assert.equal(got[0], m);
  assert.equal(m.payload, "ahead");
  assert.equal(m.sentAt, 5 * NS);
  assert.equal(m.injectedAt, 5 * NS);
  assert.equal(m.arrivedAt, 5 * NS + noc.latency(src, dst, 2));
  assert.equal(noc.sourceStats(src).sent, 1);
  // Invalid records are rejected as by send().
  assert.throws(
    () => noc.sendMessage(sched.now, new TransportMessage(src, dst, 9, "x", 1)),
    RangeError,
  );
});

Deno.test("noc: latency is hops * perHop + (words + header) cycles", () => {
  const { sched, board, noc } = setup();
  const src = board.tile(0, 0), dst = board.tile(3, 2);
  const got = sink(noc, dst);
  assert.equal(noc.send(0, src, dst, 0, "hello", 2), "sent");
  sched.runUntilIdle();
  assert.equal(got.length, 1);
  assert.equal(got[0].payload, "hello");
  assert.equal(got[0].words, 2);
  assert.equal(got[0].arrivedAt, (5 + 2 + NOC_HEADER_WORDS) * NS);
  assert.equal(noc.latency(src, dst, 2), 8 * NS);
  // Same tile: serialization only.
  assert.equal(noc.latency(7, 7, 1), 2 * NS);
  // Per-hop cycles are configurable.
  const slow = new NocTransport(new Scheduler(), board, { perHopCycles: 3 });
  assert.equal(slow.latency(src, dst, 2), (15 + 3) * NS);
});

Deno.test("noc: 1.2 GHz latencies are exact cycle sums", () => {
  const sched = new Scheduler();
  const board = new Board(GX36);
  const noc = new NocTransport(sched, board);
  const got = sink(noc, 35);
  noc.send(0, 0, 35, 0, 1, 5); // 10 hops + 6 flits = 16 cycles
  sched.runUntilIdle();
  assert.equal(got[0].arrivedAt, board.clock.cycles(16));
  assert.equal(got[0].arrivedAt, 13333);
});

Deno.test("noc: XY routing uses the expected links", () => {
  const { sched, board, noc } = setup();
  sink(noc, board.tile(2, 2));
  noc.send(0, board.tile(0, 0), board.tile(2, 2), 0, null, 1);
  sched.runUntilIdle();
  const mesh = noc.linkReport().links.filter((l) => l.kind === "mesh");
  assert.deepEqual(
    mesh.map((l) => [l.from, l.to, l.dir]),
    [[0, 1, "E"], [1, 2, "E"], [2, 8, "S"], [8, 14, "S"]],
  );
  assert.equal(noc.meshLink(1, 2).messages, 1);
  assert.equal(noc.meshLink(2, 1).messages, 0);
  assert.equal(noc.linkReport().linkTraversals, 4);
});

/** Sends `n` messages of `words` from src to dst at t=0 and returns the last arrival. */
function burst(noc: NocTransport, src: number, dst: number, n: number, words: number): () => Time {
  const got = sink(noc, dst);
  for (let i = 0; i < n; i++) noc.send(0, src, dst, 0, i, words);
  return () => got[got.length - 1].arrivedAt;
}

Deno.test("noc: flows sharing a link delay each other; disjoint paths do not", () => {
  const N = 10, W = 4;
  const alone = setup();
  const a0 = burst(alone.noc, alone.board.tile(0, 0), alone.board.tile(3, 0), N, W);
  alone.sched.runUntilIdle();

  // Both flows send at the same instants; B's path shares (1,0)->(2,0)->(3,0) with A's.
  const shared = setup();
  const b = shared.board;
  const gotA = sink(shared.noc, b.tile(3, 0));
  sink(shared.noc, b.tile(4, 0));
  for (let i = 0; i < N; i++) {
    shared.noc.send(0, b.tile(0, 0), b.tile(3, 0), 0, i, W);
    shared.noc.send(0, b.tile(1, 0), b.tile(4, 0), 0, i, W);
  }
  shared.sched.runUntilIdle();
  const a1 = () => gotA[gotA.length - 1].arrivedAt;
  assert.ok(a1() > a0(), `shared ${a1()} should exceed alone ${a0()}`);
  assert.ok(shared.noc.linkReport().totalQueueDelay > 0);
  assert.ok(shared.noc.meshLink(b.tile(1, 0), b.tile(2, 0)).totalDelay > 0);

  const disjoint = setup();
  const d = disjoint.board;
  const gotD = sink(disjoint.noc, d.tile(3, 0));
  sink(disjoint.noc, d.tile(3, 2));
  for (let i = 0; i < N; i++) {
    disjoint.noc.send(0, d.tile(0, 0), d.tile(3, 0), 0, i, W);
    disjoint.noc.send(0, d.tile(0, 2), d.tile(3, 2), 0, i, W);
  }
  disjoint.sched.runUntilIdle();
  const a2 = () => gotD[gotD.length - 1].arrivedAt;
  assert.equal(a2(), a0());
  const meshDelay = (n: NocTransport) =>
    n.linkReport().links.filter((l) => l.kind === "mesh").reduce((s, l) => s + l.totalDelay, 0);
  assert.equal(meshDelay(disjoint.noc), 0);
  assert.ok(meshDelay(shared.noc) > 0);
  // A burst from one source is limited by its injection port: 1 word per cycle.
  assert.equal(a0(), (3 + N * (W + NOC_HEADER_WORDS)) * NS);
});

Deno.test("noc: a full receive queue stalls senders; nothing is lost, order kept per source", () => {
  const { sched, board, noc } = setup({ queueWords: 16 });
  const dst = board.tile(5, 5);
  const sources = [board.tile(0, 0), board.tile(5, 0), board.tile(0, 5)];
  const perSource = 40, words = 3;
  const statuses = { sent: 0, stalled: 0 };
  let accepted = 0;
  for (let i = 0; i < perSource; i++) {
    for (const s of sources) {
      const st = noc.send(0, s, dst, 1, { s, i }, words, () => accepted++);
      statuses[st]++;
    }
  }
  // The receiver drains one message every 50 ns.
  const got: { s: number; i: number }[] = [];
  const drain = (t: Time) => {
    const m = noc.pop(dst, 1);
    if (m) got.push(m.payload as { s: number; i: number });
    if (got.length < perSource * sources.length) sched.at(t + 50 * NS, drain);
  };
  sched.at(0, drain);
  sched.runUntilIdle();
  assert.equal(got.length, perSource * sources.length);
  for (const s of sources) {
    assert.deepEqual(
      got.filter((p) => p.s === s).map((p) => p.i),
      Array.from({ length: perSource }, (_, i) => i),
    );
  }
  assert.ok(statuses.stalled > 0);
  assert.equal(accepted, statuses.stalled);
  const qs = noc.queueStats(dst, 1);
  assert.ok(qs.highWaterReserved <= 16);
  assert.ok(qs.highWaterWords <= 16);
  assert.ok(qs.stalls > 0);
  assert.equal(qs.messages, perSource * sources.length);
  for (const s of sources) {
    assert.equal(noc.backlog(s), 0);
    assert.ok(noc.sourceStats(s).maxBacklog > 1);
  }
});

Deno.test("noc: a stalled message blocks later sends from the same source (head of line)", () => {
  const { sched, board, noc } = setup({ queueWords: 4 });
  const src = board.tile(0, 0), full = board.tile(1, 0), other = board.tile(2, 0);
  const otherGot = sink(noc, other);
  assert.equal(noc.send(0, src, full, 0, "a", 4), "sent");
  assert.equal(noc.send(0, src, full, 0, "b", 4), "stalled");
  assert.equal(noc.send(0, src, other, 0, "c", 1), "stalled");
  sched.runUntil(1000 * NS);
  assert.equal(otherGot.length, 0, "c waits behind b");
  assert.equal(noc.backlog(src), 2);
  assert.equal(noc.pending(full, 0), 1);
  const m = noc.pop(full, 0);
  assert.equal(m?.payload, "a");
  sched.runUntilIdle();
  assert.equal(otherGot.length, 1);
  assert.equal(otherGot[0].injectedAt, 1000 * NS);
  assert.equal(noc.peek(full, 0)?.payload, "b");
  assert.equal(noc.sourceStats(src).stalled, 2);
});

Deno.test("noc: senders blocked on a queue are served first-come first-served", () => {
  const { sched, board, noc } = setup({ queueWords: 2 });
  const dst = board.tile(3, 3);
  noc.send(0, board.tile(0, 0), dst, 0, "x", 2);
  noc.send(0, board.tile(1, 0), dst, 0, "first", 2); // blocks first
  noc.send(0, board.tile(2, 0), dst, 0, "second", 1); // would fit later, but waits its turn
  sched.runUntilIdle();
  assert.equal(noc.pop(dst, 0)?.payload, "x");
  sched.runUntilIdle();
  assert.equal(noc.pop(dst, 0)?.payload, "first");
  sched.runUntilIdle();
  assert.equal(noc.pop(dst, 0)?.payload, "second");
});

Deno.test("noc: programming errors throw clear errors", () => {
  const { noc } = setup();
  assert.throws(() => noc.send(0, 0, 1, 0, null, 0), /message size/);
  assert.throws(() => noc.send(0, 0, 1, 0, null, 129), /message size/);
  assert.throws(() => noc.send(0, 0, 36, 0, null, 1), /endpoint 36/);
  assert.throws(() => noc.send(0, 0, 1, 4, null, 1), /queue 4/);
  assert.throws(() => noc.meshLink(0, 7), /not adjacent/);
  assert.throws(() => noc.meshLink(5, 6), /not adjacent/);
});

Deno.test("noc: a stalled send is injected at the pop, never before its own send time", () => {
  const { sched, board, noc } = setup({ queueWords: 2 });
  const dst = board.tile(1, 1);
  noc.send(0, board.tile(0, 0), dst, 0, "a", 2);
  let acceptedAt: Time = -1;
  assert.equal(noc.send(0, board.tile(2, 2), dst, 0, "b", 2, (t) => (acceptedAt = t)), "stalled");
  sched.runUntil(10 * NS);
  assert.equal(noc.pop(dst, 0)?.payload, "a");
  assert.equal(acceptedAt, 10 * NS, "injected when the pop made room");
  // A send stamped later than the pop that unblocks it waits for its own time.
  sched.runUntil(20 * NS);
  const later = 500 * NS;
  noc.send(later, board.tile(3, 3), dst, 0, "c", 2, (t) => (acceptedAt = t));
  assert.equal(noc.pop(dst, 0)?.payload, "b");
  assert.equal(acceptedAt, later);
  sched.runUntilIdle();
  assert.ok(noc.peek(dst, 0)!.arrivedAt > later);
  assert.equal(noc.sourceStats(board.tile(3, 3)).stallTime, 0);
});
