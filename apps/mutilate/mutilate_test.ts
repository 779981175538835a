import assert from "node:assert/strict";
import { Rng } from "../../core/rng.ts";
import { SEC, type Time, US } from "../../core/time.ts";
import { FB_VALUE_HEAD, FB_VALUE_SIZE, GeneralizedPareto } from "../../core/dist.ts";
import { type Generator, parseGenerator } from "./generators.ts";
import { digits, fnv64, KeyGenerator } from "./keys.ts";
import {
  type ConnectionConfig,
  LOADER_CHUNK,
  makeValuePool,
  MutilateConnection,
  perConnectionLambda,
} from "./connection.ts";
import { LogHistogram, MutilateStats } from "./stats.ts";
import { formatReport, header, row, scanHeader, scanRow } from "./report.ts";
import { parseScan, parseSearch, type RunResult, scanTargets, search } from "./search.ts";

const dec = new TextDecoder();
const enc = new TextEncoder();
const POOL = makeValuePool(new Rng(1, "pool"));

function sampleStats(g: Generator, n: number, seed = 1) {
  const rng = new Rng(seed, "gen");
  const xs = new Float64Array(n);
  let sum = 0, sq = 0;
  for (let i = 0; i < n; i++) {
    const x = g.sample(rng);
    xs[i] = x;
    sum += x;
    sq += x * x;
  }
  xs.sort();
  const mean = sum / n;
  return { mean, sd: Math.sqrt(sq / n - mean * mean), xs };
}

Deno.test("generators: parsed like mutilate's createGenerator", () => {
  assert.deepEqual([parseGenerator("30").kind, parseGenerator("30").args], ["fixed", [30]]);
  assert.deepEqual(parseGenerator("1.5").args, [1.5]);
  assert.equal(parseGenerator("0").kind, "fixed");
  assert.throws(() => parseGenerator("0.5"), /unable to create/); // atoi("0.5") == 0
  assert.throws(() => parseGenerator("bogus:1"), /unable to create/);
  assert.deepEqual(parseGenerator("fb_key").args, [30.7984, 8.20449, 0.078688]);
  assert.deepEqual(parseGenerator("fb_ia").args, [0, 16.0292, 0.154971]);
  assert.equal(parseGenerator("fb_value").kind, "fb_value");
  assert.deepEqual(parseGenerator("exponential").args, [0]);
  assert.deepEqual(parseGenerator("exponential:2").args, [2]);
  assert.deepEqual(parseGenerator("pareto:15,214.476,0.348238").args, [15, 214.476, 0.348238]);
  assert.deepEqual(parseGenerator("gev:1,2,0.1").kind, "gev");
  assert.deepEqual(parseGenerator("normal:5").args, [5, 0, 0]);
  assert.deepEqual(parseGenerator("uniform:8").args, [8]);
  assert.throws(() => parseGenerator("pareto:1,2"), /shape/);
  assert.throws(() => parseGenerator("gev:1,2,0.1").withLambda(10), /set_lambda/);
});

Deno.test("generators: fb_ia as -i has mean 1/lambda and CV ~1.20 (shape only)", () => {
  const lambda = 20_000; // per second
  const g = parseGenerator("fb_ia").withLambda(lambda);
  const k = 0.154971;
  assert.ok(Math.abs(g.mean - 1 / lambda) < 1e-15);
  const cv = 1 / Math.sqrt(1 - 2 * k); // generalized Pareto: sd/mean = 1/sqrt(1-2k) at loc 0
  assert.ok(Math.abs(cv - 1.2038) < 1e-3);
  const { mean, sd } = sampleStats(g, 400_000);
  assert.ok(Math.abs(mean * lambda - 1) < 0.01, `mean ${mean * lambda}/lambda`);
  assert.ok(Math.abs(sd / mean - cv) < 0.03, `CV ${sd / mean}`);
  // Exponential: CV 1; fixed: exactly 1/lambda; qps 0 (lambda 0): gap 0.
  const e = sampleStats(parseGenerator("exponential").withLambda(lambda), 200_000);
  assert.ok(Math.abs(e.mean * lambda - 1) < 0.01 && Math.abs(e.sd / e.mean - 1) < 0.02);
  assert.equal(parseGenerator("10").withLambda(4).sample(new Rng(1)), 0.25);
  assert.equal(parseGenerator("fb_ia").withLambda(0).sample(new Rng(1)), 0);
});

