import assert from "node:assert/strict";
import { Rng } from "../../core/rng.ts";
import { AppHarness, BYTEWISE, CountingContext, type FeedOptions } from "../common/testing.ts";
import { WebApp, webMemoryBytes } from "./app.ts";
import { defaultSite, type WebConfig, type WebFile } from "./config.ts";
import { HTTP_ERRORS } from "./site.ts";

const INDEX = 100;

function site() {
  return defaultSite(
    INDEX,
    new Map<string, Uint8Array | WebFile>([
      ["/a.txt", new TextEncoder().encode("hello")],
      ["/dir/x.css", { body: new TextEncoder().encode("p{}"), contentType: "text/css" }],
      ["/caf\u00e9.txt", new TextEncoder().encode("cafe")],
    ]),
  );
}

function fixture(cfg: Partial<WebConfig> = {}) {
  const ctx = new CountingContext();
  const app = new WebApp({ files: site(), ...cfg });
  const h = new AppHarness(app, ctx);
  h.start();
  const conn = h.open(80);
  const run = (req: string, opts?: FeedOptions) => {
    h.feed(conn, req, opts);
    h.ack(conn);
    return h.take(conn);
  };
  return { h, app, ctx, conn, run };
}

const indexBody = new TextDecoder().decode(defaultSite(INDEX).get("/index.html") as Uint8Array);

function ok(body: string, type: string, opts: { close?: boolean; head?: boolean } = {}) {
  return `HTTP/1.1 200 OK\r\nServer: dlibos\r\nContent-Type: ${type}\r\nContent-Length: ${body.length}\r\n` +
    `Connection: ${opts.close ? "close" : "keep-alive"}\r\n\r\n${opts.head ? "" : body}`;
}

function err(status: keyof typeof HTTP_ERRORS, opts: { close?: boolean; head?: boolean } = {}) {
  const text = HTTP_ERRORS[status];
  const body = `<html>\r\n<head><title>${status} ${text}</title></head>\r\n<body>\r\n` +
    `<center><h1>${status} ${text}</h1></center>\r\n<hr><center>dlibos</center>\r\n</body>\r\n</html>\r\n`;
  const allow = status === 405 ? "Allow: GET, HEAD\r\n" : "";
  return `HTTP/1.1 ${status} ${text}\r\nServer: dlibos\r\nContent-Type: text/html\r\n` +
    `Content-Length: ${body.length}\r\n${allow}Connection: ${
      opts.close ? "close" : "keep-alive"
    }\r\n\r\n` +
    (opts.head ? "" : body);
}

const GET = (path: string, extra = "") => `GET ${path} HTTP/1.1\r\nHost: x\r\n${extra}\r\n`;

Deno.test("web: default site and memory sizing", () => {
  const s = defaultSite(INDEX);
  assert.equal((s.get("/index.html") as Uint8Array).length, INDEX);
  assert.equal((defaultSite(5).get("/index.html") as Uint8Array).length, 5);
  assert.ok(indexBody.startsWith("<!DOCTYPE html>") && indexBody.endsWith("</html>\n"));
  const f = fixture();
  assert.equal(f.app.memory.size, webMemoryBytes({ files: site() }));
  assert.deepEqual(f.h.api.listens, [{ port: 80, backlog: 511 }]);
  assert.throws(() => new WebApp({ files: new Map([["nope", new Uint8Array(1)]]) }));
});

Deno.test("web: GET and HEAD, keep-alive by default in HTTP/1.1", () => {
  const f = fixture();
  assert.equal(f.run(GET("/index.html")), ok(indexBody, "text/html"));
  assert.equal(f.run(GET("/")), ok(indexBody, "text/html"));
  assert.equal(f.run(GET("/a.txt")), ok("hello", "text/plain"));
  assert.equal(f.run(GET("/dir/x.css")), ok("p{}", "text/css"));
  assert.equal(
    f.run("HEAD /a.txt HTTP/1.1\r\nHost: x\r\n\r\n"),
    ok("hello", "text/plain", { head: true }),
  );
  assert.ok(!f.h.closed(f.conn));
  assert.equal(
    f.run(GET("/a.txt", "Connection: close\r\n")),
    ok("hello", "text/plain", { close: true }),
  );
  assert.ok(f.h.closed(f.conn));
  assert.deepEqual(f.h.violations, []);
});

