/**
 * Protection (docs/HOSTING.md, "Threat model"): what an application receives
 * is a capability that reaches nothing of the machine, and a fault inside a
 * critical section or a storm of faults does not stop the system.
 */
import assert from "node:assert/strict";
import { contextCore, Core, CoreContext } from "../../core/executor.ts";
import { Lock, LockTable } from "../../core/lock.ts";
import { Scheduler } from "../../core/scheduler.ts";
import { SEC } from "../../core/time.ts";
import type { LockLike, WorkContext } from "../../core/work.ts";
import type { BufRef, Memory, WritableMemory } from "../../hw/buffers.ts";
import { isRegionView, MemoryRegion, ProtectionFault } from "../../hw/memory.ts";
import { Mpipe } from "../../hw/mpipe.ts";
import type { SocketEvent } from "../events.ts";
import type { App, ConnRef, SocketApi } from "../socket.ts";
import { Stack } from "../stack.ts";
import { DlibosNode } from "./dlibos.ts";
import type { AppEnv } from "./node.ts";
import { RtcNode } from "./rtc.ts";
import {
  CORRUPT_MARK,
  CORRUPT_VALUE,
  ExchangeClient,
  ExchangeServer,
  pattern,
  reachable,
  SERVER_ENDPOINT,
  TEST_PORT,
  type TestMode,
  TestPair,
} from "./testing.ts";

/** What an application got from its host, captured during a run. */
interface Handles {
  tx: WritableMemory;
  env: AppEnv;
  lock: LockLike;
  ctx: WorkContext;
  api: SocketApi;
  ev: SocketEvent;
  ref: BufRef;
  mem: Memory;
  fault: unknown;
  /** Errors raised by deliberate misuse of the socket API inside the work item. */
  misuse: unknown[];
}

/** An exchange server that records its handles and tries to misuse them on the first request. */
class Prober extends ExchangeServer {
  h: Partial<Handles> = { misuse: [] };

  constructor(tx: WritableMemory, env: AppEnv, readonly misuse: boolean) {
    super(tx, () => 100);
    this.h.tx = tx;
    this.h.env = env;
    this.h.lock = env.locks("probe");
  }

  override onEvent(ctx: WorkContext, api: SocketApi, stack: number, ev: SocketEvent): void {
    if (ev.kind === "new_data" && this.h.ev === undefined) {
      const h = this.h;
      h.ctx = ctx;
      h.api = api;
      h.ev = ev;
      h.ref = ev.refs[0];
      h.mem = ev.refs[0].mem;
      const c: ConnRef = { stack, conn: ev.conn };
      const tries: (() => void)[] = [
        // A forged memory object, a reference out of bounds, a stack that does not exist.
        () =>
          api.send(c, [{
            mem: { name: "x", size: 8, read: () => new Uint8Array(8) },
            off: 0,
            len: 8,
          }], 1),
        () => api.send(c, [{ mem: this.tx, off: this.tx.size - 1, len: 2 }], 1),
        () => api.accept({ stack: 99, conn: ev.conn }),
        () => api.recvDone({ stack: -1, conn: ev.conn }, ev.rxId),
        () => api.listen(1 << 20, 1),
      ];
      for (const t of this.misuse ? tries : []) {
        try {
          t();
          h.misuse!.push(null);
        } catch (e) {
          h.misuse!.push(e);
        }
      }
      try {
        (h.mem as WritableMemory).write(h.ref.off, Uint8Array.of(CORRUPT_VALUE));
      } catch (e) {
        h.fault = e;
      }
    }
    super.onEvent(ctx, api, stack, ev);
  }
}

function probe(
  mode: TestMode,
  misuse = false,
): { pair: TestPair; h: Handles; msg: Uint8Array; echo: Uint8Array } {
  const msg = pattern(100, 9);
  let client!: ExchangeClient, server!: Prober;
  const pair = new TestPair({
    mode,
    client: (tx) => (client = new ExchangeClient(tx, [msg])),
    server: (tx, env) => (server = new Prober(tx, env, misuse)),
  });
  pair.run(() => client.echoes[0] !== undefined);
  return { pair, h: server.h as Handles, msg, echo: client.echoes[0] };
}

