/**
 * Memcached and the webserver served over the simulated network to a simple
 * client, in each hosting mode: every request answered, no framing errors,
 * and the same response bytes in every mode.
 */
import assert from "node:assert/strict";
import { type AppOutcome, runAppLoad, type ServerApp } from "./apps_run.ts";
import { parseLayout } from "../stack/host/layout.ts";
import { HOST_MODES, type HostMode } from "../stack/host/node.ts";
import { LinuxNode } from "../stack/host/linux/mod.ts";

const CONNECTIONS = 4;
const REQUESTS = 10;
const LAYOUT = parseLayout("4:8");

function run(app: ServerApp, mode: HostMode, linuxBaseline?: boolean): AppOutcome {
  return runAppLoad({
    mode,
    app,
    board: "gx36",
    layout: LAYOUT,
    connections: CONNECTIONS,
    requests: REQUESTS,
    seed: 7,
    linuxBaseline,
  });
}

for (const app of ["memcached", "web"] as const) {
  Deno.test(`${app}: serves the client in every mode with identical responses`, () => {
    const outs = HOST_MODES.map((m) => run(app, m));
    for (const [i, o] of outs.entries()) {
      assert.equal(o.completed, CONNECTIONS * REQUESTS, `${HOST_MODES[i]} completed`);
      assert.equal(o.errors, 0, `${HOST_MODES[i]} framing errors`);
      assert.ok(o.requestsPerSec > 0);
    }
    const text = (o: AppOutcome) =>
      o.firstResponses.map((r) => (r === null ? "<none>" : new TextDecoder().decode(r)));
    for (const o of outs.slice(1)) assert.deepEqual(text(o), text(outs[0]));
    const first = text(outs[0]);
    if (app === "memcached") {
      assert.equal(first[0], "STORED\r\n");
      assert.match(first[1], /^VALUE key:0 0 64\r\n[a-z]{64}\r\nEND\r\n$/);
    } else {
      assert.match(first[0], /^HTTP\/1\.1 200 OK\r\n/);
      assert.match(first[0], /\r\nContent-Length: 1024\r\n/);
    }
  });
}

Deno.test("memcached: item locks are real simulated locks on the server", () => {
  const o = run("memcached", "dlibos");
  const locks = o.server.appLocks.list();
  assert.ok(locks.some((l) => l.name.includes("item") && l.acquisitions > 0));
  assert.ok(locks.every((l) => l.isHeld === false));
});

Deno.test("web: the lean server on Linux pays a read and a write system call per request", () => {
  const o = run("web", "linux", false);
  assert.ok(o.server instanceof LinuxNode);
  const c = o.server.counters;
  assert.ok(c.syscalls >= 2 * CONNECTIONS * REQUESTS, `syscalls ${c.syscalls}`);
  assert.ok(c.copyInBytes >= CONNECTIONS * REQUESTS * 1024, "responses copied into the kernel");
});

Deno.test("modes order as the paper's kernel-bypass argument predicts (Linux slowest)", () => {
  const rate = (m: HostMode) => run("memcached", m).requestsPerSec;
  const linux = rate("linux");
  assert.ok(rate("dlibos") > linux);
  assert.ok(rate("rtc") > linux);
});
