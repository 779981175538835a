/**
 * The webserver answers 400 and closes for an invalid, missing (HTTP/1.1) or
 * repeated Host (RFC 9112 3.2, RFC 9110 7.2); valid forms are served.
 */
import assert from "node:assert/strict";
import { AppHarness, CountingContext } from "../common/testing.ts";
import { WebApp } from "./app.ts";
import { defaultSite } from "./config.ts";

const BODY = "hello";

function fixture() {
  const files = defaultSite(16, new Map([["/a.txt", new TextEncoder().encode(BODY)]]));
  const h = new AppHarness(new WebApp({ files }), new CountingContext());
  h.start();
  const conn = h.open(80);
  const run = (req: string) => {
    h.feed(conn, req);
    h.ack(conn);
    return h.take(conn);
  };
  return { h, conn, run };
}

const statusOf = (reply: string) => reply.slice(0, reply.indexOf("\r\n"));
const req = (hostLines: string, version = "1.1") =>
  `GET /a.txt HTTP/${version}\r\n${hostLines}\r\n`;

Deno.test("web host: invalid Host values get 400 and close", () => {
  for (
    const host of ["a b", "a/b", "a:x", "a, b", "a@b", "a:80:80", "[::1", "[zz::]", "a%2"]
  ) {
    const f = fixture();
    assert.equal(statusOf(f.run(req(`Host: ${host}\r\n`))), "HTTP/1.1 400 Bad Request", host);
    assert.ok(f.h.closed(f.conn), host);
  }
});

Deno.test("web host: missing in 1.1 or repeated gets 400; 1.0 without Host is served", () => {
  let f = fixture();
  assert.equal(statusOf(f.run(req(""))), "HTTP/1.1 400 Bad Request");
  f = fixture();
  assert.equal(statusOf(f.run(req("Host: a\r\nHost: a\r\n"))), "HTTP/1.1 400 Bad Request");
  f = fixture();
  assert.equal(statusOf(f.run(req("Host: a\r\nhost: b\r\n"))), "HTTP/1.1 400 Bad Request");
  f = fixture();
  assert.equal(statusOf(f.run(req("", "1.0"))), "HTTP/1.1 200 OK");
  f = fixture();
  assert.equal(statusOf(f.run(req("Host: a b\r\n", "1.0"))), "HTTP/1.1 400 Bad Request");
});

Deno.test("web host: valid forms are served", () => {
  for (
    const host of ["x", "example.com:8080", "10.0.0.2", "[::1]:80", "[fe80::1]", "a:", ""]
  ) {
    const f = fixture();
    const reply = f.run(req(`Host: ${host}\r\n`));
    assert.equal(statusOf(reply), "HTTP/1.1 200 OK", host);
    assert.ok(reply.endsWith(BODY));
    assert.ok(!f.h.closed(f.conn));
  }
});