Deno.test("generators: fb_value head sizes at their probabilities, tail from loc 15", () => {
  const n = 300_000;
  const { xs, mean } = sampleStats(parseGenerator("fb_value"), n, 3);
  const counts = new Map<number, number>();
  for (const x of xs) if (x < 15) counts.set(x, (counts.get(x) ?? 0) + 1);
  for (const [p, v] of FB_VALUE_HEAD) {
    const got = (counts.get(v) ?? 0) / n;
    assert.ok(Math.abs(got - p) <= 5 * Math.sqrt((p * (1 - p)) / n) + 1e-5, `P(${v})=${got}`);
  }
  assert.equal([...counts.keys()].every((v) => Number.isInteger(v)), true);
  const head = FB_VALUE_HEAD.reduce((s, [p]) => s + p, 0);
  const tail = new GeneralizedPareto(FB_VALUE_SIZE.loc, FB_VALUE_SIZE.scale, FB_VALUE_SIZE.shape);
  const median = tail.quantile((0.5 - head) / (1 - head));
  assert.ok(Math.abs(xs[n / 2] / median - 1) < 0.02, `median ${xs[n / 2]} vs ${median}`);
  assert.ok(Math.abs(mean / 194 - 1) < 0.04, `mean ${mean}`); // heavy tail: loose
});

Deno.test("keys: FNV-1a 64 of the index, length fixed per key, zero-padded", () => {
  assert.equal(fnv64(0), 0xa8c7f832281a39c5n); // FNV-1a over 8 zero bytes
  assert.equal(fnv64(1234567), 0xc2d962cf22f38812n);
  assert.equal(digits(10000), 5);
  assert.equal(digits(9999), 4);
  const keys = new KeyGenerator(parseGenerator("fb_key"), 10000, new Rng(1));
  const again = new KeyGenerator(parseGenerator("fb_key"), 10000, new Rng(2));
  let sum = 0;
  for (let i = 0; i < 10000; i++) {
    const k = keys.key(i);
    assert.equal(k, again.key(i)); // U comes from the index, not the stream
    assert.equal(Number(k), i);
    assert.ok(k.length >= 5);
    sum += k.length;
  }
  // Mean of round(GEV) over fixed per-key U: near the fb_key mean ~36.2.
  assert.ok(Math.abs(sum / 10000 - 36.2) < 0.5, `mean key length ${sum / 10000}`);
  const short = new KeyGenerator(parseGenerator("2"), 1000, new Rng(1));
  assert.equal(short.key(7), "0007"); // max(round(2), digits(1000) = 4)
});

// ---------------------------------------------------------------------------
// A tiny event loop: one connection, a server that answers each request after
// `serviceUs` (FIFO, one at a time when `serial`), get hits or misses by `hit`.

interface Sent {
  at: Time;
  text: string;
}

interface LoopOptions {
  qps: number;
  depth?: number;
  update?: number;
  serviceUs: (i: number) => number;
  serial?: boolean;
  durationUs: number;
  ia?: string;
  records?: number;
  hit?: boolean;
  sampling?: boolean;
}

function runLoop(o: LoopOptions) {
  const sent: Sent[] = [];
  const cfg: ConnectionConfig = {
    keys: new KeyGenerator(parseGenerator("fb_key"), o.records ?? 1000, new Rng(1, "keys")),
    valueSize: parseGenerator("fb_value"),
    interarrival: parseGenerator(o.ia ?? "fb_ia"),
    lambda: perConnectionLambda(o.qps, 1),
    depth: o.depth ?? 1,
    update: o.update ?? 0,
    sampling: o.sampling ?? true,
    valuePool: POOL,
  };
  const replies: { at: Time; bytes: Uint8Array }[] = [];
  let now = 0;
  let serverFree = 0;
  const conn = new MutilateConnection(cfg, new Rng(7, "conn0"), (b, off, len) => {
    const text = dec.decode(b.subarray(off, off + len));
    const i = sent.length;
    sent.push({ at: now, text });
    const begin = o.serial ? Math.max(now, serverFree) : now;
    const done = begin + Math.round(o.serviceUs(i) * US);
    serverFree = done;
    const reply = text.startsWith("get ")
      ? (o.hit ? `VALUE ${text.slice(4, -2)} 0 3\r\nabc\r\nEND\r\n` : "END\r\n")
      : "STORED\r\n";
    replies.push({ at: done, bytes: enc.encode(reply) });
  });
  conn.start(0, o.durationUs * US);
  for (;;) {
    const timer = conn.nextWakeup();
    let ri = -1;
    for (let i = 0; i < replies.length; i++) {
      if (ri < 0 || replies[i].at < replies[ri].at) ri = i;
    }
    const replyAt = ri < 0 ? Infinity : replies[ri].at;
    const t = Math.min(timer ?? Infinity, replyAt);
    if (t === Infinity || t > conn.endTime) break;
    now = t;
    if (replyAt <= (timer ?? Infinity)) {
      const r = replies.splice(ri, 1)[0];
      conn.onData(now, r.bytes, 0, r.bytes.length);
    } else conn.onTimer(now);
  }
  conn.stop();
  return { conn, sent };
}

