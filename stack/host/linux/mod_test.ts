/**
 * Linux-baseline mode end to end: NetPIPE against DLibOS, copies into user
 * memory, the kernel mechanisms charged, determinism, wakeups and locks.
 */
import assert from "node:assert/strict";
import { Scheduler } from "../../../core/scheduler.ts";
import { SEC, type Time } from "../../../core/time.ts";
import type { WorkContext } from "../../../core/work.ts";
import { GX36, makeBoard } from "../../../hw/board.ts";
import { EthernetLink } from "../../../hw/link.ts";
import { isRegionView, regionOf } from "../../../hw/memory.ts";
import type { App, ConnRef, SocketApi } from "../../socket.ts";
import type { BufRef, WritableMemory } from "../../../hw/buffers.ts";
import {
  NETPIPE_PORT,
  NetpipeClient,
  type NetpipeConfig,
  type NetpipePoint,
  NetpipeServer,
} from "../../../apps/netpipe/netpipe.ts";
import type { Endpoint, SocketEvent } from "../../events.ts";
import type { Layout } from "../layout.ts";
import { type Affinity, LinuxNode } from "./mod.ts";
import type { HostedNode, HostMode } from "../node.ts";
import { buildNode, DEFAULT_RX_BUFFERS, Pair, testbedAddress, testbedIp } from "../testbed.ts";

/** One core: NetPIPE is a single-threaded process. */
const LINUX_ONE_CORE: Layout = { name: "1", net: 1, app: 0, policy: "all" };
/** DLibOS built the same way: one network core, one application core. */
const DLIBOS_ONE_PAIR: Layout = { name: "1:1", net: 1, app: 1, policy: "all" };
const SIM_LIMIT: Time = 10 * SEC;

interface PingPongRun {
  readonly points: readonly NetpipePoint[];
  readonly finished: boolean;
  readonly server: HostedNode;
  /** Bytes the server application saw in new_data, and the memory they were in. */
  readonly seen: { bytes: Uint8Array[]; mems: BufRef["mem"][] };
  readonly pattern: Uint8Array;
}

/** Wraps an app to record the new_data it is given. */
function spy(inner: App, seen: PingPongRun["seen"]): App {
  return {
    start: (ctx, api) => inner.start(ctx, api),
    onEvent: (ctx, api, stack, ev) => {
      if (ev.kind === "new_data") {
        for (const r of ev.refs) {
          seen.mems.push(r.mem);
          seen.bytes.push(r.mem.read(r.off, r.len).slice());
        }
      }
      inner.onEvent(ctx, api, stack, ev);
    },
  };
}

function pingPong(mode: HostMode, sizes: number[]): PingPongRun {
  const layout = mode === "linux" ? LINUX_ONE_CORE : DLIBOS_ONE_PAIR;
  const max = Math.max(...sizes);
  const cfg = (tx: WritableMemory): NetpipeConfig => ({
    sizes,
    reps: 2,
    warmup: 1,
    variant: "nocopy",
    tx,
  });
  // The client sends its transmit memory from offset 0: fill it with a pattern.
  const pattern = new Uint8Array(max);
  for (let i = 0; i < max; i++) pattern[i] = (i * 7 + 3) & 255;
  const seen: PingPongRun["seen"] = { bytes: [], mems: [] };
  let client: NetpipeClient | null = null;
  const pair = new Pair(
    {
      name: "client",
      mode,
      board: GX36,
      layout,
      txBytes: max,
      app: (tx) => {
        tx.write(0, pattern);
        client = new NetpipeClient(cfg(tx), { addr: testbedIp(2), port: NETPIPE_PORT });
        return client;
      },
    },
    {
      name: "server",
      mode,
      board: GX36,
      layout,
      txBytes: max,
      app: (tx) => spy(new NetpipeServer(cfg(tx)), seen),
    },
    { seed: 7 },
  );
  const c = client as NetpipeClient | null;
  assert.ok(c !== null);
  c.onDone = () => pair.sched.stop();
  pair.start();
  pair.sched.runUntil(SIM_LIMIT);
  return { points: c.results(), finished: c.finished, server: pair.b, seen, pattern };
}

const SIZES = [1, 64, 1024, 4096];
/** Exchanges per size in {@link pingPong}: warm-up plus timed repetitions. */
const EXCHANGES = 3;

