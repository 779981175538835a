import assert from "node:assert/strict";
import { Rng } from "../core/rng.ts";
import { Scheduler } from "../core/scheduler.ts";
import { NS, type Time } from "../core/time.ts";
import type { BufRef, Memory, RxBuffer, TxFrame } from "./buffers.ts";
import { pseudoHeaderSum } from "./checksum.ts";
import { addrHash, type Classification, classifyFrame, crc32, flowHash } from "./flowhash.ts";
import { EthernetLink, type LinkConfig, wireTime } from "./link.ts";
import { MemoryRegion, ProtectionFault } from "./memory.ts";
import {
  EGRESS_DMA_LATENCY,
  INGRESS_DMA_LATENCY,
  l4ChecksumOk,
  Mpipe,
  type MpipeConfig,
} from "./mpipe.ts";

const ETH = 14, IP = 20, TCP = 20;

/** An Ethernet/IPv4/TCP frame header for a flow (checksum fields zero). */
function tcpHeader(
  src: number,
  sport: number,
  dst: number,
  dport: number,
  payloadLen: number,
): Uint8Array {
  const h = new Uint8Array(ETH + IP + TCP);
  h.set([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00], 0);
  const dv = new DataView(h.buffer);
  h[ETH] = 0x45;
  dv.setUint16(ETH + 2, IP + TCP + payloadLen);
  h[ETH + 6] = 0x40; // DF
  h[ETH + 8] = 64;
  h[ETH + 9] = 6;
  dv.setUint32(ETH + 12, src);
  dv.setUint32(ETH + 16, dst);
  dv.setUint16(ETH + IP, sport);
  dv.setUint16(ETH + IP + 2, dport);
  h[ETH + IP + 12] = 5 << 4;
  return h;
}

/** Pseudo-header sum (RFC 793) of a TCP segment. */
function pseudoSum(src: number, dst: number, l4len: number): number {
  return pseudoHeaderSum(src, dst, 6, l4len);
}

function nicSetup(cfg: Partial<MpipeConfig> = {}, linkCfg: LinkConfig = {}, workers = 4) {
  const sched = new Scheduler();
  const rx = new MemoryRegion("rx", 64 * 2048, { nic: "read-write" });
  for (let w = 0; w < workers; w++) rx.grant(`stack:${w}`, "read");
  const nic = new Mpipe(sched, { workers, rxRegion: rx, ...cfg });
  const link = new EthernetLink(sched, linkCfg);
  nic.attachPort(link.a);
  return { sched, rx, nic, peer: link.b, link };
}

Deno.test("flowhash: CRC-32 check value", () => {
  assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
});

Deno.test("flowhash: classification and symmetric flow hash", () => {
  const c: Classification = { cls: "runt", hash: 0 };
  const a = tcpHeader(0x0a000001, 1234, 0x0a000002, 80, 0);
  assert.equal(classifyFrame(a, c).cls, "tcp");
  const h1 = c.hash;
  const back = tcpHeader(0x0a000002, 80, 0x0a000001, 1234, 0);
  assert.equal(classifyFrame(back, c).hash, h1);
  assert.equal(h1, flowHash(6, 0x0a000001, 1234, 0x0a000002, 80));
  assert.equal(classifyFrame(new Uint8Array(10), c).cls, "runt");
  const arp = new Uint8Array(42);
  arp[12] = 0x08;
  arp[13] = 0x06;
  assert.equal(classifyFrame(arp, c).cls, "non-ip");
  const bad = a.slice(0, 30);
  assert.equal(classifyFrame(bad, c).cls, "malformed");
  const frag = a.slice();
  frag[ETH + 6] = 0x20; // MF
  assert.equal(classifyFrame(frag, c).cls, "ipv4");
});

Deno.test("flowhash: flow and address hashes are CRC-32 of the canonical encoding", () => {
  // Protocol byte, then the lower (address, port) endpoint, then the other, big-endian.
  const enc = (proto: number, ends: [number, number][], ports: boolean) => {
    const out = [proto];
    for (const [ip, port] of ends) {
      out.push(ip >>> 24, (ip >>> 16) & 0xff, (ip >>> 8) & 0xff, ip & 0xff);
      if (ports) out.push(port >>> 8, port & 0xff);
    }
    return crc32(new Uint8Array(out));
  };
  const cases: [number, number, number, number, number][] = [
    [6, 0x0a000001, 1234, 0x0a000002, 80],
    [17, 0xc0a80101, 53, 0x08080808, 40000],
    [6, 0xfffffffe, 65535, 0x00000001, 0],
    [6, 0x0a000001, 9000, 0x0a000001, 80],
  ];
  for (const [p, a, pa, b, pb] of cases) {
    const lo: [number, number] = a < b || (a === b && pa <= pb) ? [a, pa] : [b, pb];
    const hi: [number, number] = lo[0] === a && lo[1] === pa ? [b, pb] : [a, pa];
    assert.equal(flowHash(p, a, pa, b, pb), enc(p, [lo, hi], true));
    assert.equal(flowHash(p, b, pb, a, pa), enc(p, [lo, hi], true));
    assert.equal(addrHash(p, a, b), enc(p, [[Math.min(a, b), 0], [Math.max(a, b), 0]], false));
  }
});