for (const mode of ["dlibos", "rtc"] as const) {
  Deno.test(`protect (${mode}): no path from an application's handles to the machine`, () => {
    const { pair, h } = probe(mode);
    const node = pair.server;
    const appDomain = mode === "dlibos" ? "app" : "rtc";
    const roots = [h.tx, h.env, h.lock, h.ctx, h.api, h.ev, h.ref, h.mem, h.fault];
    const seen = reachable(roots);
    // Known objects of the machine...
    const forbidden = new Map<unknown, string>([
      [node, "node"],
      [node.sched, "scheduler"],
      [node.nic, "NIC"],
      [node.rxRegion, "receive region"],
      [node.txRegion, "transmit region"],
      [node.rxRegion.backing, "receive bytes"],
      [node.rxRegion.backing.buffer, "receive buffer store"],
      [node.txRegion.backing, "transmit bytes"],
      [node.txRegion.backing.buffer, "transmit buffer store"],
      [node.rxRegion.view("nic"), "the NIC's receive view"],
      [node.txRegion.view("nic"), "the NIC's transmit view"],
      [node.appLocks, "lock table"],
    ]);
    if (mode === "dlibos") forbidden.set(node.rxRegion.view("stack:0"), "a stack's receive view");
    for (const c of [...node.netCores, ...node.appCores]) forbidden.set(c, `core ${c.name}`);
    for (const s of node.stacks) forbidden.set(s, "a stack");
    for (const l of node.appLocks.list()) forbidden.set(l, `lock ${l.name}`);
    for (const [obj, what] of forbidden) assert.ok(!seen.has(obj as object), `${what} reachable`);
    // ...and anything of a machine type, or another domain's view.
    const kinds: [new (...a: never[]) => unknown, string][] = [
      [MemoryRegion, "MemoryRegion"],
      [Scheduler, "Scheduler"],
      [Core, "Core"],
      [CoreContext, "CoreContext"],
      [Lock, "Lock"],
      [LockTable, "LockTable"],
      [Mpipe, "Mpipe"],
      [Stack, "Stack"],
      [DlibosNode, "DlibosNode"],
      [RtcNode, "RtcNode"],
    ];
    for (const o of seen) {
      for (const [k, name] of kinds) assert.ok(!(o instanceof k), `a ${name} is reachable`);
      if (isRegionView(o)) assert.equal(o.domain, appDomain, "another domain's view is reachable");
    }
    // The walk did see the handles' own classes (it is not vacuous).
    assert.ok(seen.has(Object.getPrototypeOf(h.mem)));
    assert.ok(seen.size > roots.length);
  });
}

Deno.test("protect (dlibos): received references cannot write, grant, reach the backing or other views", () => {
  const { pair, h, msg, echo } = probe("dlibos");
  const node = pair.server;
  const mem = h.mem as unknown as Record<string, unknown>;
  for (const k of ["region", "backing", "view", "grant", "permission", "perms", "views"]) {
    assert.ok(mem[k] === undefined, `mem.${k} is defined`);
  }
  assert.throws(() => (mem.region as MemoryRegion).view("stack:0"), TypeError);
  // The write faulted; the bytes are the client's.
  assert.ok(h.fault instanceof ProtectionFault);
  assert.equal(h.fault.reason, "permission");
  assert.equal(node.rxRegion.permission("app"), "read");
  // What read() returns is a copy: changing it changes nothing received.
  const b = h.mem.read(h.ref.off, 1);
  b[0] ^= 0xff;
  assert.equal(h.mem.read(h.ref.off, 1)[0], b[0] ^ 0xff);
  assert.equal(node.rxRegion.counters("app").writes, 0);
  // Frozen: no field to redirect, no method to replace (module code is strict).
  assert.throws(() => ((mem as { size: number }).size = 1 << 30), TypeError);
  const proto = Object.getPrototypeOf(h.mem) as Record<string, unknown>;
  assert.throws(() => (proto.readInto = () => {}), TypeError);
  // The constructor makes no view without a region, which nothing here reaches.
  const View = h.mem.constructor as new (r: unknown, d: string) => Memory;
  assert.throws(() => new View({ backing: new Uint8Array(8), grantCount: 0 }, "nic"), TypeError);
  // The application caught its own fault; the client got its bytes back unchanged.
  assert.equal((node as DlibosNode).counters.appFaults, 0);
  assert.deepEqual(echo, msg);
});

