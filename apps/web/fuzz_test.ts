import assert from "node:assert/strict";
import { Rng } from "../../core/rng.ts";
import { AppHarness, CountingContext, latin1Bytes } from "../common/testing.ts";
import { WebApp } from "./app.ts";
import { defaultSite } from "./config.ts";

/** Requests generated (random, mutated and garbage); the brief asks for >= 100,000. */
const REQUESTS = 100_000;
const FUZZ_CONNS = 4;
const CONTROL_EVERY = 500;

const PATHS = [
  "/",
  "/index.html",
  "/a.txt",
  "/nope",
  "/a.txt?x=1",
  "/%61.txt",
  "/../x",
  "*",
  "http://h/a.txt",
];
const METHODS = ["GET", "GET", "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "get"];
const VERSIONS = ["HTTP/1.1", "HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/1.x", "http/1.1"];
const HEADERS = [
  "Host: h",
  "Connection: close",
  "Connection: keep-alive",
  "Content-Length: 3",
  "Content-Length: x",
  "Transfer-Encoding: chunked",
  "Accept: */*",
  "User-Agent: wrk",
  " folded",
  "Bad Header: v",
];

function gen(rng: Rng): string {
  const k = rng.int(12);
  if (k === 0) {
    const n = 1 + rng.int(200);
    let s = "";
    for (let i = 0; i < n; i++) s += String.fromCharCode(rng.chance(0.05) ? 10 : rng.int(256));
    return s;
  }
  if (k === 1 && rng.chance(0.1)) return `GET /${"a".repeat(8200)} HTTP/1.1\r\n\r\n`;
  const m = METHODS[rng.int(METHODS.length)];
  const p = PATHS[rng.int(PATHS.length)];
  const v = VERSIONS[rng.int(VERSIONS.length)];
  let req = `${m} ${p} ${v}\r\n`;
  if (rng.chance(0.9)) req += "Host: h\r\n";
  const nh = rng.int(4);
  let body = "";
  for (let i = 0; i < nh; i++) {
    const h = HEADERS[rng.int(HEADERS.length)];
    req += `${h}\r\n`;
    if (h === "Content-Length: 3") body = "abc";
  }
  return req + "\r\n" + body;
}

function mutate(rng: Rng, s: string): string {
  const n = 1 + rng.int(3);
  for (let k = 0; k < n && s.length > 0; k++) {
    const i = rng.int(s.length);
    switch (rng.int(5)) {
      case 0:
        s = s.slice(0, i) + String.fromCharCode(rng.int(256)) + s.slice(i + 1);
        break;
      case 1:
        s = s.slice(0, i) + String.fromCharCode(rng.int(256)) + s.slice(i);
        break;
      case 2:
        s = s.slice(0, i) + s.slice(i + 1);
        break;
      case 3:
        s = s.slice(0, i);
        break;
      default:
        s = s.slice(0, i) + [" ", "\r\n", "\n", "\r", "\0", ":"][rng.int(6)] + s.slice(i);
    }
  }
  return s;
}

Deno.test("web fuzz: 100,000 random and mutated requests never throw nor break other connections", () => {
  const ctx = new CountingContext();
  const app = new WebApp({ files: defaultSite(512, new Map([["/a.txt", latin1Bytes("hello")]])) });
  const h = new AppHarness(app, ctx);
  h.start();
  const control = h.open(80);
  h.feed(control, "GET /index.html HTTP/1.1\r\nHost: h\r\n\r\n");
  const expected = h.take(control);
  h.ack(control);
  assert.ok(expected.startsWith("HTTP/1.1 200 OK\r\n"));
  const rng = new Rng(20171121, "web-fuzz");
  const conns = Array.from({ length: FUZZ_CONNS }, () => h.open(80));
  let reopened = 0;
  let outBytes = 0;
  for (let r = 0; r < REQUESTS;) {
    const ci = rng.int(FUZZ_CONNS);
    const c = conns[ci];
    let req = "";
    const batch = 1 + rng.int(3);
    for (let b = 0; b < batch; b++, r++) {
      const g = gen(rng);
      req += rng.int(3) === 0 ? mutate(rng, g) : g;
    }
    const segs = Array.from(
      { length: 1 + rng.int(4) },
      () => 1 + rng.int(rng.chance(0.5) ? 8 : 600),
    );
    h.feed(c, latin1Bytes(req), { segments: segs, refsPerEvent: 1 + rng.int(3) });
    outBytes += h.take(c).length;
    if (rng.chance(0.7)) {
      if (rng.chance(0.5)) h.ack(c);
      else h.ackCumulative(c);
    }
    if (h.closed(c) || rng.chance(0.002)) {
      if (!h.closed(c) && rng.chance(0.5)) h.remoteClose(c);
      h.cleanup(c, "closed");
      conns[ci] = h.open(80);
      reopened++;
    }
    if (r % CONTROL_EVERY < batch) {
      h.feed(control, "GET /index.html HTTP/1.1\r\nHost: h\r\n\r\n");
      assert.equal(h.take(control), expected);
      h.ack(control);
    }
  }
  for (const c of conns) h.cleanup(c);
  h.cleanup(control);
  assert.deepEqual(h.violations, []);
  assert.equal(app.connections, 0);
  assert.ok(reopened > 100);
  assert.ok(outBytes > 1_000_000, `only ${outBytes} bytes of replies`);
});
