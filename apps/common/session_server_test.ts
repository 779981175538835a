import assert from "node:assert/strict";
import type { WorkContext } from "../../core/work.ts";
import type { ConnRef } from "../api.ts";
import { ByteArena } from "./arena.ts";
import { resolveAppCosts } from "./costs.ts";
import { PartialLine } from "./lines.ts";
import { Outbox, plainRelease } from "./outbox.ts";
import {
  serverCounters,
  type ServerSession,
  type SessionProtocol,
  SessionServer,
} from "./session_server.ts";
import { AppHarness, CountingContext } from "./testing.ts";

/** A toy protocol: every byte is answered with "!" and "q" closes the connection. */
class BangSession implements ServerSession {
  readonly partial = new PartialLine();
  closing = false;
  closed = false;
  constructor(readonly conn: ConnRef, readonly outbox: Outbox) {}
}

const PORT = 7;
const costs = resolveAppCosts({ eventBase: 1, connSetup: 10, connTeardown: 100 });

function bangServer() {
  const bang = new ByteArena(1, "bang");
  bang.write(0, new Uint8Array([0x21]));
  const abandoned: number[] = [];
  const protocol: SessionProtocol<BangSession> = {
    open: (c) => new BangSession(c, new Outbox(costs, plainRelease)),
    feed: (_ctx: WorkContext, sess, seg) => {
      for (const b of seg) {
        if (b === 0x71) {
          sess.closing = true;
          return;
        }
        sess.outbox.add({ mem: bang, off: 0, len: 1 });
      }
    },
    abandon: (_ctx, sess) => abandoned.push(sess.conn.conn),
  };
  const counters = serverCounters();
  const server = new SessionServer({ port: PORT, backlog: 4, costs }, protocol, counters);
  return { server, counters, abandoned };
}

Deno.test("SessionServer: answers, counts bytes and closes after the replies of a closing event", () => {
  const { server, counters, abandoned } = bangServer();
  const ctx = new CountingContext();
  const h = new AppHarness(server, ctx);
  h.start();
  assert.deepEqual(h.api.listens, [{ port: PORT, backlog: 4 }]);
  const c = h.open(PORT);
  assert.ok(h.accepted(c));
  assert.equal(ctx.total("app"), 1 + 10);
  h.feed(c, "ab", { segments: [1], refsPerEvent: 2 });
  assert.equal(h.take(c), "!!");
  assert.equal(h.sends(c), 1); // one send per event
  h.feed(c, "xqy");
  assert.equal(h.take(c), "!");
  assert.ok(h.closed(c));
  assert.deepEqual(abandoned, [c]);
  h.feed(c, "z"); // after closing: released, not read
  assert.equal(counters.bytesRead, 5);
  assert.equal(counters.bytesWritten, 3);
  h.remoteClose(c); // already closed: no second close
  assert.deepEqual(h.violations, []);
  h.cleanup(c);
  assert.equal(server.connections, 0);
  assert.equal(counters.currConnections, 0);
  assert.equal(counters.totalConnections, 1);
});

Deno.test("SessionServer: a new connection under a live id drops the stale session", () => {
  const { server, counters, abandoned } = bangServer();
  const ctx = new CountingContext();
  const h = new AppHarness(server, ctx);
  const c = h.open(PORT);
  ctx.reset();
  server.onEvent(ctx, h.api, 0, {
    kind: "new_conn",
    conn: c,
    listenPort: PORT,
    local: { addr: 1, port: PORT },
    remote: { addr: 2, port: 40000 },
  });
  assert.deepEqual(abandoned, [c]);
  assert.equal(ctx.total("app"), 1 + 100 + 10);
  assert.equal(server.connections, 1);
  assert.equal(counters.currConnections, 1);
  assert.equal(counters.totalConnections, 2);
});
