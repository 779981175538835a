/**
 * The profile of a measurement window (profile.ts): exact per-core time
 * accounting, roles and shares, lock tables, drops, and the frame waiting
 * time that shows RTC starving network processing behind application work.
 */
import assert from "node:assert/strict";
import { Clock, MS, SEC, type Time, US } from "../../core/time.ts";
import { CATEGORIES } from "../../core/work.ts";
import { GX36 } from "../../hw/board.ts";
import { parseLayout } from "./layout.ts";
import type { HostMode } from "./node.ts";
import { categoryGroup, lockClass, type NodeProfile, profileNode, profileRows } from "./profile.ts";
import { Cluster, CLUSTER_SERVER_HOST, testbedIp } from "./testbed.ts";
import { ExchangeClient, ExchangeServer, pattern, TEST_PORT } from "./testing.ts";

/** Server cores' clock (GX36, 1.2 GHz): cycles per microsecond. */
const CYCLES_PER_US = 1_200;
const GX36_CLOCK = new Clock(CYCLES_PER_US * 1e6);

interface Load {
  /** Message bytes (several segments each: several new_data events). */
  readonly bytes: number;
  /** Connections per client host, all opened at start. */
  readonly conns: number;
  /** Application cycles the server burns per new_data event. */
  readonly burn: number;
}

interface Run {
  readonly cluster: Cluster;
  readonly clients: ExchangeClient[];
}

/**
 * A "2:2" server (DLibOS: 2 network + 2 application cores; RTC/Linux: 4
 * cores) and two x86 hosts. On every new_data the server burns `burn`
 * cycles under a lock per connection class and takes a shared statistics
 * lock, so application locks see traffic.
 */
function cluster(mode: HostMode, load: Load, rxBuffers?: number): Run {
  const clients: ExchangeClient[] = [];
  const c = new Cluster({
    server: {
      name: "server",
      mode,
      board: GX36,
      layout: parseLayout("2:2"),
      rxBuffers,
      app: (tx, env) => {
        const server = new ExchangeServer(tx, () => load.bytes);
        server.burnCycles = load.burn;
        const stats = env.locks("t.stats");
        const items = [0, 1, 2, 3].map((i) => env.locks(`t.item.${i}`));
        server.onData = (ctx, _refs, conn) => {
          const item = items[conn.conn & 3];
          ctx.acquire(item);
          ctx.charge("app", 200);
          ctx.acquire(stats);
          ctx.charge("app", 50);
          ctx.release(stats);
          ctx.release(item);
        };
        return server;
      },
    },
    clients: 2,
    clientCores: 2,
    clientApp: (h) => (tx) =>
      clients[h] = new ExchangeClient(
        tx,
        Array.from({ length: load.conns }, (_, i) => pattern(load.bytes, h * 50 + i)),
        { addr: testbedIp(CLUSTER_SERVER_HOST), port: TEST_PORT },
      ),
    clientTxBytes: 1 << 20,
    seed: 3,
  });
  return { cluster: c, clients };
}

/**
 * Starts, runs to `windowStart`, resets the statistics, calls `during`, and
 * runs until every exchange is done.
 */
function runWindow(r: Run, windowStart: Time, during: () => void = () => {}): Time {
  const c = r.cluster, s = c.sched;
  c.start();
  s.runUntil(windowStart);
  c.resetStats();
  during();
  while (!r.clients.every((x) => x.done) && s.now < 1 * SEC && s.step());
  assert.ok(r.clients.every((x) => x.done), "every exchange completed");
  return s.now;
}

const LIGHT: Load = { bytes: 3000, conns: 6, burn: 2_000 };

for (const mode of ["dlibos", "rtc", "linux"] as const) {
  Deno.test(`profileNode (${mode}): categories plus idle sum exactly to the window on every core`, () => {
    const r = cluster(mode, LIGHT);
    const t0 = 150 * US;
    // Mid-run, at an odd time inside work items, and at the end.
    const s = r.cluster.sched;
    let midItems = 0;
    runWindow(r, t0, () => {
      s.runUntil(t0 + 300 * US + 1237);
      midItems = checkExact(r, t0);
    });
    assert.ok(midItems > 0, "work items ran inside the first part of the window");
    checkExact(r, t0);
  });
}

