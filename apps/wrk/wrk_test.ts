import assert from "node:assert/strict";
import { type Time, US } from "../../core/time.ts";
import { WrkConnection, type WrkOptions, WrkRun } from "./connection.ts";
import { defaultRequest, parseUrl, type Response, ResponseParser } from "./http.ts";
import { parseWrkArgs, scanTime } from "./options.ts";
import { formatBinary, formatTimeUs, formatWrkReport, summarize } from "./report.ts";
import { correctionInterval, WrkStats } from "./stats.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const OPTS: WrkOptions = {
  connections: 2,
  threads: 1,
  durationS: 1,
  timeoutMs: 2000,
  latency: true,
};

Deno.test("request: wrk.lua's default GET with Host exactly as built", () => {
  const req = defaultRequest(parseUrl("http://10.0.0.1:8080/")!);
  assert.equal(req, "GET / HTTP/1.1\r\nHost: 10.0.0.1:8080\r\n\r\n");
  assert.equal(enc.encode(req).length, 39); // 25 + len(path) + len(host value)
  assert.equal(
    defaultRequest(parseUrl("http://example.com/a/b?x=1")!),
    "GET /a/b?x=1 HTTP/1.1\r\nHost: example.com\r\n\r\n",
  );
  assert.equal(defaultRequest(parseUrl("http://h")!), "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  assert.equal(
    defaultRequest(parseUrl("http://[::1]:80/")!),
    "GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n",
  );
  assert.equal(parseUrl("ftp://x/"), null);
});

function parseAll(text: string, chunk = 1): { rs: Response[]; ok: boolean; p: ResponseParser } {
  const p = new ResponseParser();
  const b = enc.encode(text);
  const rs: Response[] = [];
  for (let i = 0; i < b.length; i += chunk) {
    if (!p.execute(b, i, Math.min(chunk, b.length - i), (r) => (rs.push(r), true))) {
      return { rs, ok: false, p };
    }
  }
  return { rs, ok: true, p };
}

Deno.test("parser: Content-Length, chunked, no body, keep-alive rules, split anywhere", () => {
  const two = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1 404 Not Found\r\n" +
    "Transfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\nA\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\n";
  for (const chunk of [1, 7, 1000]) {
    const { rs, ok } = parseAll(two, chunk);
    assert.ok(ok);
    assert.deepEqual(rs, [{ status: 200, keepAlive: true }, { status: 404, keepAlive: true }]);
  }
  assert.deepEqual(parseAll("HTTP/1.1 204 No Content\r\n\r\n").rs, [{
    status: 204,
    keepAlive: true,
  }]);
  assert.deepEqual(
    parseAll("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").rs,
    [
      { status: 200, keepAlive: false },
    ],
  );
  assert.deepEqual(parseAll("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").rs, [
    { status: 200, keepAlive: false },
  ]);
  assert.deepEqual(
    parseAll("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\ncontent-length: 0\r\n\r\n").rs,
    [{ status: 200, keepAlive: true }],
  );
  // No length: the body runs to EOF, which completes it.
  const eofBody = parseAll("HTTP/1.1 200 OK\r\n\r\nabc");
  assert.deepEqual(eofBody.rs, []);
  assert.deepEqual(eofBody.p.eof(), { status: 200, keepAlive: false });
  for (
    const bad of ["HTTX/1.1 200 OK\r\n", "HTTP/1.1 2x0 OK\r\n", "HTTP/1.1 200 OK\r\nNoColon\r\n"]
  ) {
    assert.equal(parseAll(bad).ok, false, bad);
  }
  assert.equal(parseAll("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n").ok, false);
  assert.equal(parseAll("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n").ok, false);
});