Deno.test("mpipe: a flow always lands on the same worker; random flows spread evenly", () => {
  const { sched, nic, peer } = nicSetup({ buffers: 64, ringEntries: 64 }, {}, 12);
  const rng = new Rng(42, "flows");
  const flows = 12_000;
  const counts = new Array(12).fill(0);
  for (let i = 0; i < flows; i++) {
    const cip = rng.nextU32(), cport = 1024 + rng.int(60000);
    const w = nic.workerOf(6, cip, cport, 0x0a000001, 80);
    assert.equal(nic.workerOf(6, 0x0a000001, 80, cip, cport), w);
    counts[w]++;
  }
  const expected = flows / 12;
  const chi2 = counts.reduce((s, n) => s + (n - expected) ** 2 / expected, 0);
  assert.ok(chi2 < 40, `chi-square ${chi2.toFixed(1)} over 11 dof, counts ${counts}`);
  // Frames of one flow, sent through the NIC, all reach that flow's worker.
  const w = nic.workerOf(6, 0x0b000005, 5555, 0x0a000001, 80);
  const seen: number[] = [];
  for (let k = 0; k < 12; k++) nic.setWake(k, (_t, worker) => seen.push(worker));
  for (let i = 0; i < 20; i++) peer.send(sched.now, tcpHeader(0x0b000005, 5555, 0x0a000001, 80, 0));
  sched.runUntilIdle();
  assert.equal(seen.length, 20);
  assert.ok(seen.every((x) => x === w));
  assert.equal(nic.stats.perWorker[w].frames, 20);
});

Deno.test("mpipe: ingress DMA writes through the NIC view and hands out the worker's view", () => {
  const { sched, rx, nic, peer } = nicSetup();
  const frame = tcpHeader(0x0b000001, 40000, 0x0a000001, 80, 0);
  const w = nic.workerOf(6, 0x0b000001, 40000, 0x0a000001, 80);
  let wokeAt: Time = -1;
  nic.setWake(w, (t) => (wokeAt = t));
  peer.send(0, frame);
  sched.runUntilIdle();
  assert.equal(wokeAt, wireTime(frame.length) + 25 * NS + INGRESS_DMA_LATENCY);
  const out: RxBuffer[] = [];
  assert.equal(nic.poll(w, 8, out), 1);
  const b = out[0];
  assert.equal(b.ref.mem, rx.view(`stack:${w}`));
  assert.deepEqual(b.ref.mem.read(b.ref.off, b.ref.len), frame);
  assert.equal(rx.counters("nic").writeBytes, frame.length);
  assert.equal(rx.counters(`stack:${w}`).readBytes, frame.length);
  // The worker's view is read-only.
  assert.throws(() => rx.view(`stack:${w}`).set8(b.ref.off, 0), ProtectionFault);
  b.release();
  assert.throws(() => b.release(), /released twice/);
  assert.equal(nic.stats.rxReleased, 1);
});

Deno.test("mpipe: an empty buffer stack drops and counts; release returns buffers", () => {
  const { sched, nic, peer } = nicSetup({ buffers: 4 }, {}, 1);
  for (let i = 0; i < 6; i++) {
    peer.send(sched.now, tcpHeader(0x0b000001, 1000 + i, 0x0a000001, 80, 0));
  }
  sched.runUntilIdle();
  assert.equal(nic.stats.rxDelivered, 4);
  assert.equal(nic.stats.rxDrops.no_buffer, 2);
  assert.equal(nic.pool.available, 0);
  const out: RxBuffer[] = [];
  assert.equal(nic.poll(0, 10, out), 4);
  for (const b of out.slice(0, 4)) b.release();
  assert.equal(nic.pool.available, 4);
  peer.send(sched.now, tcpHeader(0x0b000001, 2000, 0x0a000001, 80, 0));
  sched.runUntilIdle();
  assert.equal(nic.stats.rxDelivered, 5);
});

Deno.test("mpipe: a full notification ring drops, counts and returns the buffer", () => {
  const { sched, nic, peer } = nicSetup({ buffers: 8, ringEntries: 2 }, {}, 1);
  for (let i = 0; i < 5; i++) {
    peer.send(sched.now, tcpHeader(0x0b000001, 1000 + i, 0x0a000001, 80, 0));
  }
  sched.runUntilIdle();
  assert.equal(nic.stats.rxDelivered, 2);
  assert.equal(nic.stats.rxDrops.ring_full, 3);
  assert.equal(nic.pool.available, 6);
  assert.equal(nic.ring(0).length, 2);
  assert.equal(nic.ring(0).highWater, 2);
});