Deno.test("linux: NetPIPE ping-pong completes and is slower than DLibOS for every size", () => {
  const linux = pingPong("linux", SIZES);
  const dlibos = pingPong("dlibos", SIZES);
  assert.ok(linux.finished, "linux ping-pong did not finish");
  assert.ok(dlibos.finished, "dlibos ping-pong did not finish");
  assert.deepEqual(linux.points.map((p) => p.bytes), SIZES);
  assert.deepEqual(dlibos.points.map((p) => p.bytes), SIZES);
  for (let i = 0; i < SIZES.length; i++) {
    assert.ok(
      linux.points[i].oneWay > dlibos.points[i].oneWay,
      `${SIZES[i]} B: linux ${linux.points[i].oneWay} ps <= dlibos ${dlibos.points[i].oneWay} ps`,
    );
  }
  // Latency grows with size in both (copies and wire time are per byte).
  assert.ok(linux.points[SIZES.length - 1].oneWay > linux.points[0].oneWay);
});

Deno.test("linux: the application reads a copy of the bytes, never the receive buffers", () => {
  const run = pingPong("linux", SIZES);
  assert.ok(run.finished);
  const node = run.server as LinuxNode;
  assert.equal(node.rxRegion.permission("app"), "none");
  assert.ok(run.seen.mems.length > 0);
  for (const mem of run.seen.mems) {
    if (isRegionView(mem)) {
      assert.notEqual(regionOf(mem), node.rxRegion, "new_data refers into the NIC receive region");
      assert.equal(mem.domain, "app");
      assert.match(mem.name, /\/user:\d+$/);
    }
  }
  // The bytes are the client's, copied: every message starts with the pattern.
  let total = 0;
  for (const b of run.seen.bytes) total += b.length;
  const expected = SIZES.reduce((s, n) => s + n, 0) * EXCHANGES;
  assert.equal(total, expected);
  assert.equal(node.counters.copyOutBytes, expected, "read() copied every received byte once");
  assert.equal(node.counters.copyInBytes, expected, "write() copied every sent byte once");
  assert.deepEqual(run.seen.bytes[0], run.pattern.subarray(0, SIZES[0]));
  // Receive buffers were all returned to the NIC once read.
  const nicStats = node.nic.stats;
  assert.equal(nicStats.rxReleased, nicStats.rxDelivered);
});

Deno.test("linux: kernel mechanisms are charged (syscalls, interrupts, wakeups, socket locks)", () => {
  const run = pingPong("linux", SIZES);
  const node = run.server as LinuxNode;
  const k = node.counters;
  assert.ok(k.syscalls > 0);
  assert.ok(k.interrupts > 0);
  assert.ok(k.softirqPackets > 0);
  assert.ok(k.copiesOut > 0 && k.copiesIn > 0);
  // One thread on the core that takes the interrupts: every wakeup is local and switches in.
  assert.equal(k.wakeupsRemote, 0);
  assert.ok(k.wakeupsLocal > 0);
  assert.equal(k.contextSwitches, k.wakeupsLocal);
  const locks = node.lockStats();
  assert.ok(locks.socket.acquisitions > 0, "per-socket lock taken");
  assert.ok(locks.epoll.acquisitions > 0, "epoll lock taken");
  assert.ok(locks.listen.acquisitions > 0, "listen lock taken for the handshake and accept");
  const core = node.appCores[0];
  for (const cat of ["irq", "syscall", "copy", "sched", "tcp-rx", "tcp-tx"] as const) {
    assert.ok(core.cyclesIn(cat) > 0, `no cycles in ${cat}`);
  }
});

Deno.test("linux: runs are deterministic", () => {
  const a = pingPong("linux", [64, 1000]);
  const b = pingPong("linux", [64, 1000]);
  assert.deepEqual(a.points, b.points);
});

// ---- many connections over several cores -----------------------------------

const ECHO_PORT = 7000;
const REQUEST_BYTES = 100;
const RESPONSE_BYTES = 200;

/** Opens `perThread` connections from every thread; each does `rounds` request/response pairs. */
class ManyClient implements App {
  readonly got = new Map<string, number>();
  readonly rounds = new Map<string, number>();
  done = 0;

  constructor(
    private readonly tx: WritableMemory,
    private readonly server: Endpoint,
    private readonly perThread: number,
    private readonly roundsPerConn: number,
  ) {}

  start(_ctx: WorkContext, api: SocketApi): void {
    for (let i = 0; i < this.perThread; i++) api.connect(this.server, i);
  }

  onEvent(_ctx: WorkContext, api: SocketApi, stack: number, ev: SocketEvent): void {
    const c: ConnRef = { stack, conn: ev.conn };
    const key = `${stack}.${ev.conn}`;
    switch (ev.kind) {
      case "connected":
        this.got.set(key, 0);
        this.rounds.set(key, 0);
        api.send(c, [{ mem: this.tx, off: 0, len: REQUEST_BYTES }], 0);
        return;
      case "new_data": {
        api.recvDone(c, ev.rxId);
        const got = (this.got.get(key) ?? 0) + ev.bytes;
        if (got < RESPONSE_BYTES) {
          this.got.set(key, got);
          return;
        }
        this.got.set(key, got - RESPONSE_BYTES);
        const r = (this.rounds.get(key) ?? 0) + 1;
        this.rounds.set(key, r);
        if (r < this.roundsPerConn) {
          api.send(c, [{ mem: this.tx, off: 0, len: REQUEST_BYTES }], r);
        } else {
          this.done++;
          api.close(c);
        }
        return;
      }
      default:
        return;
    }
  }
}

