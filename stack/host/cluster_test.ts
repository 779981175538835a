/**
 * The paper-scale testbed (testbed.ts Cluster): a TileGX server with x86
 * client hosts on its four ports, egress port selection, x86 hosts, and
 * resetStats at the start of a measurement window.
 */
import assert from "node:assert/strict";
import { SEC, US } from "../../core/time.ts";
import { CATEGORIES } from "../../core/work.ts";
import { GX36 } from "../../hw/board.ts";
import { LINUX_X86_COSTS } from "../../hw/costs/linux.ts";
import { X86_HOST } from "../../hw/costs/x86.ts";
import { parseLayout } from "./layout.ts";
import { LinuxNode } from "./linux/mod.ts";
import type { HostedNode, HostMode } from "./node.ts";
import { EgressPorts } from "./neighbours.ts";
import { Cluster, CLUSTER_SERVER_HOST, testbedIp, testbedMac } from "./testbed.ts";
import { ExchangeClient, ExchangeServer, pattern, TEST_PORT } from "./testing.ts";

const MESSAGE_BYTES = 300;
/** Connections (one message each) per client host. */
const CONNS = 12;
const CLIENT_CORES = 4;

interface Run {
  readonly cluster: Cluster;
  readonly clients: ExchangeClient[];
  readonly server: () => ExchangeServer;
  readonly messages: Uint8Array[][];
}

function cluster(mode: HostMode, clients = 4): Run {
  const messages = Array.from(
    { length: clients },
    (_, h) => Array.from({ length: CONNS }, (_, i) => pattern(MESSAGE_BYTES, h * 100 + i)),
  );
  const apps: ExchangeClient[] = [];
  let server: ExchangeServer | null = null;
  const c: Cluster = new Cluster({
    server: {
      name: "server",
      mode,
      board: GX36,
      layout: parseLayout("d12-all"),
      app: (tx) => (server = new ExchangeServer(tx, () => MESSAGE_BYTES)),
    },
    clients,
    clientCores: CLIENT_CORES,
    clientApp: (h) => (tx) => (apps[h] = new ExchangeClient(
      tx,
      messages[h],
      { addr: testbedIp(CLUSTER_SERVER_HOST), port: TEST_PORT },
      "after-acked",
    )),
    clientTxBytes: 64 * 1024,
    seed: 7,
  });
  return { cluster: c, clients: apps, server: () => server!, messages };
}

function runToEnd(r: Run): void {
  r.cluster.start();
  const s = r.cluster.sched;
  while (!r.clients.every((c) => c.done) && s.now < 1 * SEC && s.step());
  assert.ok(r.clients.every((c) => c.done), "every exchange completed");
  for (let h = 0; h < r.clients.length; h++) {
    assert.deepEqual(r.clients[h].echoes, r.messages[h], `client ${h} got its echoes`);
  }
}

function allNodes(c: Cluster): HostedNode[] {
  return [c.server, ...c.clients];
}

Deno.test("Cluster: four x86 hosts on four server ports; replies leave on the right port", () => {
  const r = cluster("dlibos");
  runToEnd(r);
  const { cluster: c } = r;
  const st = c.server.nic.stats;
  assert.equal(st.perPort.length, 4);
  for (let h = 0; h < 4; h++) {
    const client = c.clients[h];
    const p = st.perPort[h];
    // Traffic from client h arrived on port h and the server's replies left on port h only.
    assert.ok(p.rxFrames > 0 && p.txFrames > 0, `port ${h} carried traffic`);
    assert.equal(p.rxFrames, c.links[h].b.tx.frames);
    assert.equal(p.txFrames, c.links[h].a.tx.frames);
    assert.equal(client.nic.stats.rxFrames, p.txFrames);
    // No frame reached a host it was not for.
    for (const s of client.stacks) {
      for (const [k, v] of Object.entries(s.stats.drops)) assert.equal(v, 0, `${k} on client${h}`);
    }
  }
  // The four ports' flows are spread over the network cores.
  const busy = st.perWorker.filter((w) => w.frames > 0).length;
  assert.ok(busy >= 8, `${busy} of 12 network cores received frames`);
});

Deno.test("Cluster: the same exchanges complete with RTC and Linux servers", () => {
  for (const mode of ["rtc", "linux"] as const) runToEnd(cluster(mode, 2));
});

Deno.test("Cluster: x86 hosts are Linux nodes at 2.6 GHz with the x86 cost table", () => {
  const c = cluster("dlibos", 1).cluster;
  const host = c.clients[0];
  assert.ok(host instanceof LinuxNode);
  assert.equal(host.costs, LINUX_X86_COSTS);
  assert.equal(host.board.clock.hz, X86_HOST.hz);
  assert.equal(host.board.ports, 1);
  assert.equal(host.netCores.length, CLIENT_CORES);
  assert.equal(host.nic.workers, CLIENT_CORES, "one RSS queue per core");
  assert.equal(c.server.board.clock.hz, 1_200_000_000);
  // The default client host has X86_HOST.cores cores.
  const d = new Cluster({
    server: { name: "s", mode: "rtc", board: GX36, layout: parseLayout("1:1"), app: () => noApp },
    clientApp: () => () => noApp,
    seed: 1,
  });
  assert.equal(d.clients.length, 4);
  for (const h of d.clients) assert.equal(h.netCores.length, X86_HOST.cores);
});