Deno.test("engine: the open-loop schedule ignores reply timing while depth is free", () => {
  const base = { qps: 20_000, depth: 64, durationUs: 50_000 };
  const fast = runLoop({ ...base, serviceUs: () => 5 });
  const slow = runLoop({ ...base, serviceUs: () => 100 }); // ~2 outstanding on average
  assert.ok(fast.sent.length > 800);
  assert.deepEqual(slow.sent.map((s) => s.at), fast.sent.map((s) => s.at));
  assert.deepEqual(slow.sent.map((s) => s.text), fast.sent.map((s) => s.text));
  assert.ok(Math.abs(fast.conn.stats.get.average() - 5) < 1e-9);
  assert.ok(Math.abs(slow.conn.stats.get.average() - 100) < 1e-9);
  // Issue times follow next_time += gap: mean gap 1/lambda = 50 us.
  const meanGap = fast.sent[fast.sent.length - 1].at / (fast.sent.length - 0.5) / US;
  assert.ok(Math.abs(meanGap - 50) < 5, `mean gap ${meanGap}`);
});

Deno.test("engine: with depth full the sends wait, then go back to back at the reply", () => {
  // Fixed gap 10 us (qps 100k, -i fixed), depth 2, every reply takes 35 us.
  const r = runLoop({ qps: 100_000, ia: "1", depth: 2, serviceUs: () => 35, durationUs: 200 });
  const at = r.sent.map((s) => s.at / US);
  // 10, 20 sent on schedule; depth full until the reply at 45, which frees one slot:
  // the send due at 30 goes at 45, the one due at 40 waits for the reply at 55 ...
  assert.deepEqual(at.slice(0, 6), [10, 20, 45, 55, 80, 90]);
  // Latency runs from the actual send: every op took exactly 35 us.
  assert.equal(r.conn.stats.get.average(), 35);
  // Slower replies now do change issue times (closed loop when depth binds).
  const slower = runLoop({ qps: 100_000, ia: "1", depth: 2, serviceUs: () => 50, durationUs: 200 });
  assert.notDeepEqual(slower.sent.map((s) => s.at / US).slice(0, 6), at.slice(0, 6));
});

Deno.test("engine: replies freeing several slots at once release overdue sends back to back", () => {
  const sent: number[] = [];
  let now = 0;
  const conn = makeConn(() => sent.push(now / US), {
    interarrival: parseGenerator("1"),
    lambda: 100_000,
    depth: 2,
  });
  conn.start(0, SEC);
  for (let i = 0; i < 2; i++) {
    now = conn.nextWakeup()!;
    conn.onTimer(now);
  }
  assert.deepEqual(sent, [10, 20]);
  now = 100 * US;
  const two = enc.encode("END\r\nEND\r\n");
  conn.onData(now, two, 0, two.length);
  assert.deepEqual(sent, [10, 20, 100, 100]); // due at 30 and 40, sent at the same instant
  assert.equal(conn.stats.get.average(), 85); // (90 + 80) / 2: from the actual sends
});