Deno.test("web: HTTP/1.0 closes unless keep-alive is asked for", () => {
  const f = fixture();
  assert.equal(
    f.run("GET /a.txt HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"),
    ok("hello", "text/plain"),
  );
  assert.ok(!f.h.closed(f.conn));
  assert.equal(f.run("GET /a.txt HTTP/1.0\r\n\r\n"), ok("hello", "text/plain", { close: true }));
  assert.ok(f.h.closed(f.conn));
  const c = f.h.open(80);
  f.h.feed(c, "GET /a.txt HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, close\r\n\r\n");
  assert.equal(f.h.take(c), ok("hello", "text/plain", { close: true }));
  // A later minor version is treated as 1.1.
  const d = f.h.open(80);
  f.h.feed(d, "GET /a.txt HTTP/1.9\r\nHost: x\r\n\r\n");
  assert.equal(f.h.take(d), ok("hello", "text/plain"));
  assert.deepEqual(f.h.violations, []);
});

Deno.test("web: targets: query, absolute form, %-escapes, dot segments, slashes", () => {
  const f = fixture();
  const hello = ok("hello", "text/plain");
  assert.equal(f.run(GET("/a.txt?x=1&y")), hello);
  assert.equal(f.run(GET("http://example.com/a.txt")), hello);
  assert.equal(f.run(GET("HTTPS://example.com:8080/a.txt?q")), hello);
  assert.equal(f.run(GET("http://example.com")), ok(indexBody, "text/html"));
  assert.equal(f.run(GET("/%61.txt")), hello);
  assert.equal(f.run(GET("//dir/./../a.txt")), hello);
  assert.equal(f.run(GET("/dir/")), err(404));
  assert.equal(f.run(GET("/caf%C3%A9.txt")), ok("cafe", "text/plain"));
  assert.equal(f.run(GET("/nope")), err(404));
  assert.equal(f.run("HEAD /nope HTTP/1.1\r\nHost: x\r\n\r\n"), err(404, { head: true }));
  assert.ok(!f.h.closed(f.conn));
  for (const bad of ["/%zz", "/%4", "/a%00b", "/../a.txt", "a.txt", "ftp://x/a.txt", "http:///a"]) {
    const c = f.h.open(80);
    f.h.feed(c, GET(bad));
    assert.equal(f.h.take(c), err(400, { close: true }), bad);
    assert.ok(f.h.closed(c));
  }
  assert.deepEqual(f.h.violations, []);
});

Deno.test("web: 405 for other methods, body skipped, connection kept", () => {
  const f = fixture();
  assert.equal(
    f.run(
      "POST /a.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nabcdeGET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n",
    ),
    err(405) + ok("hello", "text/plain"),
  );
  assert.equal(f.run("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n"), err(405));
  assert.equal(f.run("get /a.txt HTTP/1.1\r\nHost: x\r\n\r\n"), err(405));
  assert.ok(!f.h.closed(f.conn));
  assert.deepEqual(f.h.violations, []);
});

Deno.test("web: malformed requests get 400 and the connection is closed", () => {
  const cases = [
    "GET\r\n\r\n",
    "GET /a.txt\r\n\r\n",
    "GET  /a.txt HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET /a.txt HTTP/1.1 \r\nHost: x\r\n\r\n",
    "GET /a.txt http/1.1\r\nHost: x\r\n\r\n",
    "GET /a.txt HTTP/1.10\r\nHost: x\r\n\r\n",
    "G(T /a.txt HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET /a\x01.txt HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET /a.txt HTTP/1.1\r\n\r\n", // no Host in 1.1
    "GET /a.txt HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
    "GET /a.txt HTTP/1.1\r\nHost : x\r\n\r\n",
    "GET /a.txt HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
    "GET /a.txt HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n",
    "GET /a.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n",
    "GET /a.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
    "GET /a.txt HTTP/1.1\r\nHost: x\r\nX: a\0b\r\n\r\n",
    "GET * HTTP/1.1\r\nHost: x\r\n\r\n",
    "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n",
  ];
  for (const req of cases) {
    const f = fixture();
    assert.equal(f.run(req + GET("/a.txt")), err(400, { close: true }), JSON.stringify(req));
    assert.ok(f.h.closed(f.conn));
    assert.deepEqual(f.h.violations, []);
  }
});