const noApp = { start() {}, onEvent() {} };

Deno.test("Cluster: more clients than ports is a clear error", () => {
  assert.throws(
    () =>
      new Cluster({
        server: {
          name: "s",
          mode: "rtc",
          board: GX36,
          layout: parseLayout("1:1"),
          app: () => noApp,
        },
        ports: 2,
        clients: 3,
        clientApp: () => () => noApp,
        seed: 1,
      }),
    /3 client hosts need 3 server ports, the server uses 2/,
  );
  assert.throws(
    () =>
      new Cluster({
        server: {
          name: "s",
          mode: "rtc",
          board: GX36,
          layout: parseLayout("1:1"),
          app: () => noApp,
        },
        ports: 5,
        clientApp: () => () => noApp,
        seed: 1,
      }),
    /ports must be an integer from 1 to 4/,
  );
});

Deno.test("EgressPorts: known MACs to their port, unknown and broadcast to port 0", () => {
  const nb = (n: number, port?: number) => ({ ip: n, mac: testbedMac(n), port });
  assert.equal(EgressPorts.of([nb(1), nb(2, 0)]), null, "all on port 0: no lookup");
  const e = EgressPorts.of([nb(10, 0), nb(11, 1), nb(0x10c, 3)])!;
  const header = (mac: Uint8Array) => {
    const h = new Uint8Array(14);
    h.set(mac, 0);
    return h;
  };
  assert.equal(e.portOf(header(testbedMac(11))), 1);
  assert.equal(e.portOf(header(testbedMac(0x10c))), 3);
  assert.equal(e.portOf(header(testbedMac(10))), 0);
  assert.equal(e.portOf(header(testbedMac(12))), 0);
  assert.equal(e.portOf(header(new Uint8Array([255, 255, 255, 255, 255, 255]))), 0);
  assert.throws(() => EgressPorts.of([nb(1, -1)]), /non-negative integer/);
});

Deno.test("Cluster.resetStats: counters read zero, later traffic is counted, busy time sums", () => {
  const r = cluster("dlibos", 4);
  const c = r.cluster;
  c.start();
  // Into the exchanges: connections open, data in flight.
  c.sched.runUntil(160 * US);
  assert.ok(c.server.nic.stats.rxFrames > 0, "traffic before the window");
  c.resetStats();
  const t0 = c.sched.now;
  for (const n of allNodes(c)) {
    for (const core of new Set([...n.netCores, ...n.appCores])) {
      const b = core.breakdown();
      for (const k of CATEGORIES) assert.equal(b[k], 0, `${core.name} ${k}`);
      assert.equal(core.itemsRun, 0);
    }
    const st = n.nic.stats;
    assert.equal(st.rxFrames + st.txFrames + st.rxDelivered + st.txDeferred, 0, n.name);
    for (const p of st.perPort) assert.equal(p.rxFrames + p.txFrames, 0);
    for (const s of n.stacks) {
      assert.equal(s.tcp.stats.segmentsIn + s.tcp.stats.segmentsOut, 0);
      assert.equal(s.stats.counters.rxFrames, 0);
    }
    for (const l of n.appLocks.list()) assert.equal(l.acquisitions, 0);
    if (n instanceof LinuxNode) {
      assert.equal(n.counters.syscalls, 0);
      for (const l of n.locks.list()) assert.equal(l.acquisitions + l.totalHold, 0);
    }
  }
  for (const l of c.links) assert.equal(l.a.tx.frames + l.b.tx.frames + l.a.tx.busy, 0);
  // State is untouched: the run still completes with every echo right.
  const s = c.sched;
  while (!r.clients.every((x) => x.done) && s.now < 1 * SEC && s.step());
  for (let h = 0; h < 4; h++) assert.deepEqual(r.clients[h].echoes, r.messages[h]);
  // Later traffic is counted from zero.
  assert.ok(c.server.nic.stats.rxFrames > 0);
  assert.ok(c.server.stacks.some((x) => x.tcp.stats.segmentsIn > 0));
  assert.ok(c.links.every((l) => l.a.tx.frames > 0));
  const host = c.clients[0] as LinuxNode;
  assert.ok(host.counters.syscalls > 0);
  // Per core, the categories and idle sum to the time since the reset.
  for (const n of allNodes(c)) {
    for (const core of new Set([...n.netCores, ...n.appCores])) {
      const b = core.breakdown();
      let sum = 0;
      for (const v of Object.values(b)) sum += v;
      assert.ok(Math.abs(sum - (s.now - t0)) <= 2, `${core.name}: ${sum} vs ${s.now - t0}`);
    }
  }
  assert.ok(c.server.netCores.some((x) => x.breakdown()["tcp-rx"] > 0));
});
