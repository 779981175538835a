/**
 * End to end through the testbed (stack/host/testbed.ts): a server NIC with
 * a tiny egress queue under many webserver connections defers frames
 * (back-pressure) and loses none; x86 client hosts drive the server over
 * four ports.
 */
import assert from "node:assert/strict";
import { SEC } from "../core/time.ts";
import { GX36 } from "../hw/board.ts";
import { defaultSite, HTTP_PORT } from "../apps/web/mod.ts";
import { WebApp, webMemoryBytes } from "../apps/web/app.ts";
import { ClosedLoopClient } from "../apps/clients/closed_loop.ts";
import { httpProtocol } from "../apps/clients/protocols.ts";
import { parseLayout } from "../stack/host/layout.ts";
import type { HostMode } from "../stack/host/node.ts";
import { Cluster, CLUSTER_SERVER_HOST, Pair, testbedIp } from "../stack/host/testbed.ts";
import { addLossCounters, emptyLossCounters, totalLoss } from "../stack/host/counters.ts";

/** Several segments per response, so responses queue behind each other on the port. */
const PAGE_BYTES = 8192;
const CONNECTIONS = 64;
const REQUESTS = 4;
/** Two frames in the egress ring: almost every response waits in the port's backlog. */
const TINY_EGRESS = 2;

const site = { files: defaultSite(PAGE_BYTES) };

for (const mode of ["dlibos", "linux"] as const satisfies readonly HostMode[]) {
  Deno.test(`testbed (${mode}): a tiny egress queue defers frames and loses none`, () => {
    let client: ClosedLoopClient | null = null;
    const layout = parseLayout("4:8");
    const pair = new Pair(
      {
        name: "client",
        mode,
        board: GX36,
        layout,
        txBytes: 64 * 1024,
        app: (tx, env) =>
          client = new ClosedLoopClient({
            cores: env.cores,
            server: { addr: testbedIp(2), port: HTTP_PORT },
            connections: CONNECTIONS,
            requests: REQUESTS,
            protocol: httpProtocol("/index.html"),
            tx,
          }),
      },
      {
        name: "server",
        mode,
        board: GX36,
        layout,
        txBytes: webMemoryBytes(site),
        egressQueueFrames: TINY_EGRESS,
        app: (tx) => new WebApp({ ...site, memory: tx }),
      },
      { seed: 3 },
    );
    const c = client as ClosedLoopClient | null;
    assert.ok(c !== null);
    c.onDone = () => pair.sched.stop();
    pair.start();
    pair.sched.runUntil(10 * SEC);
    assert.ok(c.finished, `${c.completed} of ${CONNECTIONS * REQUESTS} answered`);
    assert.equal(c.completed, CONNECTIONS * REQUESTS);
    assert.equal(c.errors, 0);
    const loss = addLossCounters(
      addLossCounters(emptyLossCounters(), pair.a.stacks, pair.a.nic),
      pair.b.stacks,
      pair.b.nic,
    );
    assert.equal(totalLoss(loss), 0, JSON.stringify(loss.drops));
    assert.equal(loss.rtoExpiries, 0);
    assert.equal(loss.retransmits, 0);
    const st = pair.b.nic.stats;
    assert.ok(st.txDeferred > 0, "frames waited for the egress ring");
    assert.ok(st.txBacklogMax > TINY_EGRESS);
    assert.equal(pair.link.a.tx.drops + pair.link.b.tx.drops, 0);
  });
}

Deno.test("testbed: four x86 wrk-style hosts load the webserver over four ports", () => {
  const clients: ClosedLoopClient[] = [];
  const cluster = new Cluster({
    server: {
      name: "server",
      mode: "dlibos",
      board: GX36,
      layout: parseLayout("d12-all"),
      txBytes: webMemoryBytes(site),
      app: (tx) => new WebApp({ ...site, memory: tx }),
    },
    clientCores: 4,
    clientApp: (h) => (tx, env) =>
      clients[h] = new ClosedLoopClient({
        cores: env.cores,
        server: { addr: testbedIp(CLUSTER_SERVER_HOST), port: HTTP_PORT },
        connections: 16,
        requests: 3,
        protocol: httpProtocol("/index.html"),
        tx,
      }),
    clientTxBytes: 64 * 1024,
    seed: 5,
  });
  let done = 0;
  for (const c of clients) c.onDone = () => ++done === clients.length && cluster.sched.stop();
  cluster.start();
  cluster.sched.runUntil(10 * SEC);
  assert.equal(done, 4);
  for (const c of clients) assert.equal(c.completed, 16 * 3);
  const st = cluster.server.nic.stats;
  for (let p = 0; p < 4; p++) assert.ok(st.perPort[p].rxFrames > 0 && st.perPort[p].txFrames > 0);
  let loss = emptyLossCounters();
  for (const n of [cluster.server, ...cluster.clients]) {
    loss = addLossCounters(loss, n.stacks, n.nic);
  }
  assert.equal(totalLoss(loss), 0, JSON.stringify(loss.drops));
});