/** A run with one thread and `c` connections against a scripted server. */
function harness(o: Partial<WrkOptions> = {}) {
  const opts = { ...OPTS, ...o };
  const req = enc.encode(defaultRequest(parseUrl("http://10.0.0.1:8080/")!));
  const run = new WrkRun(opts, req);
  const t = run.threads[0];
  const sends: { conn: number; at: Time; text: string }[] = [];
  const reconnects: number[] = [];
  let now = 0;
  const conns = Array.from({ length: run.connectionsPerThread }, (_, i) =>
    new WrkConnection(
      t,
      (b, off, len) =>
        sends.push({ conn: i, at: now, text: dec.decode(b.subarray(off, off + len)) }),
      () => reconnects.push(i),
    ));
  const at = (x: Time) => (now = x);
  const feed = (i: number, x: Time, text: string) => {
    at(x);
    const b = enc.encode(text);
    conns[i].onData(x, b, 0, b.length);
  };
  return { run, t, conns, sends, reconnects, at, feed };
}

const OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi";

Deno.test("engine: closed loop, one request in flight, latency from write to response", () => {
  const h = harness();
  h.conns[0].onConnected(0);
  h.conns[1].onConnected(0);
  assert.equal(h.sends.length, 2);
  assert.equal(h.sends[0].text, "GET / HTTP/1.1\r\nHost: 10.0.0.1:8080\r\n\r\n");
  h.feed(0, 30 * US, OK.slice(0, 10)); // partial: nothing yet
  assert.equal(h.sends.length, 2);
  h.feed(0, 40 * US, OK.slice(10));
  assert.equal(h.sends.length, 3); // next request at once, zero think time
  assert.equal(h.sends[2].at, 40 * US);
  h.feed(0, 65 * US, OK);
  assert.equal(h.t.complete, 2);
  assert.equal(h.run.latency.at(40), 1);
  assert.equal(h.run.latency.at(25), 1);
  assert.equal(h.t.bytes, 2 * enc.encode(OK).length);
  assert.deepEqual(h.reconnects, []);
  // Connection: close -> reconnect; the next request waits for onConnected.
  h.feed(1, 70 * US, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
  assert.deepEqual(h.reconnects, [1]);
  assert.equal(h.sends.filter((s) => s.conn === 1).length, 1);
  h.conns[1].onConnected(80 * US);
  assert.equal(h.sends.filter((s) => s.conn === 1).length, 2);
  assert.equal(h.t.errors.read, 0);
});

Deno.test("errors: parse error, EOF mid-response, EOF idle, timeout, non-2xx, write", () => {
  const h = harness({ timeoutMs: 1000 });
  for (const c of h.conns) c.onConnected(0);
  h.feed(0, 10 * US, "garbage\r\n");
  assert.equal(h.t.errors.read, 1);
  assert.deepEqual(h.reconnects, [0]);
  assert.equal(h.t.bytes, 0); // bytes of a failed parse are not counted
  h.conns[0].onConnected(20 * US);
  h.feed(0, 30 * US, OK.slice(0, 20));
  h.at(31 * US);
  h.conns[0].onEof(31 * US); // mid-response
  assert.equal(h.t.errors.read, 2);
  assert.equal(h.t.complete, 0);
  h.conns[0].onConnected(40 * US);
  h.feed(0, 50 * US, OK);
  h.at(55 * US);
  h.conns[0].onEof(55 * US); // idle keep-alive connection closed: also a read error
  assert.equal(h.t.errors.read, 3);
  // Timeout: the response arrives 1.5 s after the write (--timeout 1 s): a request, no latency.
  h.feed(1, 1_500_000 * US, OK);
  assert.equal(h.t.errors.timeout, 1);
  assert.equal(h.t.complete, 2);
  assert.equal(h.run.latency.count, 1);
  // 1000000 us is within the limit (values < timeout_us + 1 are recorded).
  h.feed(1, 2_500_000 * US, OK);
  assert.equal(h.t.errors.timeout, 1);
  assert.equal(h.run.latency.at(1_000_000), 1);
  // Non-2xx/3xx: counted as status errors, still requests with latency.
  h.feed(1, 2_500_100 * US, "HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n");
  h.feed(1, 2_500_200 * US, "HTTP/1.1 302 Found\r\nContent-Length: 0\r\n\r\n");
  assert.equal(h.t.errors.status, 1);
  assert.equal(h.t.complete, 5);
  assert.equal(h.run.latency.count, 4);
  h.conns[1].onError("write");
  assert.equal(h.t.errors.write, 1);
  const text = formatWrkReport(summarize(h.run, "http://10.0.0.1:8080/", 3_000_000));
  assert.match(text, /\n {2}Socket errors: connect 0, read 3, write 1, timeout 1\n/);
  assert.match(text, /\n {2}Non-2xx or 3xx responses: 1\n/);
});

Deno.test("stats: coordinated-omission correction on a hand-computed example", () => {
  // runtime 1000 us, 10 responses on 1 connection: E = 1000 / floor(10 / 1) = 100 us.
  assert.equal(correctionInterval(1000, 10, 1), 100);
  assert.equal(correctionInterval(1000, 3, 4), 0); // floor(3/4) = 0: no correction
  const s = new WrkStats(2000);
  for (let i = 0; i < 8; i++) s.record(50);
  s.record(250);
  s.record(350);
  const raw = s.clone();
  s.correct(100);
  // 250 -> +150 (50 is not > E); 350 -> +250, +150.
  assert.deepEqual([s.at(50), s.at(150), s.at(250), s.at(350)], [8, 2, 2, 1]);
  assert.equal(s.count, 13);
  assert.equal(s.max, 350); // Max is not corrected
  assert.ok(Math.abs(s.mean() - 1550 / 13) < 1e-12);
  const sd = Math.sqrt(
    (8 * (50 - 1550 / 13) ** 2 + 2 * (150 - 1550 / 13) ** 2 + 2 * (250 - 1550 / 13) ** 2 +
      (350 - 1550 / 13) ** 2) / 12,
  );
  assert.ok(Math.abs(s.stdev(s.mean()) - sd) < 1e-9);
  // Percentile: first bucket with cumulative >= round(p/100 x count + 0.5).
  assert.equal(s.percentile(50), 50); // rank 7
  assert.equal(s.percentile(75), 150); // rank round(10.25) = 10: 8 + 2
  assert.equal(s.percentile(90), 250); // rank 12
  assert.equal(s.percentile(99), 350); // rank 13
  assert.equal(raw.count, 10); // the closed-loop data is kept apart
  assert.equal(raw.percentile(90), 350); // rank round(9.5) = 10: cumulative 9 at 250, 10 at 350
  // wrk's quirk: copies below the recorded min count in `count` but not in the walks.
  const q = new WrkStats(2000);
  q.record(400);
  q.correct(100); // copies at 300, 200
  assert.equal(q.count, 3);
  assert.equal(q.mean(), 400 / 3);
  assert.ok(q.record(2000) && !q.record(2001)); // limit = timeout_us + 1
});

Deno.test("Req/Sec: per-thread rate sampled each 100 ms tick", () => {
  const h = harness();
  h.t.start(0);
  h.t.requests = 250;
  h.t.tick(100_000 * US); // 250 in 100 ms
  h.t.tick(200_000 * US); // none: nothing recorded, the window keeps running
  h.t.requests = 40;
  h.t.tick(300_000 * US); // 40 over 200 ms
  assert.equal(h.run.requests.count, 2);
  assert.equal(h.run.requests.at(2500), 1);
  assert.equal(h.run.requests.at(200), 1);
});

Deno.test("report: wrk's layout and units (us -> ms at 850 us, s at 1 s, bytes base 1024)", () => {
  assert.equal(formatTimeUs(849), "849.00us");
  assert.equal(formatTimeUs(850), "0.85ms");
  assert.equal(formatTimeUs(999_999), "1000.00ms");
  assert.equal(formatTimeUs(1_000_000), "1.00s");
  assert.equal(formatTimeUs(10_100_000), "10.10s");
  assert.equal(formatTimeUs(60_000_000), "1.00m");
  assert.equal(formatBinary(1_289_748), "1.23M");
  assert.equal(formatBinary(870), "870.00"); // steps up at 0.85 x 1024 = 870.4
  assert.equal(formatBinary(871), "0.85K");
  const h = harness({ connections: 2, threads: 1, durationS: 10 });
  for (let i = 0; i < 4; i++) h.run.latency.record(500 + 100 * i); // 500..800
  h.run.requests.record(56_200);
  h.run.requests.record(60_000);
  h.t.complete = 4;
  h.t.bytes = 1_289_748;
  const s = summarize(h.run, "http://10.0.0.1:8080/", 10_100_000);
  assert.equal(s.correctionUs, 5_050_000); // no latency reaches 2E: nothing added
  assert.equal(s.latency.count, 4);
  assert.equal(
    formatWrkReport(s),
    [
      "Running 10s test @ http://10.0.0.1:8080/",
      "  1 threads and 2 connections",
      "  Thread Stats   Avg      Stdev     Max   +/- Stdev",
      "    Latency   650.00us  129.10us 800.00us   50.00%",
      "    Req/Sec    58.10k     2.69k   60.00k   100.00%",
      "  Latency Distribution",
      "     50%  700.00us", // rank round(4 x 0.5 + 0.5) = 3
      "     75%  800.00us", // rank round(3.5) = 4
      "     90%  800.00us",
      "     99%  800.00us",
      "  4 requests in 10.10s, 1.23MB read",
      "Requests/sec:      0.40",
      "Transfer/sec:    124.70KB", // 1289748 / 10.1 / 1024 = 124.705
      "",
    ].join("\n"),
  );
});

Deno.test("options: -c -t -d --timeout --latency like wrk's parse_args", () => {
  const a = parseWrkArgs([
    "-c",
    "1k",
    "-t",
    "4",
    "-d",
    "2m",
    "--timeout",
    "3s",
    "--latency",
    "http://h/",
  ]);
  assert.ok(typeof a !== "string");
  assert.deepEqual(a.options, {
    connections: 1000,
    threads: 4,
    durationS: 120,
    timeoutMs: 3000,
    latency: true,
  });
  const d = parseWrkArgs(["http://h/"]);
  assert.ok(typeof d !== "string");
  assert.deepEqual(d.options, {
    connections: 10,
    threads: 2,
    durationS: 10,
    timeoutMs: 2000,
    latency: false,
  });
  assert.equal(
    parseWrkArgs(["-c", "1", "-t", "2", "http://h/"]),
    "number of connections must be >= threads",
  );
  assert.match(parseWrkArgs(["-c", "x", "http://h/"]) as string, /bad -c/);
  assert.equal(parseWrkArgs([]), "missing URL");
  assert.equal(scanTime("5x"), null);
  const h = harness({ connections: 7, threads: 2 });
  assert.equal(h.run.connectionsPerThread, 3); // floor(7 / 2)
});

Deno.test("stats: a clone has every bucket, including corrected ones below min", () => {
  const s = new WrkStats(2000);
  s.record(500);
  s.record(900);
  s.correct(100); // writes 800..200 and 400..200: below min 500
  const c = s.clone();
  for (let n = 0; n <= 2000; n++) assert.equal(c.at(n), s.at(n), `bucket ${n}`);
  assert.deepEqual([c.count, c.min, c.max], [s.count, s.min, s.max]);
  c.correct(100); // a clone of a clone copies the corrected buckets too
  const cc = c.clone();
  for (let n = 0; n <= 2000; n++) assert.equal(cc.at(n), c.at(n), `bucket ${n}`);
});

Deno.test("stats: buckets grow on demand up to the limit", () => {
  const s = new WrkStats(10_000_000);
  assert.equal(s.record(3), true);
  assert.equal(s.record(10_000_000), true); // limit = max + 1
  assert.equal(s.record(10_000_001), false);
  assert.deepEqual([s.at(3), s.at(5_000_000), s.at(10_000_000), s.at(10_000_001)], [1, 0, 1, 0]);
  assert.deepEqual([s.min, s.max, s.count], [3, 10_000_000, 2]);
  assert.equal(s.percentile(99), 10_000_000); // rank round(1.98 + 0.5) = 2
  assert.equal(s.clone().at(10_000_000), 1);
});