Deno.test("engine: the schedule never resets - overdue sends catch up back to back", () => {
  // Fixed 10 us gap, depth 4, the first reply takes 100 us, the rest 1 us.
  const r = runLoop({
    qps: 100_000,
    ia: "1",
    depth: 4,
    serviceUs: (i) => (i === 0 ? 100 : 1),
    serial: true,
    durationUs: 300,
  });
  const at = r.sent.map((s) => s.at / US);
  // 10, 20, 30, 40 fill the depth; the server is busy until 110, then the queued three
  // finish at 111, 112, 113; each reply frees a slot and an overdue send goes at once.
  assert.deepEqual(at.slice(0, 4), [10, 20, 30, 40]);
  assert.deepEqual(at.slice(4, 11), [110, 111, 112, 113, 114, 115, 116]);
  // Caught up by 120 (next_time reached 120 after 11 sends): back on the grid.
  assert.equal(at[11], 120);
  assert.equal(at[12], 130);
});

Deno.test("engine: wire requests, get/set choice, misses and byte counts", () => {
  const r = runLoop({
    qps: 10_000,
    ia: "1",
    update: 0.25,
    serviceUs: () => 3,
    durationUs: 20_000,
    hit: false,
  });
  const gets = r.sent.filter((s) => s.text.startsWith("get "));
  const sets = r.sent.filter((s) => s.text.startsWith("set "));
  assert.equal(gets.length + sets.length, r.sent.length);
  assert.equal(r.sent.length, 200);
  assert.ok(Math.abs(sets.length / 200 - 0.25) < 0.1);
  for (const g of gets) assert.match(g.text, /^get \d{3,255}\r\n$/);
  for (const s of sets) {
    const m = /^set (\d+) 0 0 (\d+)\r\n([a-z]*)\r\n$/.exec(s.text);
    assert.ok(m !== null, JSON.stringify(s.text.slice(0, 40)));
    assert.equal(m[3].length, Number(m[2]));
  }
  const st = r.conn.stats;
  // All but possibly the last request were answered before the end.
  assert.ok(st.gets + st.sets >= r.sent.length - 1 && st.gets <= gets.length);
  assert.ok(st.sets <= sets.length);
  assert.equal(st.getMisses, st.gets); // every get answered END
  const tx = r.sent.reduce((s, x) => s + enc.encode(x.text).length, 0);
  assert.equal(st.txBytes, tx);
  // RX counts lines without their CRLF: END = 3, STORED = 6.
  assert.equal(st.rxBytes, 3 * st.gets + 6 * st.sets);
  assert.equal(st.badReplies, 0);
  // Agents never sample latency, but count.
  const agent = runLoop({
    qps: 10_000,
    ia: "1",
    serviceUs: () => 3,
    durationUs: 1000,
    sampling: false,
  });
  assert.equal(agent.conn.stats.gets, 9); // sends at 100..1000 us; the last reply is after the end
  assert.equal(agent.conn.stats.get.count, 0);
  assert.equal(agent.conn.stats.opq.count, 0);
});

function makeConn(send: (t: string) => void, o: Partial<ConnectionConfig> = {}) {
  return new MutilateConnection(
    {
      keys: new KeyGenerator(parseGenerator("10"), 3000, new Rng(1)),
      valueSize: parseGenerator("4"),
      interarrival: parseGenerator("exponential"),
      lambda: 0,
      depth: 1,
      update: 0,
      sampling: true,
      valuePool: POOL,
      ...o,
    },
    new Rng(3, "c"),
    (b, off, len) => send(dec.decode(b.subarray(off, off + len))),
  );
}

Deno.test("engine: VALUE..END replies split anywhere; hits are not misses", () => {
  const sent: string[] = [];
  const conn = makeConn((t) => sent.push(t));
  conn.start(0, SEC); // qps 0: gap 0, depth-limited
  assert.equal(sent.length, 1);
  assert.match(sent[0], /^get \d{10}\r\n$/);
  const reply = enc.encode(`VALUE ${sent[0].slice(4, -2)} 0 5\r\nab\r\nd\r\nEND\r\n`);
  for (let i = 0; i < reply.length; i++) conn.onData(7 * US, reply, i, 1); // one byte at a time
  assert.equal(conn.stats.gets, 1);
  assert.equal(conn.stats.getMisses, 0);
  assert.equal(conn.stats.get.average(), 7);
  // VALUE line (w/o CRLF) + 5 data + 2 + END line.
  assert.equal(conn.stats.rxBytes, `VALUE ${sent[0].slice(4, -2)} 0 5`.length + 7 + 3);
  assert.equal(sent.length, 2); // next request at once (qps 0)
  // Garbage is counted, never thrown.
  conn.onData(8 * US, enc.encode("VALUE k 0 x\r\nWHAT\r\n"), 0, 19);
  assert.equal(conn.stats.badReplies, 2);
  conn.onData(9 * US, enc.encode("END\r\n"), 0, 5);
  assert.equal(conn.stats.getMisses, 1);
  conn.onData(9 * US, enc.encode("x".repeat(5000) + "\r\n"), 0, 5002);
  assert.equal(conn.stats.badReplies, 3);
});

