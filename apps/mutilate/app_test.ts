import assert from "node:assert/strict";
import { MS, SEC, US } from "../../core/time.ts";
import { FakeClientHost } from "../clients/loadgen_testing.ts";
import { X86_LOADGEN_COSTS } from "../clients/loadgen.ts";
import { MutilateApp, MutilateLoad, type MutilateLoadConfig, SYNC_INTERVAL } from "./app.ts";
import { parseGenerator } from "./generators.ts";

const SERVER = { addr: 0x0a000001, port: 11211 };

function config(o: Partial<MutilateLoadConfig> = {}): MutilateLoadConfig {
  return {
    server: SERVER,
    hosts: 1,
    qps: 30_000,
    connections: 1,
    depth: 4,
    threads: 2,
    measureConns: 1,
    keySize: parseGenerator("10"),
    valueSize: parseGenerator("20"),
    interarrival: parseGenerator("exponential"),
    records: 5,
    update: 0,
    warmup: 0,
    duration: 2 * MS,
    seed: 7,
    ...o,
  };
}

function setup(o: Partial<MutilateLoadConfig> = {}, cores = 2) {
  const load = new MutilateLoad(config(o));
  const host = new FakeClientHost(cores);
  host.app = new MutilateApp(load, 0, host.env);
  return { load, host };
}

/** Answers every unanswered request on every connection (gets miss, sets store). */
function serve(host: FakeClientHost, answered: Map<number, number>): number {
  let n = 0;
  host.apis.forEach((api, core) => {
    for (const [conn, c] of api.conns) {
      const from = answered.get(conn) ?? 0;
      let out = "";
      for (const s of c.sends.slice(from)) {
        const text = new TextDecoder().decode(s.bytes);
        out += text.startsWith("get ") ? "END\r\n" : "STORED\r\n";
        n++;
      }
      answered.set(conn, c.sends.length);
      if (out !== "" && !c.closed) host.reply(core, conn, out);
    }
  });
  return n;
}

Deno.test("mutilate app: connects master and agent connections, loads once, then starts on the grid", () => {
  const { load, host } = setup();
  host.start();
  // Master's 1 connection on core 0; agent threads 0 and 1 on cores 0 and 1.
  assert.deepEqual(host.apis.map((a) => a.connects.length), [2, 1]);
  assert.equal(load.totalConnections, 3);
  assert.equal(load.lambda, 10_000);
  const ids = host.acceptAll();
  // The first connection on the master's host loads keys 0..4.
  const loads = host.sentText(0, ids[0][0]);
  assert.deepEqual(
    loads.map((t) => t.split("\r\n")[0]),
    [0, 1, 2, 3, 4].map((k) => `set ${String(k).padStart(10, "0")} 0 0 20`),
  );
  assert.equal(host.sentText(0, ids[0][1]).length, 0);
  assert.equal(load.readyAt, -1);
  host.time = 30 * US;
  serve(host, new Map());
  // Ready when the last reply is read (30 us plus the client's parsing).
  assert.ok(load.readyAt > 30 * US && load.readyAt < 31 * US, `${load.readyAt}`);
  assert.equal(load.startAt, SYNC_INTERVAL); // the next grid point
  assert.equal(load.measureAt, load.startAt); // no warm-up
  assert.deepEqual(host.violations(), []);
});

Deno.test("mutilate app: open-loop sends on the schedule whether or not replies come", () => {
  const { load, host } = setup({ depth: 1000 });
  let measured = -1;
  load.onMeasure = (t) => measured = t;
  host.start();
  const ids = host.acceptAll();
  serve(host, new Map());
  host.runTimers(load.startAt);
  assert.equal(measured, load.startAt);
  const loadSends = host.sentText(0, ids[0][0]).length;
  // No replies at all for 1 ms: the agents keep sending at lambda = 10k/s each.
  host.runTimers(load.startAt + 1 * MS);
  const agent = host.sentText(0, ids[0][1]).concat(host.sentText(1, ids[1][0]));
  assert.ok(agent.length >= 10 && agent.length <= 40, `${agent.length} agent sends in 1 ms`);
  for (const t of agent) assert.match(t, /^get \d{10}\r\n$/);
  // The master (depth 1) sent one and waits for its reply.
  assert.equal(host.sentText(0, ids[0][0]).length - loadSends, 1);
  assert.deepEqual(host.violations(), []);
});

