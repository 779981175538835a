import assert from "node:assert/strict";
import { AppHarness, CountingContext } from "../common/testing.ts";
import { WebApp } from "./app.ts";
import { defaultSite } from "./config.ts";
import { NGINX_APP_COSTS, NginxApp } from "./nginx.ts";

const GET = "GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n";

function serve(app: WebApp, req: string) {
  const h = new AppHarness(app, new CountingContext());
  h.start();
  const conn = h.open(80);
  h.feed(conn, req);
  h.ack(conn);
  return { h, conn, out: h.take(conn) };
}

Deno.test("NginxApp: per GET open, fstat, a writev of the header, a sendfile of the body, close", () => {
  const { h, conn, out } = serve(new NginxApp({ files: defaultSite(1024) }), GET);
  assert.deepEqual(h.api.fileOps, ["open", "fstat", "close"]);
  assert.equal(h.api.fileSends, 1);
  assert.equal(h.sends(conn), 2, "header (writev) and body (sendfile)");
  assert.equal(h.violations.length, 0);
  assert.equal(h.closed(conn), false, "keep-alive");
  // The bytes are the lean server's.
  assert.equal(out, serve(new WebApp({ files: defaultSite(1024) }), GET).out);
});

Deno.test("NginxApp: pipelined GETs get a writev and a sendfile each; a 404 is one send", () => {
  const { h, conn } = serve(
    new NginxApp({ files: defaultSite(64) }),
    GET + GET + "GET /none HTTP/1.1\r\nHost: x\r\n\r\n",
  );
  assert.equal(h.api.fileSends, 2);
  assert.equal(h.api.fileOps.length, 6);
  assert.equal(h.sends(conn), 5);
});

Deno.test("NginxApp: NGINX's per-request costs over the lean server's", () => {
  const app = new NginxApp({ files: defaultSite(), costs: { httpLookup: 7 } });
  assert.equal(app.cfg.costs.httpRequestBase, NGINX_APP_COSTS.httpRequestBase);
  assert.equal(app.cfg.costs.httpLookup, 7, "the caller's overrides win");
  assert.equal(app.cfg.sendfile, true);
});