Deno.test("engine: preload sets keys 0..r-1 with at most 1024 in flight, untimed", () => {
  const sent: string[] = [];
  const conn = makeConn((t) => sent.push(t));
  conn.startLoading(0);
  assert.equal(sent.length, LOADER_CHUNK);
  assert.equal(conn.outstanding, LOADER_CHUNK);
  assert.equal(conn.idle, false);
  let answered = 0;
  while (conn.outstanding > 0) {
    conn.onData(US, enc.encode("STORED\r\n"), 0, 8);
    answered++;
    assert.ok(conn.outstanding <= LOADER_CHUNK);
  }
  assert.equal(answered, 3000);
  assert.ok(conn.idle);
  assert.deepEqual(
    sent.map((s) => Number(/^set (\d+) /.exec(s)![1])),
    Array.from({ length: 3000 }, (_, i) => i),
  );
  assert.equal(sent[5], "set 0000000005 0 0 4\r\n" + sent[5].slice(22, 26) + "\r\n");
  assert.equal(conn.stats.txBytes, 0); // loading TX is not counted
  assert.equal(conn.stats.sets, 0);
  assert.equal(conn.stats.set.count, 0);
});

Deno.test("engine: no sends after start + t; stop drops outstanding; warm-up reset", () => {
  const sent: number[] = [];
  let now = 0;
  const conn = makeConn(() => sent.push(now), {
    interarrival: parseGenerator("1"),
    lambda: 100_000,
    depth: 4,
  });
  conn.start(0, 35 * US);
  while (conn.nextWakeup() !== null && conn.nextWakeup()! <= 100 * US) {
    now = conn.nextWakeup()!;
    conn.onTimer(now);
  }
  assert.deepEqual(sent, [10, 20, 30].map((x) => x * US)); // 40 > 35: not sent
  assert.equal(conn.outstanding, 3);
  assert.throws(() => conn.reset());
  for (let i = 0; i < 3; i++) conn.onData(50 * US, enc.encode("END\r\n"), 0, 5);
  assert.equal(conn.stats.gets, 3);
  conn.reset();
  assert.equal(conn.stats.gets, 0);
  assert.equal(conn.stats.get.count, 0);
  now = 1000 * US;
  conn.start(now, 15 * US); // a fresh schedule from the new start
  now = conn.nextWakeup()!;
  assert.equal(now, 1010 * US);
  conn.onTimer(now);
  conn.stop();
  assert.equal(conn.outstanding, 0);
  assert.equal(conn.nextWakeup(), null);
  conn.onData(now + US, enc.encode("END\r\n"), 0, 5);
  assert.equal(conn.stats.gets, 0); // dropped
});

Deno.test("engine: op_q samples outstanding including the new op", () => {
  const r = runLoop({ qps: 100_000, ia: "1", depth: 2, serviceUs: () => 15, durationUs: 100 });
  // Sends at 10 (1 out), 20 (2 out), then each reply frees one and a send makes it 2.
  const h = r.conn.stats.opq;
  assert.equal(h.bins[0], 1); // value 1: bin 0
  assert.equal(h.bins[7], h.count - 1); // value 2: bin floor(ln 2 / ln 1.1) = 7
});

