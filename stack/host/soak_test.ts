/**
 * Soak: many connections open, exchange data both ways and close, a few at a
 * time, through a link that drops, duplicates, reorders and corrupts a few
 * per cent of the frames each way, in every hosting mode and for several
 * seeds. Every byte arrives exactly, every send is acknowledged (data_acked
 * for every token, before cleanup), every connection ends "closed" (never
 * reset or timed out), and at the end nothing is left behind: receive
 * buffers, connections and timers are back to their initial counts.
 * Closing orders vary: the client closes first; the server closes right
 * after its response; the client half-closes after its request, so the
 * server's last data and FIN share one ACK (LAST_ACK).
 *
 * The TCP defaults are used, MSL included: the run continues until the
 * scheduler is idle, after the last TIME_WAIT (16 simulated minutes, a few
 * events).
 */
import assert from "node:assert/strict";
import { Rng } from "../../core/rng.ts";
import { SEC } from "../../core/time.ts";
import type { WorkContext } from "../../core/work.ts";
import { GX36 } from "../../hw/board.ts";
import { FaultInjector } from "../../hw/fault.ts";
import type { App, ConnRef, SocketApi } from "../socket.ts";
import type { WritableMemory } from "../../hw/buffers.ts";
import type { CleanupReason, SocketEvent } from "../events.ts";
import { DEFAULT_TCP_CONFIG } from "../tcp/config.ts";
import type { TcpLayer } from "../tcp/layer.ts";
import type { Layout } from "./layout.ts";
import type { HostedNode, HostMode } from "./node.ts";
import { Pair, testbedIp } from "./testbed.ts";

const PORT = 7100;
/** Connections opened in all, and at most open at once. */
const CONNS = 40;
const CONCURRENT = 4;
/** Request and response sizes and the number of sends each is cut into. */
const REQ_BYTES = 5000;
const REQ_SENDS = 3;
const RESP_BYTES = 9000;
const RESP_SENDS = 2;
/** A few per cent of each fault, each direction. */
const FAULTS = { drop: 0.03, duplicate: 0.03, reorder: 0.03, corrupt: 0.03 };
const SEEDS = [1, 2, 3];
/** A bound on simulated time, far above TIME_WAIT and any retransmission schedule. */
const TIME_LIMIT = 2 * DEFAULT_TCP_CONFIG.msl + 600 * SEC;

const LAYOUTS: Record<HostMode, Layout> = {
  dlibos: { name: "2:2", net: 2, app: 2, policy: "all" },
  rtc: { name: "2", net: 2, app: 0, policy: "all" },
  linux: { name: "2", net: 2, app: 0, policy: "all" },
};

function pattern(n: number, salt: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 131 + salt * 17 + (i >> 8)) & 255;
  return out;
}
const REQ = pattern(REQ_BYTES, 1);
const RESP = pattern(RESP_BYTES, 2);

/** Per-connection bookkeeping shared by both ends. */
class ConnState {
  received = 0;
  mismatches = 0;
  tokensSent = 0;
  readonly acked = new Set<number>();
  ackedAfterCleanup = 0;
  cleanup: CleanupReason | null = null;
  closed = false;
  constructor(readonly ref: ConnRef) {}
}

const keyOf = (stack: number, conn: number) => stack * 0x100000000 + conn;

/** Both ends' common handling: byte checks, token accounting, cleanup. */
abstract class SoakEnd implements App {
  readonly conns = new Map<number, ConnState>();
  readonly finished: ConnState[] = [];
  unknownEvents = 0;
  constructor(readonly tx: WritableMemory, readonly out: Uint8Array, readonly expect: Uint8Array) {
    tx.write(0, out);
  }
  abstract start(ctx: WorkContext, api: SocketApi): void;
  /** All expected bytes arrived on `c`. */
  protected abstract complete(api: SocketApi, c: ConnState): void;
  protected abstract cleanedUp(api: SocketApi, c: ConnState): void;

  protected sendAll(api: SocketApi, c: ConnState, sends: number): void {
    const piece = Math.ceil(this.out.length / sends);
    for (let off = 0; off < this.out.length; off += piece) {
      const len = Math.min(piece, this.out.length - off);
      api.send(c.ref, [{ mem: this.tx, off, len }], c.tokensSent++);
    }
  }

  onEvent(_ctx: WorkContext, api: SocketApi, stack: number, ev: SocketEvent): void {
    const k = keyOf(stack, ev.conn);
    if (ev.kind === "new_conn" || ev.kind === "connected") {
      const c = new ConnState({ stack, conn: ev.conn });
      this.conns.set(k, c);
      this.opened(api, c, ev.kind === "new_conn");
      return;
    }
    const c = this.conns.get(k);
    if (c === undefined) {
      this.unknownEvents++;
      return;
    }
    switch (ev.kind) {
      case "new_data": {
        for (const r of ev.refs) {
          const bytes = r.mem.read(r.off, r.len);
          for (let i = 0; i < bytes.length; i++) {
            if (bytes[i] !== this.expect[c.received + i]) c.mismatches++;
          }
          c.received += r.len;
        }
        api.recvDone(c.ref, ev.rxId);
        if (c.received === this.expect.length) this.complete(api, c);
        return;
      }
      case "data_acked":
        if (c.cleanup !== null) c.ackedAfterCleanup++;
        c.acked.add(ev.token);
        return;
      case "remote_closed":
        if (!c.closed) {
          c.closed = true;
          api.close(c.ref);
        }
        return;
      case "cleanup":
        c.cleanup = ev.reason;
        this.conns.delete(k);
        this.finished.push(c);
        this.cleanedUp(api, c);
        return;
    }
  }

