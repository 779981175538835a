import assert from "node:assert/strict";
import { MS } from "../core/time.ts";
import { parseLayout } from "../stack/host/layout.ts";
import { HOST_MODES } from "../stack/host/node.ts";
import type { App } from "../stack/socket.ts";
import {
  type ClusterFactory,
  defaultCluster,
  type MutilateRunOptions,
  runMutilate,
  runWrk,
} from "./loadgen.ts";

const LAYOUT = parseLayout("d12-all");

for (const mode of HOST_MODES) {
  Deno.test(`runWrk (${mode}): a short -c 64 run answers requests with no RTO expiry`, () => {
    const r = runWrk({
      mode,
      board: "gx36",
      layout: LAYOUT,
      seed: 1,
      connections: 64,
      threads: 16,
      duration: 1 * MS,
      warmup: MS / 4,
      timeoutMs: 2000,
      latency: true,
    });
    assert.ok(r.wrk!.complete > 64, `${r.wrk!.complete} responses`);
    assert.equal(r.loss.rtoExpiries, 0);
    assert.deepEqual(r.errors, { connect: 0, read: 0, write: 0, timeout: 0, status: 0 });
    assert.ok(r.latencyUs.p50 > 0 && r.latencyUs.p99 >= r.latencyUs.p50);
    assert.ok(r.transferBytes > r.wrk!.complete * 100);
    assert.match(r.report, /^Running 1.00ms test @ http:\/\/10\.0\.0\.1\/index\.html\n/);
    assert.match(r.report, /Requests\/sec:/);
  });
}

/** Each request costs the server this much more (cycles per new_data event). */
const SLOWDOWN_CYCLES = 40_000;

/** The testbed with a server app that does extra work per request. */
const slowServer: ClusterFactory = (spec) =>
  defaultCluster({
    ...spec,
    server: {
      ...spec.server,
      app: (tx, env) => {
        const inner = spec.server.app(tx, env);
        const app: App = {
          start: (ctx, api) => inner.start(ctx, api),
          onEvent: (ctx, api, stack, ev) => {
            if (ev.kind === "new_data") ctx.charge("app", SLOWDOWN_CYCLES);
            inner.onEvent(ctx, api, stack, ev);
          },
        };
        return app;
      },
    },
  });

Deno.test("runMutilate: the open-loop schedule does not depend on how fast the server answers", () => {
  const o: MutilateRunOptions = {
    mode: "dlibos",
    board: "gx36",
    layout: LAYOUT,
    seed: 3,
    clients: 2,
    ports: 2,
    qps: 200_000,
    connections: 4,
    depth: 64,
    threads: 2,
    measureConns: 8,
    keySize: "fb_key",
    valueSize: "fb_value",
    interarrival: "fb_ia",
    records: 1000,
    update: 0.0323,
    warmup: MS / 4,
    duration: 1 * MS,
  };
  const fast = runMutilate(o);
  const slow = runMutilate({ ...o, cluster: slowServer });
  const f = fast.mutilate!, s = slow.mutilate!;
  // The agents send the same requests on the same schedule...
  const fa = fast.mutilateLoad!.agentStats(), sa = slow.mutilateLoad!.agentStats();
  assert.equal(sa.txBytes, fa.txBytes);
  assert.ok(fa.txBytes > 0);
  // (the master's depth-1 connections wait for each reply: fewer requests)
  assert.ok(s.txBytes - sa.txBytes < f.txBytes - fa.txBytes);
  assert.ok(f.gets + f.sets > 150, `${f.gets + f.sets} requests`);
  // ...and wait longer for their replies.
  assert.ok(
    slow.latencyUs.p50 > fast.latencyUs.p50 + 20,
    `p50 ${fast.latencyUs.p50} -> ${slow.latencyUs.p50} us`,
  );
  assert.equal(fast.loss.rtoExpiries, 0);
  assert.equal(fast.misses, 0); // every key was loaded
  assert.deepEqual(fast.errors, { socket: 0 });
  assert.ok(fast.latencyUs.p99 < 200, `${fast.latencyUs.p99} us`);
});