/** Checks every node's profile now; returns the server's work items run. */
function checkExact(r: Run, t0: Time): number {
  const now = r.cluster.sched.now;
  for (const node of [r.cluster.server, ...r.cluster.clients]) {
    const p = profileNode(node);
    assert.equal(p.windowStart, t0);
    assert.equal(p.window, now - t0);
    for (const core of p.cores) {
      let sum = 0;
      for (const k of [...CATEGORIES, "idle"] as const) {
        assert.ok(Number.isInteger(core.time[k]) && core.time[k] >= 0, `${core.core} ${k}`);
        sum += core.time[k];
      }
      assert.equal(sum, p.window, core.core);
      assert.equal(core.busy + core.time.idle, p.window);
      // The residue is rounding: under a picosecond per work item.
      assert.ok(Math.abs(core.rounding) <= core.itemsRun + CATEGORIES.length, core.core);
    }
    for (const role of p.roles) {
      assert.equal(role.capacity, role.cores * p.window);
      assert.equal(role.network + role.application + role.interface + role.idle, role.capacity);
      const shares = role.networkShare + role.applicationShare + role.interfaceShare +
        role.idleShare;
      assert.ok(Math.abs(shares - 1) < 1e-12);
    }
    const rows = profileRows(p);
    for (const role of p.roles) {
      const bars = rows.bars.filter((b) => b.role === role.role);
      assert.equal(bars.length, CATEGORIES.length + 1);
      assert.ok(Math.abs(bars.reduce((a, b) => a + b.share, 0) - 1) < 1e-12);
      for (const b of bars) {
        assert.equal(b.group, categoryGroup(b.category as typeof CATEGORIES[number]));
      }
    }
  }
  const server = profileNode(r.cluster.server);
  const mode = r.cluster.server.mode;
  assert.deepEqual(
    server.roles.map((x) => [x.role, x.cores]),
    mode === "dlibos" ? [["net", 2], ["app", 2]] : [["all", 4]],
  );
  if (mode === "dlibos") {
    const [net, app] = server.roles;
    assert.equal(net.time.app, 0, "network cores run no application work");
    assert.ok(net.network > 0 && app.application > 0);
  }
  return server.cores.reduce((n, c) => n + c.itemsRun, 0);
}

/** The server's profile of a whole run of `load` in `mode`, the window starting at once. */
function serverProfile(mode: HostMode, load: Load): NodeProfile {
  const r = cluster(mode, load);
  runWindow(r, 0);
  return profileNode(r.cluster.server);
}

Deno.test("profile: frames wait behind application work in RTC, not in DLibOS", () => {
  // The same load in both modes: 12 connections of 3000-byte requests; the
  // server burns 100 us of application work on every new_data event.
  const burn = 100 * US;
  const busy: Load = { bytes: 3000, conns: 6, burn: (burn / US) * CYCLES_PER_US };
  const idle: Load = { ...busy, burn: 0 };
  const rtcBusy = serverProfile("rtc", busy).rxWait;
  const rtcIdle = serverProfile("rtc", idle).rxWait;
  const dlibosBusy = serverProfile("dlibos", busy).rxWait;
  const dlibosIdle = serverProfile("dlibos", idle).rxWait;
  for (const w of [rtcBusy, rtcIdle, dlibosBusy, dlibosIdle]) assert.ok(w.count > 0);
  // RTC: a core polls its ring only between application work items (no
  // preemption), so frames that arrive during a burn wait for it to end...
  assert.ok(rtcBusy.max >= burn, `RTC: longest wait ${rtcBusy.max} ps`);
  assert.ok(rtcBusy.mean > rtcIdle.mean, "RTC waits come from the application's work");
  // ...while DLibOS's network cores run no application work: no frame waits
  // as long as one burn, whatever the application does.
  assert.ok(dlibosBusy.max < burn, `DLibOS: longest wait ${dlibosBusy.max} ps`);
  assert.ok(dlibosIdle.max < burn);
  assert.ok(rtcBusy.mean > dlibosBusy.mean);
  assert.ok(rtcBusy.p99 > dlibosBusy.p99);
});