  protected abstract opened(api: SocketApi, c: ConnState, passive: boolean): void;
}

/** Opens CONNS connections, CONCURRENT at a time; each sends REQ, reads RESP, closes. */
class SoakClient extends SoakEnd {
  opens = 0;
  private started = false;
  constructor(tx: WritableMemory) {
    super(tx, REQ, RESP);
  }
  start(_ctx: WorkContext, api: SocketApi): void {
    if (this.started) return; // start() runs on every application core
    this.started = true;
    for (let i = 0; i < CONCURRENT; i++) this.openNext(api);
  }
  private openNext(api: SocketApi): void {
    if (this.opens >= CONNS) return;
    api.connect({ addr: testbedIp(2), port: PORT }, this.opens++);
  }
  private connected = 0;
  protected opened(api: SocketApi, c: ConnState): void {
    this.sendAll(api, c, REQ_SENDS);
    // Every third connection half-closes after its request: the server then
    // answers with its last data and its FIN together, in LAST_ACK.
    if (this.connected++ % 3 === 2) api.shutdown(c.ref);
  }
  protected complete(api: SocketApi, c: ConnState): void {
    // The response is in: close (unless the server's FIN came first) and open the next.
    if (!c.closed) {
      c.closed = true;
      api.close(c.ref);
    }
    this.openNext(api);
  }
  protected cleanedUp(api: SocketApi, c: ConnState): void {
    if (c.cleanup !== "closed" || c.received !== RESP_BYTES) this.openNext(api);
  }
}

/**
 * Reads REQ and answers RESP. On every other connection it closes right after
 * the response (its FIN may share a segment and an ACK with the data), on
 * the others when the client has closed.
 */
class SoakServer extends SoakEnd {
  private answered = 0;
  constructor(tx: WritableMemory) {
    super(tx, RESP, REQ);
  }
  start(_ctx: WorkContext, api: SocketApi): void {
    api.listen(PORT, 64);
  }
  protected opened(api: SocketApi, c: ConnState, passive: boolean): void {
    if (passive) api.accept(c.ref);
  }
  protected complete(api: SocketApi, c: ConnState): void {
    this.sendAll(api, c, RESP_SENDS);
    if (this.answered++ % 2 === 1) {
      c.closed = true;
      api.close(c.ref);
    }
  }
  protected cleanedUp(): void {}
}

/** What a node holds that must go back: free receive buffers, live connections, next timer. */
function holdings(n: HostedNode) {
  let conns = 0;
  let deadline = Infinity;
  for (const s of n.stacks) {
    const t = s.tcp as TcpLayer;
    conns += t.connectionCount;
    deadline = Math.min(deadline, t.nextDeadline());
  }
  return { rxFree: n.nic.pool.available, conns, deadline };
}

function checkEnd(end: SoakEnd, sends: number, expectBytes: number, label: string): void {
  assert.equal(end.conns.size, 0, `${label}: connections without cleanup`);
  assert.equal(end.finished.length, CONNS, `${label}: connections`);
  assert.equal(end.unknownEvents, 0, `${label}: events for unknown connections`);
  for (const c of end.finished) {
    assert.equal(c.cleanup, "closed", `${label}: cleanup reason`);
    assert.equal(c.received, expectBytes, `${label}: bytes received`);
    assert.equal(c.mismatches, 0, `${label}: corrupted bytes`);
    assert.equal(c.tokensSent, sends, `${label}: sends`);
    assert.equal(c.acked.size, sends, `${label}: data_acked per send`);
    assert.equal(c.ackedAfterCleanup, 0, `${label}: data_acked after cleanup`);
  }
}

function soak(mode: HostMode, seed: number): void {
  let client: SoakClient | null = null;
  let server: SoakServer | null = null;
  const faultRng = new Rng(seed, "soak-faults");
  const ab = new FaultInjector(faultRng.stream("a-to-b"), FAULTS);
  const ba = new FaultInjector(faultRng.stream("b-to-a"), FAULTS);
  const spec = (name: string, app: (tx: WritableMemory) => App) => ({
    name,
    mode,
    board: GX36,
    layout: LAYOUTS[mode],
    txBytes: 64 * 1024,
    rxBuffers: 1024,
    app,
  });
  const pair = new Pair(
    spec("client", (tx) => client = new SoakClient(tx)),
    spec("server", (tx) => server = new SoakServer(tx)),
    { seed, link: { faultAtoB: ab, faultBtoA: ba } },
  );
  const before = [holdings(pair.a), holdings(pair.b)];
  pair.start();
  pair.sched.runUntil(TIME_LIMIT);
  const label = `${mode} seed ${seed}`;
  assert.ok(client !== null && server !== null);
  const c = client as SoakClient, s = server as SoakServer;
  checkEnd(c, REQ_SENDS, RESP_BYTES, `${label} client`);
  checkEnd(s, RESP_SENDS, REQ_BYTES, `${label} server`);
  // The faults did happen.
  for (const f of [ab, ba]) {
    assert.ok(f.stats.dropped > 0 && f.stats.duplicated > 0, `${label}: faults`);
    assert.ok(f.stats.reordered > 0 && f.stats.corrupted > 0, `${label}: faults`);
  }
  // Nothing left: the simulation went idle, buffers and connections are back.
  assert.equal(pair.sched.pending, 0, `${label}: pending events (timers) at the end`);
  assert.deepEqual([holdings(pair.a), holdings(pair.b)], before, `${label}: holdings`);
}

for (const mode of ["dlibos", "rtc", "linux"] as const) {
  Deno.test(`soak: ${CONNS} connections through a faulty link, ${mode}, seeds ${SEEDS}`, () => {
    for (const seed of SEEDS) soak(mode, seed);
  });
}
