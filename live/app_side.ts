/**
 * An application Worker (DLibOS mode): runs the unchanged app against a
 * {@link SocketApi} whose commands are records on the rings to the network
 * Workers, and feeds it the events arriving on the rings from them. It holds
 * read-only views of the receive regions (to read `new_data`) and a writable
 * view of its own transmit region (the app's memory), nothing of the stacks.
 */
import type { BufRef } from "../hw/buffers.ts";
import type { Endpoint, SocketCommand } from "../stack/events.ts";
import type { App, ConnRef, SocketApi } from "../stack/socket.ts";
import { appMemoryBytes, buildApp } from "./apps.ts";
import { LiveClock } from "./clock.ts";
import { LiveContext } from "./context.ts";
import { decodeEvent, encodeCommand, MAX_RECORD_WORDS } from "./messages.ts";
import { type AppStart, STOP, type WorkerReport } from "./plan.ts";
import { type SharedRegion, txRegionId, viewsFor } from "./regions.ts";
import { Doorbell, SpscRing } from "./spsc_ring.ts";
import { AppTimers } from "./timers.ts";
import { MS, type Time } from "../core/time.ts";

/** Longest sleep with nothing to do, ms. */
const APP_IDLE_WAIT_MS = 20;

export class AppWorker {
  readonly counters = { events: 0, commands: 0, commandsDeferred: 0 };
  private readonly clock: LiveClock;
  private readonly ctx: LiveContext;
  private readonly app: App;
  private readonly api: SocketApi;
  private readonly views: (SharedRegion | null)[];
  private readonly evRings: SpscRing[];
  private readonly cmdRings: SpscRing[];
  private readonly deferred: SocketCommand[][];
  private readonly netBells: Doorbell[] = [];
  private readonly rungNet: boolean[];
  private readonly myBell: Doorbell;
  private readonly control: Int32Array;
  private readonly rec = new Uint32Array(MAX_RECORD_WORDS);
  private readonly out = new Uint32Array(MAX_RECORD_WORDS);
  private readonly timers = new AppTimers();

  constructor(private readonly s: AppStart) {
    this.clock = new LiveClock(s.epochMs);
    this.ctx = new LiveContext(this.clock);
    this.views = viewsFor({ kind: "app", index: s.index }, s.regions);
    this.evRings = s.evRings.map((b) => new SpscRing(b));
    this.cmdRings = s.cmdRings.map((b) => new SpscRing(b));
    this.deferred = s.cmdRings.map(() => []);
    for (let i = 0; i < s.nNet; i++) this.netBells.push(new Doorbell(s.bells, i));
    this.rungNet = this.netBells.map(() => false);
    this.myBell = new Doorbell(s.bells, s.nNet + s.index);
    this.control = new Int32Array(s.control);
    const now = () => this.clock.now();
    const mem = appMemoryBytes(s.app, now) > 0 ? this.views[txRegionId(s.regions, s.index)] : null;
    this.app = buildApp(s.app, mem, now);
    this.api = this.ringApi();
  }

  run(): WorkerReport {
    this.app.start(this.ctx, this.api);
    this.ringNets();
    const rec = this.rec;
    while (Atomics.load(this.control, STOP) === 0) {
      const seen = this.myBell.read();
      let work = 0;
      for (let i = 0; i < this.evRings.length; i++) {
        let n: number;
        while ((n = this.evRings[i].tryPop(rec)) >= 0) {
          this.counters.events++;
          this.app.onEvent(this.ctx, this.api, i, decodeEvent(rec, n, this.views));
          work++;
        }
      }
      const now = this.clock.now();
      if (this.timers.next() <= now) {
        work += this.timers.fireDue(now, (tag) => this.app.onTimer?.(this.ctx, this.api, tag));
      }
      for (let i = 0; i < this.deferred.length; i++) {
        if (this.deferred[i].length > 0) this.flush(i);
      }
      this.ringNets();
      if (work === 0) {
        const until = (this.timers.next() - this.clock.now()) / MS;
        const wait = Math.min(APP_IDLE_WAIT_MS, Math.max(0, until));
        if (wait > 0) this.myBell.wait(seen, wait);
      }
    }
    return { role: "app", index: this.s.index, counters: { ...this.counters }, pcap: null };
  }

  private command(net: number, cmd: SocketCommand): void {
    this.counters.commands++;
    if (this.deferred[net].length > 0 || !this.push(net, cmd)) {
      this.deferred[net].push(cmd);
      this.counters.commandsDeferred++;
    }
  }

  private push(net: number, cmd: SocketCommand): boolean {
    const n = encodeCommand(cmd, this.out);
    if (!this.cmdRings[net].tryPush(this.out, n)) return false;
    this.rungNet[net] = true;
    return true;
  }

  private flush(net: number): void {
    const q = this.deferred[net];
    let k = 0;
    while (k < q.length && this.push(net, q[k])) k++;
    q.splice(0, k);
  }

  private ringNets(): void {
    for (let i = 0; i < this.rungNet.length; i++) {
      if (this.rungNet[i]) {
        this.rungNet[i] = false;
        this.netBells[i].ring();
      }
    }
  }

  /** The socket API as commands to the network Worker owning each connection. */
  private ringApi(): SocketApi {
    return {
      listen: (port, backlog) => {
        for (let i = 0; i < this.cmdRings.length; i++) {
          this.command(i, { kind: "listen", port, backlog });
        }
      },
      connect: (remote: Endpoint, tag: number) => this.command(0, { kind: "connect", remote, tag }),
      accept: (c: ConnRef) => this.command(c.stack, { kind: "accept", conn: c.conn }),
      recvDone: (c: ConnRef, rxId: number) =>
        this.command(c.stack, { kind: "recv_done", conn: c.conn, rxId }),
      send: (c: ConnRef, refs: readonly BufRef[], token: number) =>
        this.command(c.stack, { kind: "send", conn: c.conn, refs, token }),
      // Zero-touch already: a file is sent as any memory; no file system.
      sendFile: (c: ConnRef, refs: readonly BufRef[], token: number) =>
        this.command(c.stack, { kind: "send", conn: c.conn, refs, token }),
      fileOp: () => {},
      shutdown: (c: ConnRef) => this.command(c.stack, { kind: "shutdown", conn: c.conn }),
      close: (c: ConnRef) => this.command(c.stack, { kind: "close", conn: c.conn }),
      timer: (at: Time, tag: number) => this.timers.add(at, tag),
    };
  }
}