Deno.test("profile: lock table by spin time, hold time per acquisition, classes", () => {
  for (const mode of ["rtc", "linux"] as const) {
    const p = serverProfile(mode, LIGHT);
    const app = p.locks.filter((l) => l.owner === "app");
    assert.deepEqual(
      app.map((l) => l.name).sort(),
      ["t.item.0", "t.item.1", "t.item.2", "t.item.3", "t.stats"],
    );
    for (let i = 1; i < p.locks.length; i++) assert.ok(p.locks[i - 1].spin >= p.locks[i].spin);
    const stats = app.find((l) => l.name === "t.stats")!;
    assert.ok(stats.acquisitions > 0);
    assert.equal(stats.releases, stats.acquisitions, "every hold ended by the run's end");
    // Holds last at least the work done under the lock: 250 cycles under an
    // item lock, 50 under the statistics lock (less up to 1 ps per hold: an
    // item's times are rounded once from its start, so a hold's length in ps
    // is the cycles' time rounded either way).
    const cycles = (n: number) => GX36_CLOCK.cycles(n) - 1;
    assert.ok(stats.hold >= stats.acquisitions * cycles(50));
    const item = p.lockClasses.find((l) => l.owner === "app" && l.class === "t.item")!;
    assert.equal(item.locks, 4);
    assert.equal(item.acquisitions, stats.acquisitions);
    assert.ok(item.hold >= item.acquisitions * cycles(250));
    assert.ok(item.hold > stats.hold);
    for (let i = 1; i < p.lockClasses.length; i++) {
      assert.ok(p.lockClasses[i - 1].spin >= p.lockClasses[i].spin);
    }
    const kernel = p.lockClasses.filter((l) => l.owner === "kernel").map((l) => l.class).sort();
    assert.deepEqual(kernel, mode === "linux" ? ["epoll", "listen", "sock"] : []);
    const rows = profileRows(p);
    assert.equal(rows.locks.length, p.locks.length);
    const row = rows.lockClasses.find((l) => l.name === "t.item")!;
    assert.equal(row.meanHoldUs, row.holdUs / item.releases);
  }
  assert.equal(lockClass("server/sock:3.17"), "sock");
  assert.equal(lockClass("server/listen:11211"), "listen");
  assert.equal(lockClass("mc.item.12"), "mc.item");
  assert.equal(lockClass("mc.lru.3"), "mc.lru");
  assert.equal(lockClass("mc.slabs"), "mc.slabs");
});

Deno.test("profile: receive drops in the window, and the waiting-time CDF", () => {
  // 16 receive buffers: frames that pile up behind the application's work in
  // RTC find the buffer stack empty.
  const r = cluster("rtc", { bytes: 3000, conns: 6, burn: 100 * CYCLES_PER_US }, 16);
  r.cluster.start();
  r.cluster.resetStats();
  r.cluster.sched.runUntil(3 * MS);
  const p = profileNode(r.cluster.server);
  assert.ok(p.rx.drops > 0, "the buffer stack ran dry");
  assert.equal(p.rx.drops, p.loss.drops["nic-rx:no_buffer"] ?? 0);
  assert.ok(p.rx.frames >= p.rx.delivered + p.rx.drops);
  const rows = profileRows(p);
  assert.equal(rows.summary.rxDrops, p.rx.drops);
  assert.ok(rows.summary.drops >= p.rx.drops);
  // The CDF: ascending, ending at 1 at the longest wait.
  const cdf = rows.rxWaitCdf;
  assert.ok(cdf.length > 1);
  for (let i = 1; i < cdf.length; i++) {
    assert.ok(cdf[i].us > cdf[i - 1].us && cdf[i].fraction > cdf[i - 1].fraction);
  }
  assert.deepEqual(cdf[cdf.length - 1], { us: p.rxWait.max / US, fraction: 1 });
  assert.equal(p.rx.taken, p.rxWait.count);
  // A fresh window forgets the waits.
  r.cluster.resetStats();
  assert.equal(profileNode(r.cluster.server).rxWait.count, 0);
});
