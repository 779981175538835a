/**
 * The Linux baselines through the simulated network: the NGINX model's
 * system calls per request (recv, open, fstat, writev, sendfile, close),
 * sendfile without a CPU copy, keep-alive, NGINX's shared accept queue, and
 * stock Memcached's dispatcher handing connections round-robin to workers.
 */
import assert from "node:assert/strict";
import { runAppLoad } from "./apps_run.ts";
import { serverApp } from "./servers.ts";
import { parseLayout } from "../stack/host/layout.ts";
import { LinuxNode } from "../stack/host/linux/mod.ts";
import { DEFAULT_PAGE_BYTES } from "./apps_run.ts";

const CONNECTIONS = 4;
const REQUESTS = 10;
const LAYOUT = parseLayout("4:8");
const CORES = 12;

function linuxServer(app: "web" | "memcached"): LinuxNode {
  const o = runAppLoad({
    mode: "linux",
    app,
    board: "gx36",
    layout: LAYOUT,
    connections: CONNECTIONS,
    requests: REQUESTS,
    seed: 7,
  });
  assert.equal(o.completed, CONNECTIONS * REQUESTS);
  assert.equal(o.errors, 0);
  assert.ok(o.server instanceof LinuxNode);
  return o.server;
}

Deno.test("serverApp: the Linux baselines in Linux mode, the paper's servers elsewhere", () => {
  assert.equal(serverApp("web", "linux").name, "nginx");
  assert.equal(serverApp("web", "linux", { baseline: false }).name, "web");
  assert.equal(serverApp("web", "rtc").linux, undefined);
  assert.deepEqual(serverApp("memcached", "linux").linux, { accept: "dispatcher" });
  assert.equal(serverApp("memcached", "dlibos").linux, undefined);
  assert.equal(serverApp("web", "dlibos", { pageBytes: 10 }).txBytes < 10_000, true);
});

Deno.test("nginx on Linux: recv, open, fstat, writev, sendfile, close per request; no body copy", () => {
  const n = linuxServer("web");
  const c = n.counters;
  const reqs = CONNECTIONS * REQUESTS;
  assert.equal(c.sendfileCalls, reqs, "one sendfile per request");
  assert.equal(c.sendfileBytes, reqs * DEFAULT_PAGE_BYTES, "the bodies go by sendfile");
  assert.equal(c.sendfilePages, reqs, "a 1 KiB page in one page-cache page");
  assert.equal(c.fileOps, 3 * reqs, "open + fstat + close per request");
  assert.equal(c.copiesIn, reqs, "one writev (header) per request");
  assert.ok(c.copyInBytes < reqs * 200, `only headers are copied: ${c.copyInBytes}`);
  assert.equal(c.copiesOut, reqs, "one recv per request");
  // Keep-alive: each connection accepted once and served all its requests.
  assert.equal(c.accepts, CONNECTIONS);
  assert.equal(c.epollCtls, CORES + CONNECTIONS, "each worker's listener, each connection");
  const per = n.connectionsPerThread();
  assert.equal(per.reduce((a, b) => a + b, 0), CONNECTIONS);
  assert.equal(per.length, CORES);
});

Deno.test("nginx on Linux: every worker's epoll watches the one listening socket", () => {
  const n = linuxServer("web");
  const listen = n.lockStats().listen;
  assert.equal(listen.locks, 1, "one listening socket shared by every worker");
  // SYN, final ACK (softirq) and accept() of every connection; EAGAIN accepts take it too.
  assert.ok(listen.acquisitions >= 3 * CONNECTIONS);
  assert.equal(n.counters.pipeWrites, 0);
});

Deno.test("memcached on Linux: a dispatcher accepts and hands connections round-robin over pipes", () => {
  const n = linuxServer("memcached");
  const c = n.counters;
  assert.equal(c.accepts, CONNECTIONS, "the dispatcher accepts each connection once");
  assert.equal(c.acceptsEmpty, 0, "only the dispatcher watches the listening socket");
  assert.equal(c.pipeWrites, CONNECTIONS);
  assert.equal(c.pipeReads, CONNECTIONS);
  // One registration of the listener with the dispatcher's epoll, one per handed connection.
  assert.equal(c.epollCtls, 1 + CONNECTIONS);
  const per = n.connectionsPerThread();
  assert.deepEqual(per, [...Array(CORES)].map((_, i) => (i < CONNECTIONS ? 1 : 0)));
  const pipe = n.lockStats().pipe;
  assert.equal(pipe.locks, CORES, "a pipe per worker");
  assert.equal(pipe.acquisitions, 2 * CONNECTIONS, "a write and a read each");
  assert.equal(c.sendfileCalls, 0);
});