Deno.test("mpipe: runts, oversize frames and the worker0 policy for non-IP", () => {
  const { sched, nic, peer } = nicSetup({ nonIp: "worker0", bufferSize: 128 }, {}, 4);
  peer.send(0, new Uint8Array(8));
  peer.send(0, new Uint8Array(200));
  const arp = new Uint8Array(42).fill(0x33);
  arp[12] = 0x08;
  arp[13] = 0x06;
  peer.send(0, arp);
  sched.runUntilIdle();
  assert.equal(nic.stats.rxDrops.runt, 1);
  assert.equal(nic.stats.rxDrops.oversize, 1);
  assert.equal(nic.stats.rxNonIp, 1);
  assert.equal(nic.ring(0).length, 1);
});

/** A TCP frame whose payload lives in an application's transmit region. */
function appFrame(payload: BufRef, onSent?: () => void): TxFrame {
  const src = 0x0a000001, dst = 0x0b000001;
  const header = tcpHeader(src, 80, dst, 40000, payload.len);
  const ps = pseudoSum(src, dst, TCP + payload.len);
  header[ETH + IP + 16] = ps >>> 8;
  header[ETH + IP + 17] = ps & 0xff;
  return {
    header,
    payload: [payload],
    l4ChecksumOffload: true,
    csumStart: ETH + IP,
    csumField: ETH + IP + 16,
    onSent,
  };
}

Deno.test("mpipe: egress gathers app memory through the NIC view and offloads the checksum", () => {
  const { sched, nic, peer } = nicSetup();
  const app = new MemoryRegion("app0-tx", 4096, {
    "app:0": "read-write",
    nic: "read",
    "stack:0": "none",
  });
  const body = new TextEncoder().encode("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello!");
  app.view("app:0").write(100, body);
  // The app hands the stack a reference through its own view; the stack never reads it.
  const ref: BufRef = { mem: app.view("app:0"), off: 100, len: body.length };
  let sentAt: Time = -1;
  const got: Uint8Array[] = [];
  peer.onFrame = (_t, f) => got.push(f);
  assert.ok(nic.transmit(0, 0, appFrame(ref, () => (sentAt = sched.now))));
  sched.runUntilIdle();
  assert.equal(got.length, 1);
  const f = got[0];
  assert.equal(f.length, ETH + IP + TCP + body.length);
  assert.deepEqual(f.subarray(ETH + IP + TCP), body);
  assert.ok(l4ChecksumOk(f, ETH + IP, pseudoSum(0x0a000001, 0x0b000001, TCP + body.length)));
  assert.notEqual((f[ETH + IP + 16] << 8) | f[ETH + IP + 17], 0);
  assert.equal(sentAt, EGRESS_DMA_LATENCY + wireTime(f.length));
  assert.equal(app.counters("stack:0").readBytes, 0);
  assert.equal(app.counters("nic").readBytes, body.length);
  assert.equal(nic.stats.txFrames, 1);
  assert.equal(nic.stats.txBytes, f.length);
});

Deno.test("mpipe: egress without NIC permission is a counted protection drop", () => {
  const { sched, nic } = nicSetup();
  const app = new MemoryRegion("secret", 256, { "app:1": "read-write" });
  let sent = 0;
  const ok = nic.transmit(
    0,
    0,
    appFrame({ mem: app.view("app:1"), off: 0, len: 10 }, () => sent++),
  );
  sched.runUntilIdle();
  assert.equal(ok, false);
  assert.equal(sent, 1);
  assert.equal(nic.stats.txDrops.protection_fault, 1);
  assert.equal(nic.lastFault?.domain, "nic");
  assert.equal(nic.lastFault?.region, "secret");
});

/** Plain, unprotected memory over `data` (the NIC reads it as is). */
function plainMemory(data: Uint8Array): Memory {
  return { name: "plain", size: data.length, read: (off, len) => data.subarray(off, off + len) };
}

/** A 160-byte frame (60-byte header, 100-byte payload) without checksum offload. */
function plainFrame(): TxFrame {
  return {
    header: new Uint8Array(60),
    payload: [{ mem: plainMemory(new Uint8Array(100)), off: 0, len: 100 }],
    l4ChecksumOffload: false,
    csumStart: 0,
    csumField: 0,
  };
}

