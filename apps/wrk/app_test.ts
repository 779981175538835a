import assert from "node:assert/strict";
import { MS, US } from "../../core/time.ts";
import { FakeClientHost } from "../clients/loadgen_testing.ts";
import { X86_LOADGEN_COSTS } from "../clients/loadgen.ts";
import { SETTLE_POLL, WrkApp, WrkLoad, type WrkLoadConfig } from "./app.ts";
import { parseUrl } from "./http.ts";

const SERVER = { addr: 0x0a000001, port: 80 };
const OK = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
const REQUEST = "GET /index.html HTTP/1.1\r\nHost: 10.0.0.1\r\n\r\n";

function setup(o: Partial<WrkLoadConfig> = {}, cores = 2) {
  const url = "http://10.0.0.1/index.html";
  const load = new WrkLoad({
    options: { connections: 4, threads: 2, durationS: 1, timeoutMs: 2000, latency: true },
    url,
    target: parseUrl(url)!,
    server: SERVER,
    hosts: 1,
    warmup: 0,
    duration: 10 * MS,
    ...o,
  });
  const host = new FakeClientHost(cores);
  host.app = new WrkApp(load, 0, host.env);
  return { load, host };
}

Deno.test("wrk app: floor(c/t) connections per thread, one thread per core, request on connect", () => {
  const { load, host } = setup({
    options: { connections: 5, threads: 2, durationS: 1, timeoutMs: 2000, latency: false },
  });
  let measured = -1;
  load.onMeasure = (t) => measured = t;
  host.start();
  assert.deepEqual(host.apis.map((a) => a.connects.length), [2, 2]); // floor(5/2) each
  assert.equal(measured, -1, "the window waits for every connection");
  assert.equal(host.apis[0].connects[0].remote, SERVER);
  // Tick and settle-poll timers asked for on both cores.
  assert.deepEqual(host.apis[0].timers.map((t) => t.tag).sort(), [0, 3]);
  const [[a, b], [c, e]] = host.acceptAll();
  for (const [core, conn] of [[0, a], [0, b], [1, c]]) {
    assert.deepEqual(host.sentText(core, conn), [REQUEST]);
  }
  assert.equal(host.ctx.cycles, 4 * X86_LOADGEN_COSTS.request);
  // No warm-up: the window opens once every connection has had its first answer.
  host.time = 10 * US;
  for (const [core, conn] of [[0, a], [0, b], [1, c]] as const) host.reply(core, conn, OK);
  assert.equal(load.measureAt, -1, "one connection still unanswered");
  host.reply(1, e, OK);
  assert.ok(
    load.measureAt > 10 * US && load.measureAt < SETTLE_POLL,
    `window at ${load.measureAt}`,
  );
  host.runTimers(SETTLE_POLL);
  assert.equal(measured, SETTLE_POLL, "seen at the first settle poll");
  assert.ok(host.apis[0].timers.some((t) => t.tag === 2 && t.at === load.stopAt), "stop asked for");
  assert.deepEqual(host.violations(), []);
});

Deno.test("wrk app: replies complete requests, latency includes client work, closed loop", () => {
  const { load, host } = setup({}, 1);
  host.start();
  const [ids] = host.acceptAll();
  host.time = 100 * US;
  host.reply(0, ids[0], OK);
  assert.deepEqual(host.sentText(0, ids[0]), [REQUEST, REQUEST]);
  const t0 = load.run.threads[0];
  assert.equal(t0.complete, 1);
  assert.equal(t0.bytes, OK.length);
  // Sent at 0 plus the request's formatting; parsed at 100 us plus the response's work.
  const lat = load.run.latency;
  assert.equal(lat.count, 1);
  const expected = 100 + X86_LOADGEN_COSTS.response / 2600;
  assert.ok(Math.abs(lat.max - expected) <= 1, `latency ${lat.max} us, expected ~${expected}`);
  // Two replies in one event: two completions, each charged.
  const before = host.ctx.cycles;
  host.reply(0, ids[1], OK + OK);
  // (the second reply answers the request the first one re-armed, as in wrk)
  assert.equal(
    host.ctx.cycles - before,
    2 * (X86_LOADGEN_COSTS.response + X86_LOADGEN_COSTS.request),
  );
  assert.equal(load.run.threads[0].complete + load.run.threads[1].complete, 3);
  assert.deepEqual(host.violations(), []);
});

Deno.test("wrk app: refused, reset and bad replies are read errors and reconnect", () => {
  const { load, host } = setup({}, 1);
  host.start();
  host.refuse(0);
  assert.equal(host.apis[0].connects.length, 4); // 3 left + the reconnect
  const [ids] = host.acceptAll();
  host.cleanup(0, ids[0], "reset");
  host.reply(0, ids[1], "HTTX/1.1 200 OK\r\n\r\n");
  assert.equal(host.apis[0].conns.get(ids[1])!.closed, true);
  host.remoteClosed(0, ids[2]); // EOF with the request unanswered
  assert.equal(host.apis[0].conns.get(ids[2])!.closed, true);
  // Our close's cleanup is not another error.
  host.cleanup(0, ids[1], "timeout");
  const errs = load.summary().errors;
  assert.equal(errs.read, 4);
  assert.equal(errs.connect + errs.write + errs.timeout + errs.status, 0);
  assert.equal(host.apis[0].connects.length, 3); // one reconnect per failure after the accepts
  const [again] = host.acceptAll();
  for (const id of again) assert.deepEqual(host.sentText(0, id), [REQUEST]);
  assert.deepEqual(host.violations(), []);
});

Deno.test("wrk app: warm-up samples are left out; nothing is sent after the stop", () => {
  const { load, host } = setup({ warmup: 1 * MS, duration: 2 * MS }, 1);
  const marks: string[] = [];
  load.onMeasure = (t) => marks.push(`measure@${t / US}`);
  load.onStop = (t) => marks.push(`stop@${t / US}`);
  host.start();
  const [ids] = host.acceptAll();
  host.time = 500 * US;
  for (const id of ids) host.reply(0, id, OK); // warm-up: every connection answered once
  host.runTimers(1 * MS);
  host.time = 1500 * US;
  host.reply(0, ids[1], OK + "HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n"); // window
  host.runTimers(3 * MS);
  const sent = host.sentText(0, ids[2]).length;
  host.reply(0, ids[2], OK); // after the stop: ignored
  assert.equal(host.sentText(0, ids[2]).length, sent);
  assert.deepEqual(marks, ["measure@1000", "stop@3000"]);
  const s = load.summary();
  // The window's two replies (the 500 answers the request the first re-armed).
  assert.equal(s.complete, 2);
  assert.equal(s.errors.status, 1);
  assert.equal(s.raw.count, 2);
  assert.equal(s.runtimeUs, 2000);
  assert.deepEqual(host.violations(), []);
});