Deno.test("mutilate app: misses, master-only latency, client work, stop drops the rest", () => {
  const { load, host } = setup({ depth: 4 });
  let stopped = -1;
  load.onStop = (t) => stopped = t;
  host.start();
  host.acceptAll();
  const answered = new Map<number, number>();
  serve(host, answered);
  let t = load.startAt;
  while (t < load.startAt + 3 * MS) {
    host.runTimers(t);
    host.time = t + 20 * US;
    serve(host, answered);
    t += 50 * US;
  }
  assert.ok(stopped >= load.stopAt);
  assert.equal(load.stopAt, load.startAt + 2 * MS + 1);
  const s = load.stats();
  assert.ok(s.gets > 40, `${s.gets} gets`);
  assert.equal(s.getMisses, s.gets); // the fake server has nothing
  assert.equal(s.sets, 0);
  // Latency only from the master's connection (a third of the traffic).
  assert.ok(s.get.count > 0 && s.get.count < s.gets * 0.6, `${s.get.count} of ${s.gets}`);
  // Every get waited 20 us plus less than a scheduling step (or a timer's lag).
  assert.ok(s.get.percentile(50) >= 20 && s.get.percentile(99) < 80, `${s.get.percentile(99)}`);
  const sends = [...host.apis].reduce((n, a) => {
    for (const c of a.conns.values()) n += c.sends.length;
    return n;
  }, 0);
  assert.ok(host.ctx.cycles >= sends * X86_LOADGEN_COSTS.request);
  // After the stop nothing more goes out.
  host.runTimers(load.startAt + 10 * MS);
  serve(host, answered);
  const after = [...host.apis].reduce((n, a) => {
    for (const c of a.conns.values()) n += c.sends.length;
    return n;
  }, 0);
  assert.equal(after, sends);
  assert.deepEqual(host.violations(), []);
});

Deno.test("mutilate app: warm-up waits for idle connections, then resets and measures", () => {
  const { load, host } = setup({ warmup: 1 * MS, duration: 1 * MS });
  host.start();
  host.acceptAll();
  const answered = new Map<number, number>();
  serve(host, answered);
  host.runTimers(load.startAt + 1 * MS + SYNC_INTERVAL);
  // Replies still owed from the warm-up: no window yet.
  assert.equal(load.measureAt, -1);
  host.time += 5 * US;
  serve(host, answered);
  host.runTimers(host.time + 2 * SYNC_INTERVAL);
  assert.ok(load.measureAt > load.startAt + 1 * MS, `${load.measureAt}`);
  assert.equal(load.stats().gets, 0); // counters reset at the window's start
  assert.deepEqual(host.violations(), []);
});

Deno.test("mutilate app: refused connects and closed connections count as errors and end", () => {
  const { load, host } = setup({ noload: true });
  host.start();
  host.refuse(1);
  const ids = host.acceptAll();
  assert.ok(load.readyAt >= 0); // everything settled, nothing to load
  host.remoteClosed(0, ids[0][1]);
  assert.equal(host.apis[0].conns.get(ids[0][1])!.closed, true);
  host.cleanup(0, ids[0][1], "closed");
  assert.equal(load.errors, 2);
  host.runTimers(load.startAt + 1 * MS);
  assert.equal(host.sentText(0, ids[0][1]).length, 0);
  assert.ok(host.sentText(0, ids[0][0]).length > 0);
  assert.deepEqual(host.violations(), []);
});

Deno.test("mutilate app: requests wait for room in the connection's memory until acked", () => {
  // Huge values on a depth-64 unpaced agent: the 8 KiB ring fills.
  const { host } = setup({
    qps: 0,
    depth: 64,
    threads: 1,
    measureConns: 0,
    update: 1,
    valueSize: parseGenerator("3000"),
    noload: true,
  }, 1);
  host.start();
  const [[id]] = host.acceptAll();
  host.runTimers(SEC);
  const conn = host.apis[0].conns.get(id)!;
  assert.equal(conn.sends.length, 2); // 2 x ~3 KB fit, the rest wait
  host.acked(0, id, conn.sends[0].token);
  assert.equal(conn.sends.length, 3);
  host.acked(0, id, conn.sends[2].token);
  assert.equal(conn.sends.length, 5);
  for (const s of conn.sends) {
    assert.match(new TextDecoder().decode(s.bytes), /^set \d+ 0 0 3000\r\n/);
  }
  assert.deepEqual(host.violations(), []);
});