Deno.test("web: 414, 431, 413, 501, 505", () => {
  const check = (req: string, status: keyof typeof HTTP_ERRORS, cfg: Partial<WebConfig> = {}) => {
    const f = fixture(cfg);
    assert.equal(f.run(req), err(status, { close: true }), `${status}`);
    assert.ok(f.h.closed(f.conn));
    assert.deepEqual(f.h.violations, []);
  };
  const long = "/" + "a".repeat(8192);
  check(`GET ${long} HTTP/1.1\r\nHost: x\r\n\r\n`, 414);
  // "GET /" + path + " HTTP/1.1" is 14 bytes + path: 8178 is exactly at the limit.
  check(`GET /${"a".repeat(8179)} HTTP/1.1\r\nHost: x\r\n\r\n`, 414);
  const atLimit = fixture();
  assert.equal(atLimit.run(`GET /${"a".repeat(8178)} HTTP/1.1\r\nHost: x\r\n\r\n`), err(404));
  check(`GET /a.txt HTTP/1.1\r\nHost: x\r\nX: ${"v".repeat(32768)}\r\n\r\n`, 431);
  check(`GET /a.txt HTTP/1.1\r\nHost: x\r\n${"X: y\r\n".repeat(100)}\r\n`, 431);
  check(`GET /a.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 1048577\r\n\r\n`, 413);
  check(`GET /a.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n`, 501);
  check(`GET /a.txt HTTP/2.0\r\nHost: x\r\n\r\n`, 505);
  check(`GET /a.txt HTTP/0.9\r\n\r\n`, 505);
  // An oversize request line is refused before its end arrives.
  const f = fixture();
  f.h.feed(f.conn, `GET /${"a".repeat(9000)}`);
  assert.equal(f.h.take(f.conn), err(414, { close: true }));
});

Deno.test("web: pipelined requests answered in order, in one send, zero-copy", () => {
  const f = fixture();
  f.h.feed(
    f.conn,
    "\r\n" + GET("/a.txt") + "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n" + GET("/nope") +
      GET("/index.html"),
  );
  assert.equal(f.h.sends(f.conn), 1);
  const refs = f.h.lastRefs(f.conn);
  assert.equal(refs.length, 3 + 2 + 3 + 3);
  // Every part lives in the app's transmit memory; the page body is the preloaded one.
  for (const r of refs) assert.equal(r.mem, f.app.memory);
  assert.equal(refs[refs.length - 1].len, INDEX);
  assert.equal(
    f.h.take(f.conn),
    ok("hello", "text/plain") + ok(indexBody, "text/html", { head: true }) + err(404) +
      ok(indexBody, "text/html"),
  );
  f.h.ack(f.conn);
  f.h.feed(f.conn, GET("/index.html"));
  const again = f.h.lastRefs(f.conn);
  assert.equal(again[2], refs[refs.length - 1]); // the same reference every time
  assert.ok(f.ctx.total("app") > 0);
  assert.equal(f.ctx.total("copy"), 0);
  f.h.ack(f.conn);
  assert.deepEqual(f.h.violations, []);
});

Deno.test("web: output does not depend on segmentation", () => {
  const script = [
    GET("/a.txt"),
    "HEAD /index.html HTTP/1.1\r\nHost: x\r\n\r\n",
    "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789",
    GET("/nope?q=1"),
    "GET /a.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    `GET /${"b".repeat(3000)} HTTP/1.1\r\nHost: x\r\n${"H: v\r\n".repeat(50)}\r\n`,
    "\n" + GET("/dir/x.css"),
    "GET /a.txt HTTP/1.1\nHost: x\n\n", // bare LF line ends
    "GET /index.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    GET("/after-close"),
  ].join("");
  const run = (opts: FeedOptions) => {
    const f = fixture();
    f.h.feed(f.conn, script, opts);
    f.h.ack(f.conn);
    assert.deepEqual(f.h.violations, []);
    return [f.h.output(f.conn), f.h.closed(f.conn)];
  };
  const whole = run({});
  assert.equal(whole[1], true);
  assert.ok((whole[0] as string).endsWith(ok(indexBody, "text/html", { close: true })));
  assert.deepEqual(run({ segments: BYTEWISE, refsPerEvent: 7 }), whole);
  const rng = new Rng(3, "web-split");
  for (let k = 0; k < 5; k++) {
    const segs = Array.from({ length: 31 }, () => 1 + rng.int(k < 2 ? 10 : 2000));
    assert.deepEqual(run({ segments: segs, refsPerEvent: 1 + rng.int(3) }), whole);
  }
  // Limits are by length: the oversize cases give the same answer however split.
  for (
    const req of [
      `GET /${"a".repeat(9000)} HTTP/1.1\r\n\r\n`,
      `GET / HTTP/1.1\r\nX: ${"v".repeat(40000)}\r\n\r\n`,
    ]
  ) {
    const a = fixture();
    const b = fixture();
    assert.equal(a.run(req), b.run(req, { segments: [1, 7, 4096, 3] }));
  }
});

Deno.test("web: remote close, cleanup and unknown connections", () => {
  const f = fixture();
  f.h.feed(f.conn, "GET /a.txt HTTP/1.1\r\nHo");
  f.h.remoteClose(f.conn);
  assert.ok(f.h.closed(f.conn));
  f.h.cleanup(f.conn);
  assert.equal(f.app.connections, 0);
  // Events for a connection the app does not know still release buffers.
  f.app.onEvent(f.ctx, f.h.api, 0, { kind: "data_acked", conn: 99, token: 1 });
  assert.deepEqual(f.h.violations, []);
});
