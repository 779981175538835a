/**
 * Test support for the load-generator applications: one client host with a
 * fake socket API per application core (records connects, sends, closes and
 * timer requests; the test completes connects and delivers replies) and a
 * work context that counts charged cycles. No network, no stack.
 */
import type { Time } from "../../core/time.ts";
import { ImmediateContext } from "../../core/work.ts";
import type { BufRef } from "../../hw/buffers.ts";
import { ByteArena } from "../common/arena.ts";
import { gather } from "../../stack/buf.ts";
import type { CleanupReason, ConnId, Endpoint, SocketEvent } from "../../stack/events.ts";
import type { App, ConnRef, SocketApi } from "../api.ts";
import type { LoadgenEnv } from "./loadgen.ts";

export interface FakeSend {
  readonly bytes: Uint8Array;
  readonly token: number;
  readonly at: Time;
}

export interface FakeClientConn {
  readonly sends: FakeSend[];
  closed: boolean;
}

/** One application core's socket API. */
export class FakeClientApi implements SocketApi {
  readonly connects: { remote: Endpoint; tag: number }[] = [];
  readonly conns = new Map<ConnId, FakeClientConn>();
  readonly timers: { at: Time; tag: number }[] = [];
  readonly rxOutstanding = new Set<number>();
  readonly violations: string[] = [];

  constructor(readonly host: FakeClientHost, readonly index: number) {}

  listen(): void {
    this.violations.push("listen on a client");
  }
  connect(remote: Endpoint, tag: number): void {
    this.connects.push({ remote, tag });
  }
  accept(): void {
    this.violations.push("accept on a client");
  }
  recvDone(_c: ConnRef, rxId: number): void {
    if (!this.rxOutstanding.delete(rxId)) this.violations.push(`recvDone of unknown rx ${rxId}`);
  }
  send(c: ConnRef, refs: readonly BufRef[], token: number): void {
    const fc = this.conns.get(c.conn);
    if (fc === undefined || c.stack !== this.index) {
      this.violations.push(`send on unknown connection ${c.stack}/${c.conn}`);
      return;
    }
    if (fc.closed) this.violations.push(`send after close on ${c.conn}`);
    fc.sends.push({ bytes: gather(refs), token, at: this.host.time });
  }
  /** Clients send no files: the same as send. */
  sendFile(c: ConnRef, refs: readonly BufRef[], token: number): void {
    this.send(c, refs, token);
  }
  fileOp(): void {}
  shutdown(): void {}
  close(c: ConnRef): void {
    const fc = this.conns.get(c.conn);
    if (fc === undefined) this.violations.push(`close of unknown connection ${c.conn}`);
    else fc.closed = true;
  }
  timer(at: Time, tag: number): void {
    this.timers.push({ at, tag });
  }
}

/** A client host: the app, its cores' APIs, a clock the test moves. */
export class FakeClientHost {
  time: Time = 0;
  readonly ctx = new ImmediateContext();
  readonly apis: FakeClientApi[] = [];
  readonly env: LoadgenEnv;
  private nextConn = 1;
  private nextRx = 1;
  app!: App;

  constructor(readonly cores: number, txBytes = 1 << 20) {
    this.env = { tx: new ByteArena(txBytes), now: () => this.time, cores };
    for (let k = 0; k < cores; k++) this.apis.push(new FakeClientApi(this, k));
  }

  /** Runs `start` on every core. */
  start(): void {
    for (const api of this.apis) this.item(() => this.app.start(this.ctx, api));
  }

  private item(fn: () => void): void {
    this.ctx.time = this.time;
    fn();
  }

  private event(core: number, ev: SocketEvent): void {
    this.item(() => this.app.onEvent(this.ctx, this.apis[core], core, ev));
  }

  /** Completes the oldest connect issued on `core`; returns the new connection's id. */
  accept(core: number): ConnId {
    const api = this.apis[core];
    if (api.connects.shift() === undefined) throw new Error(`no connect pending on core ${core}`);
    const conn = this.nextConn++;
    api.conns.set(conn, { sends: [], closed: false });
    this.event(core, {
      kind: "connected",
      conn,
      local: { addr: 0x0a00000b, port: 40000 + conn },
    });
    return conn;
  }

  /** Completes every pending connect on every core; the ids per core. */
  acceptAll(): ConnId[][] {
    return this.apis.map((api, k) => {
      const ids: ConnId[] = [];
      while (api.connects.length > 0) ids.push(this.accept(k));
      return ids;
    });
  }

  /** Fails the oldest connect on `core`. */
  refuse(core: number, reason: CleanupReason = "refused"): void {
    if (this.apis[core].connects.shift() === undefined) throw new Error("no connect pending");
    this.event(core, { kind: "cleanup", conn: this.nextConn++, reason });
  }

  /** Delivers `text` on `conn` of `core` as one new_data event. */
  reply(core: number, conn: ConnId, text: string | Uint8Array): void {
    const bytes = typeof text === "string" ? new TextEncoder().encode(text) : text;
    const rxId = this.nextRx++;
    this.apis[core].rxOutstanding.add(rxId);
    const mem = new ByteArena(bytes.length, "rx");
    mem.write(0, bytes);
    this.event(core, {
      kind: "new_data",
      conn,
      rxId,
      refs: [{ mem, off: 0, len: bytes.length }],
      bytes: bytes.length,
    });
  }

  acked(core: number, conn: ConnId, token: number): void {
    this.event(core, { kind: "data_acked", conn, token });
  }
  remoteClosed(core: number, conn: ConnId): void {
    this.event(core, { kind: "remote_closed", conn });
  }
  cleanup(core: number, conn: ConnId, reason: CleanupReason): void {
    this.event(core, { kind: "cleanup", conn, reason });
  }

  /** Fires every timer due at or before `until`, in time order (moving the clock); returns how many. */
  runTimers(until: Time): number {
    let n = 0;
    for (;;) {
      let best: { core: number; i: number; at: Time } | null = null;
      this.apis.forEach((api, core) =>
        api.timers.forEach((t, i) => {
          if (t.at <= until && (best === null || t.at < best.at)) best = { core, i, at: t.at };
        })
      );
      if (best === null) break;
      const b = best as { core: number; i: number; at: Time };
      const api = this.apis[b.core];
      const [t] = api.timers.splice(b.i, 1);
      this.time = Math.max(this.time, t.at);
      this.item(() => this.app.onTimer?.(this.ctx, api, t.tag));
      n++;
    }
    this.time = Math.max(this.time, until);
    return n;
  }

  /** Every send on every connection of `core`, as text. */
  sentText(core: number, conn: ConnId): string[] {
    const c = this.apis[core].conns.get(conn);
    return c === undefined ? [] : c.sends.map((s) => new TextDecoder().decode(s.bytes));
  }

  violations(): string[] {
    return this.apis.flatMap((a) => a.violations);
  }
}
