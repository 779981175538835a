import assert from "node:assert/strict";
import { Rng } from "../../core/rng.ts";
import {
  AppHarness,
  CountingContext,
  fuzzGarbage,
  fuzzMutate,
  fuzzServer,
  latin1Bytes,
} from "../common/testing.ts";
import { WebApp } from "./app.ts";
import { defaultSite } from "./config.ts";

/** Requests generated (random, mutated and garbage); the brief asks for >= 100,000. */
const REQUESTS = 100_000;
const FUZZ_CONNS = 4;
const CONTROL_EVERY = 500;
const CONTROL_REQ = "GET /index.html HTTP/1.1\r\nHost: h\r\n\r\n";

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
  if (k === 0) return fuzzGarbage(rng);
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

/** What a mutation may insert. */
const INSERTS = [" ", "\r\n", "\n", "\r", "\0", ":"];

Deno.test("web fuzz: 100,000 random and mutated requests never throw nor break other connections", () => {
  const ctx = new CountingContext();
  const app = new WebApp({ files: defaultSite(512, new Map([["/a.txt", latin1Bytes("hello")]])) });
  const h = new AppHarness(app, ctx);
  h.start();
  const control = h.open(80);
  h.feed(control, CONTROL_REQ);
  const expected = h.take(control);
  h.ack(control);
  assert.ok(expected.startsWith("HTTP/1.1 200 OK\r\n"));
  const { reopened, outBytes } = fuzzServer(h, {
    rng: new Rng(20171121, "web-fuzz"),
    port: 80,
    requests: REQUESTS,
    conns: FUZZ_CONNS,
    gen,
    mutate: (rng, s) => fuzzMutate(rng, s, INSERTS),
    maxSegment: 600,
    control,
    request: CONTROL_REQ,
    reply: expected,
    controlEvery: CONTROL_EVERY,
  });
  assert.deepEqual(h.violations, []);
  assert.equal(app.connections, 0);
  assert.ok(reopened > 100);
  assert.ok(outBytes > 1_000_000, `only ${outBytes} bytes of replies`);
});