Deno.test("stats: log bins, interpolated percentiles, exact avg and population std", () => {
  const h = new LogHistogram(200);
  for (const x of [0.5, 10, 10, 10, 100]) h.sample(x);
  assert.equal(h.bins[0], 1);
  const b10 = Math.floor(Math.log(10) / Math.log(1.1)); // 24
  assert.equal(b10, 24);
  assert.equal(h.bins[24], 3);
  assert.equal(h.average(), 130.5 / 5);
  const m = 130.5 / 5;
  const pop = Math.sqrt((0.25 + 300 + 10000) / 5 - m * m);
  assert.ok(Math.abs(h.stddev() - pop) < 1e-9);
  assert.equal(h.min(), 1); // lower edge of bin 0
  // 50th: target 2.5 of 5; bin 24 holds samples 2..4: 1.5 of 3 into it.
  const lo = 1.1 ** 24, hi = 1.1 ** 25;
  assert.ok(Math.abs(h.percentile(50) - (lo + (1.5 / 3) * (hi - lo))) < 1e-9);
  h.sample(1e12); // beyond the top bin: counted in the last
  assert.equal(h.bins[200], 1);
  assert.equal(h.percentile(100), 1.1 ** 201);
});

Deno.test("report: mutilate's layout with a 50th column, MB = 2^20", () => {
  const s = new MutilateStats();
  for (const x of [10, 20, 30, 40]) s.get.sample(x);
  s.set.sample(50);
  s.opq.sample(1);
  s.gets = 4;
  s.sets = 1;
  s.getMisses = 1;
  s.rxBytes = 3 * 1024 * 1024;
  s.txBytes = 1024;
  const text = formatReport({ stats: s, seconds: 2, peakQps: 1234.5 });
  const lines = text.split("\n");
  assert.equal(
    lines[0],
    "#type       avg     std     min     5th    10th    50th    90th    95th    99th",
  );
  assert.equal(header(), lines[0]);
  assert.ok(lines[1].startsWith("read       25.0    11.2     9.8 "), lines[1]);
  assert.equal(lines[1].length, lines[0].length);
  assert.equal(lines[2], row("update", s.set));
  assert.ok(lines[3].startsWith("op_q        1.0     0.0     1.0 "), lines[3]);
  assert.deepEqual(lines.slice(4), [
    "",
    "Total QPS = 2.5 (5 / 2.0s)",
    "Peak QPS  = 1234.5",
    "",
    "Misses = 1 (25.0%)",
    "Skipped TXs = 0 (0.0%)",
    "",
    "RX    3145728 bytes :    1.5 MB/s",
    "TX       1024 bytes :    0.0 MB/s",
    "",
  ]);
  assert.ok(row("update", new MutilateStats().set).startsWith("update      0.0     0.0"));
  assert.ok(scanRow(s, 2, 5000).endsWith("      2.5     5000"));
  assert.ok(scanHeader().startsWith("#type       avg     min     1st "));
  assert.ok(scanHeader().endsWith("     QPS   target"));
});

Deno.test("search: finds the knee of an M/M/1-like server; scan targets", () => {
  const mu = 100_000; // capacity, requests/s
  const runs: number[] = [];
  // p99 of M/M/1 response time = ln(100) / (mu - lambda); saturated: very large.
  const run = (q: number): RunResult => {
    runs.push(q);
    const achieved = q === 0 || q >= mu ? mu : q;
    const p99 = q === 0 || q >= mu ? 1e6 : (Math.log(100) / (mu - q)) * 1e6;
    return { achievedQps: achieved, latencyUs: p99 };
  };
  const bound = 100;
  const knee = mu - Math.log(100) / (bound * 1e-6); // ~53948
  const out = search(bound, run);
  assert.equal(out.peakQps, mu);
  assert.ok(out.met);
  assert.ok(out.last.latencyUs <= bound);
  assert.ok(out.last.achievedQps <= knee && out.last.achievedQps > knee * 0.98);
  assert.equal(runs[0], 0);
  assert.equal(runs[1], Math.trunc((mu + 1) / 2));
  assert.equal(out.steps.length, runs.length);
  // Already under the bound at peak: one run.
  assert.equal(search(2e6, run).steps.length, 1);
  // An SLA nothing meets: the 0.1 P floor stops the search unmet.
  const hopeless = search(1, run);
  assert.equal(hopeless.met, false);
  assert.ok(hopeless.last.achievedQps <= mu * 0.1 * 1.03);
  assert.deepEqual(scanTargets(1000, 3000, 1000), [1000, 2000, 3000]);
  assert.deepEqual(parseSearch("99:500"), { percentile: 99, boundUs: 500 });
  assert.equal(parseSearch("99"), null);
  assert.deepEqual(parseScan("1:9:2"), { min: 1, max: 9, step: 2 });
});