Deno.test("protect (dlibos): lock handles, context, socket API and env reveal nothing and check their inputs", () => {
  const { h } = probe("dlibos", true);
  const lock = h.lock as unknown as Record<string, unknown>;
  assert.equal(lock.name, "probe");
  for (const k of ["holder", "acquire", "release", "waiting", "acquisitions"]) {
    assert.ok(lock[k] === undefined, `lock.${k} is defined`);
  }
  const Handle = h.lock.constructor as new (l: unknown) => unknown;
  assert.throws(() => new Handle({ name: "x", acquire: () => true }), TypeError);
  const ctx = h.ctx as unknown as Record<string, unknown>;
  for (const k of ["core", "recording", "refs", "held", "thenCall"]) {
    assert.ok(ctx[k] === undefined, `ctx.${k} is defined`);
  }
  const api = h.api as unknown as Record<string, unknown>;
  for (const k of ["node", "core", "ctx", "poller", "command", "tile"]) {
    assert.ok(api[k] === undefined, `api.${k} is defined`);
  }
  assert.ok(Object.isFrozen(h.env));
  assert.throws(() => ((h.env as { cores: number }).cores = 0), TypeError);
  // Every misuse was refused with a (containable) protection fault.
  assert.equal(h.misuse.length, 5);
  for (const e of h.misuse) assert.ok(e instanceof ProtectionFault, String(e));
});

/**
 * A server that takes a shared lock for every request; a request starting
 * with {@link CORRUPT_MARK} makes it write into the receive buffer while
 * holding the lock (and fault). Other requests are echoed.
 */
class LockingServer implements App {
  readonly lock: LockLike;
  readonly echoed: Uint8Array[] = [];
  /** The core that took the lock, per request (in order). */
  readonly cores: string[] = [];
  private slot = 0;

  constructor(readonly tx: WritableMemory, env: AppEnv, readonly bytes: number) {
    this.lock = env.locks("shared");
  }

  start(_ctx: WorkContext, api: SocketApi): void {
    api.listen(TEST_PORT, 64);
  }

  onEvent(ctx: WorkContext, api: SocketApi, stack: number, ev: SocketEvent): void {
    const c = { stack, conn: ev.conn };
    switch (ev.kind) {
      case "new_conn":
        api.accept(c);
        return;
      case "new_data": {
        const r = ev.refs[0];
        const msg = r.mem.read(r.off, r.len);
        ctx.acquire(this.lock);
        this.cores.push(contextCore(ctx)!.name);
        ctx.charge("app", 1000);
        if (msg[0] === CORRUPT_MARK) {
          (r.mem as WritableMemory).write(r.off, Uint8Array.of(CORRUPT_VALUE));
        }
        ctx.release(this.lock);
        const off = (this.slot++ % 64) * this.bytes;
        this.tx.write(off, msg);
        this.echoed.push(msg.slice());
        api.send(c, [{ mem: this.tx, off, len: r.len }], 0);
        api.recvDone(c, ev.rxId);
        return;
      }
      case "remote_closed":
        api.close(c);
        return;
      default:
        return;
    }
  }
}

Deno.test("protect (dlibos): a fault inside a critical section releases the lock; the next acquire works on every core", () => {
  const bytes = 100;
  const bad = pattern(bytes, 1);
  bad[0] = CORRUPT_MARK;
  const good = (salt: number) => {
    const m = pattern(bytes, salt);
    m[0] = CORRUPT_MARK + 1;
    return m;
  };
  // Connections alternate between the two application cores: the fault on
  // the first leaves the second (other core) and the third (same core) to
  // take the lock after it.
  const messages = [bad, good(2), good(3), bad, good(4), good(5)];
  let client!: ExchangeClient, server!: LockingServer;
  const pair = new TestPair({
    mode: "dlibos",
    client: (tx) => (client = new ExchangeClient(tx, messages, SERVER_ENDPOINT, "after-acked")),
    server: (tx, env) => (server = new LockingServer(tx, env, bytes)),
  });
  pair.run(() => client.echoes[5] !== undefined, 1 * SEC);
  const node = pair.server as DlibosNode;
  const lock = node.appLocks.get("shared");
  assert.equal(node.counters.appFaults, 2);
  assert.equal(node.counters.faultLocksReleased, 2);
  assert.equal(lock.faultReleases, 2);
  assert.equal(lock.acquisitions, messages.length);
  assert.equal(lock.releases, messages.length);
  assert.equal(lock.holder, null);
  // After the first fault, both application cores took the lock again.
  assert.equal(new Set(server.cores.slice(1)).size, 2);
  // Every good request was answered; the bad ones were not, and nothing was corrupted.
  for (const i of [1, 2, 4, 5]) assert.deepEqual(client.echoes[i], messages[i]);
  assert.equal(client.echoes[0], undefined);
  assert.equal(client.echoes[3], undefined);
  assert.equal(node.rxRegion.counters("app").writes, 0);
  // The faulting deliveries' receive buffers went back to the stack.
  assert.equal(node.counters.faultRxReleased, 2);
});