/** Answers every REQUEST_BYTES received with RESPONSE_BYTES. */
class EchoServer implements App {
  private readonly got = new Map<string, number>();
  constructor(private readonly tx: WritableMemory) {}

  start(_ctx: WorkContext, api: SocketApi): void {
    api.listen(ECHO_PORT, 1024);
  }

  onEvent(ctx: WorkContext, api: SocketApi, stack: number, ev: SocketEvent): void {
    const c: ConnRef = { stack, conn: ev.conn };
    const key = `${stack}.${ev.conn}`;
    switch (ev.kind) {
      case "new_conn":
        api.accept(c);
        this.got.set(key, 0);
        return;
      case "new_data": {
        api.recvDone(c, ev.rxId);
        let got = (this.got.get(key) ?? 0) + ev.bytes;
        while (got >= REQUEST_BYTES) {
          got -= REQUEST_BYTES;
          ctx.charge("app", 1000);
          api.send(c, [{ mem: this.tx, off: 0, len: RESPONSE_BYTES }], 0);
        }
        this.got.set(key, got);
        return;
      }
      case "remote_closed":
        api.close(c);
        return;
      case "cleanup":
        this.got.delete(key);
        return;
      default:
        return;
    }
  }
}

interface ManyRun {
  readonly server: LinuxNode;
  readonly client: ManyClient;
  readonly conns: number;
}

/** An RTC client board (fast, many connections) against a Linux server board. */
function manyConnections(affinity: Affinity): ManyRun {
  const sched = new Scheduler();
  const clientAddr = testbedAddress(1, 2);
  const serverAddr = testbedAddress(2, 1);
  const perThread = 20;
  const clientCores = 4;
  let client: ManyClient | null = null;
  const clientNode = buildNode(
    sched,
    {
      name: "client",
      mode: "rtc",
      board: GX36,
      layout: { name: "2:2", net: 2, app: 2, policy: "all" },
      txBytes: REQUEST_BYTES,
      app: (tx) => {
        tx.write(0, new Uint8Array(REQUEST_BYTES).fill(0x41));
        client = new ManyClient(tx, { addr: testbedIp(2), port: ECHO_PORT }, perThread, 10);
        return client;
      },
    },
    clientAddr,
    11,
  );
  const server = new LinuxNode(sched, {
    name: "server",
    address: serverAddr,
    app: (tx) => new EchoServer(tx),
    txBytes: RESPONSE_BYTES,
    rxBuffers: DEFAULT_RX_BUFFERS,
    seed: 12,
    board: makeBoard(GX36),
    layout: { name: "6:2", net: 6, app: 2, policy: "all" },
    affinity,
  });
  const link = new EthernetLink(sched, {});
  clientNode.nic.attachPort(link.a);
  server.nic.attachPort(link.b);
  server.start();
  clientNode.start();
  sched.runUntil(SIM_LIMIT);
  const c = client as ManyClient | null;
  assert.ok(c !== null);
  return { server, client: c, conns: perThread * clientCores };
}

Deno.test("linux: many connections over several cores wake remote threads and contend on locks", () => {
  const run = manyConnections("round-robin");
  assert.equal(run.client.done, run.conns, "every connection finished its rounds");
  const k = run.server.counters;
  assert.ok(k.wakeupsRemote > 0, "round-robin accept gives threads other cores' connections");
  assert.ok(k.wakeupsLocal > 0);
  assert.equal(k.contextSwitches, k.wakeupsLocal + k.wakeupsRemote, "each wakeup switches in once");
  const locks = run.server.lockStats();
  assert.equal(locks.listen.locks, 1, "one listening socket shared by every core");
  assert.equal(locks.epoll.locks, 8, "one epoll instance per thread");
  assert.ok(locks.socket.locks >= run.conns);
  const contended = locks.socket.contended + locks.epoll.contended + locks.listen.contended;
  assert.ok(contended > 0, `no lock contention: ${JSON.stringify(locks)}`);
  let spin = 0;
  for (const core of run.server.appCores) spin += core.cyclesIn("lock-spin");
  assert.ok(spin > 0);
});

Deno.test("linux: local affinity keeps every wakeup on the core that took the interrupt", () => {
  const run = manyConnections("local");
  assert.equal(run.client.done, run.conns);
  assert.equal(run.server.counters.wakeupsRemote, 0);
  assert.ok(run.server.counters.wakeupsLocal > 0);
});