Deno.test("mpipe: a full egress ring holds frames back in order (none lost); bad descriptors are dropped", () => {
  const { sched, nic } = nicSetup({ egressQueueFrames: 2 });
  const order: number[] = [];
  const frame = (n: number): TxFrame => ({ ...plainFrame(), onSent: () => order.push(n) });
  for (let n = 0; n < 5; n++) assert.ok(nic.transmit(0, 0, frame(n)), `frame ${n} accepted`);
  assert.equal(nic.stats.txDeferred, 3);
  assert.equal(nic.stats.txBacklogMax, 3);
  assert.equal(nic.backlogOf(0), 3);
  sched.runUntilIdle();
  assert.deepEqual(order, [0, 1, 2, 3, 4], "every frame left, in order");
  assert.equal(nic.stats.txFrames, 5);
  assert.equal(nic.backlogOf(0), 0);
  assert.equal(Object.values(nic.stats.txDrops).reduce((x, y) => x + y, 0), 0);
  const bad = { ...plainFrame(), l4ChecksumOffload: true, csumStart: 10, csumField: 500 };
  assert.equal(nic.transmit(sched.now, 0, bad), false);
  assert.equal(nic.stats.txDrops.bad_descriptor, 1);
  assert.throws(() => nic.transmit(0, 3, plainFrame()), /no port 3/);
});

Deno.test("mpipe: the egress bound never exceeds the link's own queue", () => {
  const { sched, nic } = nicSetup({ egressQueueFrames: 8 }, { queueFrames: 2 });
  for (let n = 0; n < 6; n++) assert.ok(nic.transmit(0, 0, plainFrame()));
  assert.equal(nic.stats.txDeferred, 4, "the link holds two frames, four wait");
  sched.runUntilIdle();
  assert.equal(nic.stats.txFrames, 6);
});

Deno.test("mpipe: configuration errors throw", () => {
  const sched = new Scheduler();
  const rx = new MemoryRegion("rx", 4096, { nic: "read" });
  assert.throws(() => new Mpipe(sched, { workers: 1, rxRegion: rx }), /read-write/);
  rx.grant("nic", "read-write");
  assert.throws(() => new Mpipe(sched, { workers: 0, rxRegion: rx }), /workers/);
  assert.throws(() => new Mpipe(sched, { workers: 1, rxRegion: rx, buffers: 10 }), /do not fit/);
  const nic = new Mpipe(sched, { workers: 2, rxRegion: rx });
  assert.throws(() => nic.mapBucket(256, 0), /bucket/);
  const b = nic.bucketOf(6, 1, 2, 3, 4);
  const other = 1 - nic.workerOf(6, 1, 2, 3, 4);
  nic.mapBucket(b, other);
  assert.equal(nic.workerOf(6, 3, 4, 1, 2), other);
  assert.throws(() => nic.setWake(2, null), /worker 2/);
});

Deno.test("mpipe: a frame holds its egress slot until its serialization ends; counters follow", () => {
  const { sched, nic } = nicSetup({ egressQueueFrames: 1 });
  const done = EGRESS_DMA_LATENCY + wireTime(160);
  assert.ok(nic.transmit(0, 0, plainFrame()));
  sched.runUntil(done - 1);
  assert.equal(nic.stats.txFrames, 0, "still serializing");
  assert.ok(nic.transmit(sched.now, 0, plainFrame()), "accepted, but waits");
  assert.equal(nic.stats.txDeferred, 1, "slot still held");
  sched.runUntil(done);
  assert.equal(nic.stats.txFrames, 1);
  assert.equal(nic.stats.txBytes, 160);
  assert.equal(nic.backlogOf(0), 0, "posted once the first frame has left");
  sched.runUntilIdle();
  assert.equal(nic.stats.txFrames, 2);
});

Deno.test("mpipe: a hash key spreads flows independently of the unkeyed hash", () => {
  const plain = nicSetup({}, {}, 12).nic;
  const keyed = nicSetup({ hashKey: 0x6d5a56da }, {}, 12).nic;
  // Flows the unkeyed hash puts in buckets 0 mod 4 (one RSS queue of a 4-queue peer
  // using the same hash) reach only 3 of 12 workers without a key, most of them with one.
  const plainWorkers = new Set<number>(), keyedWorkers = new Set<number>();
  let flows = 0;
  for (let port = 49152; flows < 200; port++) {
    if (plain.bucketOf(6, 0x0a00000a, port, 0x0a000001, 80) % 4 !== 0) continue;
    flows++;
    plainWorkers.add(plain.workerOf(6, 0x0a00000a, port, 0x0a000001, 80));
    keyedWorkers.add(keyed.workerOf(6, 0x0a00000a, port, 0x0a000001, 80));
  }
  assert.equal(plainWorkers.size, 3);
  assert.equal(keyedWorkers.size, 12);
  // Still symmetric: both directions of a flow land on the same worker.
  assert.equal(
    keyed.workerOf(6, 0x0a00000a, 50000, 0x0a000001, 80),
    keyed.workerOf(6, 0x0a000001, 80, 0x0a00000a, 50000),
  );
});