/**
 * Client of the fault storm: `good` connections each make `rounds` request /
 * reply round trips; `bad` connections send a faulting request when they
 * open, and one of them (in turn) another with every reply a good one gets,
 * so faults keep coming for as long as good requests are served.
 */
class StormClient implements App {
  readonly replies: number[] = [];
  badSent = 0;
  private readonly kinds = new Map<string, { good: number; got: number }>();
  private opened = 0;
  private started = false;
  private goodOpened = 0;
  private readonly badConns: ConnRef[] = [];
  private nextBad = 0;

  constructor(
    readonly tx: WritableMemory,
    readonly good: number,
    readonly bad: number,
    readonly rounds: number,
    readonly bytes: number,
  ) {
    const ok = pattern(bytes, 1), evil = pattern(bytes, 2);
    ok[0] = CORRUPT_MARK + 1;
    evil[0] = CORRUPT_MARK;
    tx.write(0, ok);
    tx.write(bytes, evil);
  }

  get done(): boolean {
    return this.replies.length === this.good && this.replies.every((n) => n === this.rounds);
  }

  start(_ctx: WorkContext, api: SocketApi): void {
    if (this.started) return;
    this.started = true;
    for (let i = 0; i < this.good + this.bad; i++) api.connect(SERVER_ENDPOINT, i);
  }

  onEvent(_ctx: WorkContext, api: SocketApi, stack: number, ev: SocketEvent): void {
    const c = { stack, conn: ev.conn };
    const key = `${stack}/${ev.conn}`;
    switch (ev.kind) {
      case "connected": {
        // Interleave: every other connection is a bad one while bad ones remain.
        const n = this.opened++;
        const isGood = this.goodOpened < this.good && (n % 2 === 0 || n >= 2 * this.bad);
        const good = isGood ? this.goodOpened++ : -1;
        if (isGood) this.replies[good] = 0;
        else this.badConns.push(c);
        this.kinds.set(key, { good, got: 0 });
        this.sendOne(api, c, isGood);
        return;
      }
      case "new_data": {
        const k = this.kinds.get(key);
        api.recvDone(c, ev.rxId);
        if (k === undefined || k.good < 0) return;
        k.got += ev.bytes;
        if (k.got < this.bytes) return;
        k.got -= this.bytes;
        if (++this.replies[k.good] < this.rounds) this.sendOne(api, c, true);
        const n = this.badConns.length;
        if (n > 0 && !this.done) this.sendOne(api, this.badConns[this.nextBad++ % n], false);
        return;
      }
      default:
        return;
    }
  }

  private sendOne(api: SocketApi, c: ConnRef, good: boolean): void {
    if (!good) this.badSent++;
    api.send(c, [{ mem: this.tx, off: good ? 0 : this.bytes, len: this.bytes }], 0);
  }
}

Deno.test("protect (dlibos): a fault storm does not stop the network cores serving well-behaved connections", () => {
  const bytes = 64, rounds = 40, good = 4, bad = 4;
  let client!: StormClient, server!: LockingServer;
  const pair = new TestPair({
    mode: "dlibos",
    client: (tx) => (client = new StormClient(tx, good, bad, rounds, bytes)),
    server: (tx, env) => (server = new LockingServer(tx, env, bytes)),
    rxBuffers: 256,
  });
  let faultsAtHalf = -1;
  const node = pair.server as DlibosNode;
  pair.run(() => {
    if (faultsAtHalf < 0 && client.replies.length === good) {
      if (client.replies.reduce((a, b) => a + b, 0) >= (good * rounds) / 2) {
        faultsAtHalf = node.counters.appFaults;
      }
    }
    return client.done;
  }, 1 * SEC);
  // Every request of every well-behaved connection was answered...
  assert.deepEqual(client.replies, new Array(good).fill(rounds));
  assert.equal(server.echoed.length, good * rounds);
  // ...while the bad connections kept faulting, in the second half too.
  const faults = node.counters.appFaults;
  assert.ok(faults >= rounds, `${faults} faults`);
  assert.ok(faultsAtHalf >= 0 && faults > faultsAtHalf, `${faultsAtHalf} then ${faults}`);
  assert.ok(client.badSent >= faults);
  // Each fault released the lock it held and its receive buffers.
  assert.equal(node.counters.faultLocksReleased, faults);
  assert.equal(node.appLocks.get("shared").faultReleases, faults);
  assert.equal(node.counters.faultRxReleased, faults);
  assert.equal(node.appLocks.get("shared").holder, null);
  // No receive buffer leaked to the faults: the pool never ran dry.
  assert.equal(node.nic.pool.failures, 0);
  assert.equal(node.rxRegion.counters("app").writes, 0);
});
