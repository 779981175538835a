/**
 * Test support for the hosting-mode tests (stack/host/*_test.ts): small
 * applications, a two-node builder and the scenarios the modes share.
 *
 * - {@link TestPair}: a client node and a server node (DLibOS or RTC) on one
 *   scheduler, back to back on a 10 GbE link, with every frame on the wire
 *   decoded and time-stamped as it arrives ({@link WireFrame}). It builds the
 *   nodes directly (not through testbed.ts) so these tests depend only on the
 *   two modes they exercise.
 * - {@link ProbeApp}: records every socket event kind it receives and every
 *   command kind it issues, with the simulated time of each event.
 * - {@link ExchangeClient} / {@link ExchangeServer}: one request/echo
 *   exchange per connection followed by an orderly close from both sides, so
 *   that every event and every command crosses the socket layer;
 *   {@link exchangePair} builds a pair running them.
 * - {@link delayedAckScenario}, {@link faultScenario}: ACK timing and
 *   fault containment, run the same way in each mode.
 */
import type { Time } from "../../core/time.ts";
import { MS, SEC, US } from "../../core/time.ts";
import { Scheduler } from "../../core/scheduler.ts";
import { contextCore, type Core } from "../../core/executor.ts";
import type { Category, WorkContext } from "../../core/work.ts";
import { type BoardSpec, GX36, makeBoard } from "../../hw/board.ts";
import { EthernetLink, type LinkConfig } from "../../hw/link.ts";
import type { App, ConnRef, SocketApi } from "../socket.ts";
import type { BufRef, WritableMemory } from "../../hw/buffers.ts";
import type {
  ConnId,
  Endpoint,
  SocketCommandKind,
  SocketEvent,
  SocketEventKind,
} from "../events.ts";
import type { TcpConfig } from "../tcp/layer.ts";
import type { MacAddr } from "../wire/ethernet.ts";
import { DlibosNode } from "./dlibos.ts";
import { type Layout, parseLayout } from "./layout.ts";
import type { AppFactory, NodeAddress } from "./node.ts";
import { RtcNode } from "./rtc.ts";

/** The two modes these tests compare (the Linux baseline has its own tests). */
export type TestMode = "dlibos" | "rtc";

/** Client and server addresses of a {@link TestPair} (10.0.0.1 and 10.0.0.2). */
export const CLIENT_IP = 0x0a000001;
export const SERVER_IP = 0x0a000002;
/** The port the test servers listen on. */
export const TEST_PORT = 7000;
export const SERVER_ENDPOINT: Endpoint = { addr: SERVER_IP, port: TEST_PORT };

const CLIENT_MAC: MacAddr = new Uint8Array([2, 0, 0, 0, 0, 1]);
const SERVER_MAC: MacAddr = new Uint8Array([2, 0, 0, 0, 0, 2]);
const PREFIX_LEN = 24;
/** Small defaults: a test node needs few buffers and little transmit memory. */
const DEFAULT_TEST_RX_BUFFERS = 512;
const DEFAULT_TEST_TX_BYTES = 64 * 1024;
/** Short MSL so that TIME_WAIT (2*MSL) ends quickly in simulated time. */
export const TEST_MSL: Time = 1 * MS;
/** Simulated time a run continues after its goal (lets in-flight work items complete). */
const SETTLE: Time = 10 * US;

/** A TCP segment (or other frame) seen on the wire. */
export interface WireFrame {
  /** Arrival time at the receiving end. */
  readonly t: Time;
  readonly from: "client" | "server";
  /** Null for non-TCP frames (ARP, ICMP). */
  readonly tcp: TcpInfo | null;
}

export interface TcpInfo {
  readonly srcPort: number;
  readonly dstPort: number;
  readonly seq: number;
  readonly ack: number;
  readonly flags: number;
  readonly payloadLen: number;
}

export const TCP_FLAG_FIN = 0x01;
export const TCP_FLAG_SYN = 0x02;
export const TCP_FLAG_RST = 0x04;
export const TCP_FLAG_ACK = 0x10;

const ETH_HEADER = 14;
const ETHERTYPE_IPV4 = 0x0800;
const PROTO_TCP = 6;

/** Decodes the TCP header fields of an Ethernet/IPv4/TCP frame, or null. */
export function decodeTcp(f: Uint8Array): TcpInfo | null {
  if (f.length < ETH_HEADER + 20) return null;
  if (((f[12] << 8) | f[13]) !== ETHERTYPE_IPV4) return null;
  const ip = ETH_HEADER;
  if (f[ip + 9] !== PROTO_TCP) return null;
  const ihl = (f[ip] & 15) * 4;
  const total = (f[ip + 2] << 8) | f[ip + 3];
  const t = ip + ihl;
  const u32 = (o: number) => ((f[o] << 24) | (f[o + 1] << 16) | (f[o + 2] << 8) | f[o + 3]) >>> 0;
  const doff = (f[t + 12] >>> 4) * 4;
  return {
    srcPort: (f[t] << 8) | f[t + 1],
    dstPort: (f[t + 2] << 8) | f[t + 3],
    seq: u32(t + 4),
    ack: u32(t + 8),
    flags: f[t + 13],
    payloadLen: total - ihl - doff,
  };
}

/** a >= b in 32-bit sequence space. */
export function seqGe(a: number, b: number): boolean {
  return ((a - b) | 0) >= 0;
}

export interface TestPairOptions {
  readonly mode: TestMode;
  readonly client: AppFactory;
  readonly server: AppFactory;
  /** Both nodes' layout (default "2:2": two network and two application cores). */
  readonly layout?: Layout;
  readonly serverLayout?: Layout;
  readonly board?: BoardSpec;
  readonly tcp?: Partial<TcpConfig>;
  readonly link?: LinkConfig;
  readonly seed?: number;
  readonly txBytes?: number;
  readonly rxBuffers?: number;
}

export type TestNode = DlibosNode | RtcNode;

/** Two nodes back to back; the client is end a of the link, the server end b. */
export class TestPair {
  readonly sched = new Scheduler();
  readonly client: TestNode;
  readonly server: TestNode;
  readonly link: EthernetLink;
  /** Every frame delivered on the link, in arrival order. */
  readonly frames: WireFrame[] = [];

  constructor(o: TestPairOptions) {
    const seed = o.seed ?? 1;
    const tcp: Partial<TcpConfig> = { msl: TEST_MSL, ...o.tcp };
    const layout = o.layout ?? parseLayout("2:2");
    const addr = (ip: number, mac: MacAddr, peerIp: number, peerMac: MacAddr): NodeAddress => ({
      ip,
      mac,
      prefixLen: PREFIX_LEN,
      neighbours: [{ ip: peerIp, mac: peerMac }],
    });
    const build = (
      name: string,
      address: NodeAddress,
      app: AppFactory,
      s: number,
      lay: Layout,
    ): TestNode => {
      const cfg = {
        name,
        address,
        app,
        txBytes: o.txBytes ?? DEFAULT_TEST_TX_BYTES,
        rxBuffers: o.rxBuffers ?? DEFAULT_TEST_RX_BUFFERS,
        tcp,
        seed: s,
        board: makeBoard(o.board ?? GX36),
        layout: lay,
      };
      return o.mode === "dlibos" ? new DlibosNode(this.sched, cfg) : new RtcNode(this.sched, cfg);
    };
    this.client = build(
      "client",
      addr(CLIENT_IP, CLIENT_MAC, SERVER_IP, SERVER_MAC),
      o.client,
      seed,
      layout,
    );
    this.server = build(
      "server",
      addr(SERVER_IP, SERVER_MAC, CLIENT_IP, CLIENT_MAC),
      o.server,
      seed + 1,
      o.serverLayout ?? layout,
    );
    this.link = new EthernetLink(this.sched, o.link ?? {});
    this.client.nic.attachPort(this.link.a);
    this.server.nic.attachPort(this.link.b);
    this.tap(this.link.a.onFrame, "server", (f) => (this.link.a.onFrame = f));
    this.tap(this.link.b.onFrame, "client", (f) => (this.link.b.onFrame = f));
  }

  private tap(
    deliver: ((t: Time, frame: Uint8Array) => void) | null,
    from: "client" | "server",
    set: (f: (t: Time, frame: Uint8Array) => void) => void,
  ): void {
    set((t, frame) => {
      this.frames.push({ t, from, tcp: decodeTcp(frame) });
      deliver?.(t, frame);
    });
  }

  /**
   * Starts both applications and runs until `until()` holds (checked after
   * each event), then `settle` longer so work items in flight finish; throws
   * if the goal is not reached by `limit`.
   */
  run(until: () => boolean, limit: Time = 1 * SEC, settle: Time = SETTLE): void {
    this.server.start();
    this.client.start();
    const sched = this.sched;
    while (sched.pending > 0 && sched.nextTime <= limit && !until()) sched.step();
    if (!until()) {
      throw new Error(`test pair did not reach its goal by ${sched.now} ps (limit ${limit} ps)`);
    }
    sched.runUntil(sched.now + settle);
  }

  /** TCP frames sent by one side. */
  tcpFrom(from: "client" | "server"): (WireFrame & { tcp: TcpInfo })[] {
    return this.frames.filter((f): f is WireFrame & { tcp: TcpInfo } =>
      f.from === from && f.tcp !== null
    );
  }
}

/** Copies the referenced bytes (reading through the refs' own memory). */
export function gatherRefs(refs: readonly BufRef[]): Uint8Array {
  let n = 0;
  for (const r of refs) n += r.len;
  const out = new Uint8Array(n);
  let o = 0;
  for (const r of refs) {
    out.set(r.mem.read(r.off, r.len), o);
    o += r.len;
  }
  return out;
}

/** A deterministic test pattern of `n` bytes, distinct per `salt`. */
export function pattern(n: number, salt = 0): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + salt * 7 + 11) & 255;
  return out;
}

/** One logged socket event with the simulated time the application handled it. */
export interface LoggedEvent {
  readonly t: Time;
  readonly stack: number;
  readonly ev: SocketEvent;
  /** The simulated core the application handled it on (null outside a core). */
  readonly core: Core | null;
}

/**
 * Base of the test apps: logs every event (kind and time) and every command
 * issued through {@link cmd}. Subclasses implement {@link handle}.
 */
export abstract class ProbeApp implements App {
  readonly events: LoggedEvent[] = [];
  readonly eventKinds = new Set<SocketEventKind>();
  readonly commandKinds = new Set<SocketCommandKind>();
  /** Cycles charged to "app" per event (0: none). */
  burnCycles = 0;
  burnCategory: Category = "app";

  constructor(readonly tx: WritableMemory) {}

  abstract start(ctx: WorkContext, api: SocketApi): void;
  protected abstract handle(ctx: WorkContext, api: SocketApi, stack: number, ev: SocketEvent): void;

  onEvent(ctx: WorkContext, api: SocketApi, stack: number, ev: SocketEvent): void {
    this.eventKinds.add(ev.kind);
    const entry = { t: -1, stack, ev, core: contextCore(ctx) };
    this.events.push(entry);
    ctx.then((t) => (entry as { t: Time }).t = t);
    this.handle(ctx, api, stack, ev);
  }

  /** The first logged event of `kind` (optionally on `conn`). */
  first(kind: SocketEventKind, conn?: ConnId): LoggedEvent | undefined {
    return this.events.find((e) =>
      e.ev.kind === kind && (conn === undefined || e.ev.conn === conn)
    );
  }

  protected listen(api: SocketApi, port: number, backlog: number): void {
    this.commandKinds.add("listen");
    api.listen(port, backlog);
  }
  protected connect(api: SocketApi, remote: Endpoint, tag: number): void {
    this.commandKinds.add("connect");
    api.connect(remote, tag);
  }
  protected accept(api: SocketApi, c: ConnRef): void {
    this.commandKinds.add("accept");
    api.accept(c);
  }
  protected recvDone(api: SocketApi, c: ConnRef, rxId: number): void {
    this.commandKinds.add("recv_done");
    api.recvDone(c, rxId);
  }
  protected send(api: SocketApi, c: ConnRef, refs: readonly BufRef[], token: number): void {
    this.commandKinds.add("send");
    api.send(c, refs, token);
  }
  protected shutdown(api: SocketApi, c: ConnRef): void {
    this.commandKinds.add("shutdown");
    api.shutdown(c);
  }
  protected close(api: SocketApi, c: ConnRef): void {
    this.commandKinds.add("close");
    api.close(c);
  }
  protected burn(ctx: WorkContext): void {
    if (this.burnCycles > 0) ctx.charge(this.burnCategory, this.burnCycles);
  }
}

/** Per-connection state of the exchange apps. */
interface ExchangeConn {
  readonly ref: ConnRef;
  readonly received: Uint8Array[];
  bytes: number;
  /** Offset of this connection's message in transmit memory. */
  readonly txOff: number;
  replied: boolean;
}

function key(c: ConnRef): string {
  return `${c.stack}/${c.conn}`;
}

/**
 * When an {@link ExchangeClient} opens its next connection: all at start, or
 * each once the previous connection's message is acknowledged, or once the
 * previous connection is cleaned up.
 */
export type ConnectPolicy = "all" | "after-acked" | "after-cleanup";

/**
 * Connects `messages.length` times to the server (see {@link ConnectPolicy}),
 * sends message i on connection i, expects it echoed back, then shuts down
 * its side once the server has closed, and closes.
 */
export class ExchangeClient extends ProbeApp {
  /** Echoed bytes per connection, in connection order. */
  readonly echoes: Uint8Array[] = [];
  /** Send time (cursor time at the send command) per connection. */
  readonly sentAt: Time[] = [];
  /** Connections that reached cleanup. */
  cleanups = 0;
  private started = false;
  private next = 0;
  private requested = 0;
  private readonly conns = new Map<string, ExchangeConn & { index: number }>();
  private readonly offsets: number[] = [];

  constructor(
    tx: WritableMemory,
    readonly messages: readonly Uint8Array[],
    readonly server: Endpoint = SERVER_ENDPOINT,
    readonly policy: ConnectPolicy = "all",
  ) {
    super(tx);
    let off = 0;
    for (const m of messages) {
      this.offsets.push(off);
      tx.write(off, m);
      off += m.length;
    }
  }

  get done(): boolean {
    return this.cleanups === this.messages.length;
  }

  start(_ctx: WorkContext, api: SocketApi): void {
    if (this.started) return; // start() runs on every application core
    this.started = true;
    const n = this.policy === "all" ? this.messages.length : 1;
    for (let i = 0; i < n; i++) this.connect(api, this.server, this.requested++);
  }

  protected handle(ctx: WorkContext, api: SocketApi, stack: number, ev: SocketEvent): void {
    const ref = { stack, conn: ev.conn };
    const c = this.conns.get(key(ref));
    switch (ev.kind) {
      case "connected": {
        const index = this.next++;
        const msg = this.messages[index];
        const st = {
          ref,
          received: [],
          bytes: 0,
          txOff: this.offsets[index],
          replied: false,
          index,
        };
        this.conns.set(key(ref), st);
        this.burn(ctx);
        ctx.then((t) => (this.sentAt[index] = t));
        this.send(api, ref, [{ mem: this.tx, off: st.txOff, len: msg.length }], 100 + index);
        return;
      }
      case "new_data": {
        if (c === undefined) return;
        this.burn(ctx);
        c.received.push(gatherRefs(ev.refs).slice());
        c.bytes += ev.bytes;
        this.recvDone(api, ref, ev.rxId);
        if (c.bytes >= this.messages[c.index].length && !c.replied) {
          c.replied = true;
          this.echoes[c.index] = concat(c.received);
        }
        return;
      }
      case "data_acked":
        if (c !== undefined && this.policy === "after-acked") this.connectNext(api);
        return;
      case "remote_closed":
        if (c === undefined) return;
        this.shutdown(api, ref);
        this.close(api, ref);
        return;
      case "cleanup":
        if (c === undefined) return;
        this.conns.delete(key(ref));
        this.cleanups++;
        if (this.policy === "after-cleanup") this.connectNext(api);
        return;
      default:
        return;
    }
  }

  private connectNext(api: SocketApi): void {
    if (this.requested < this.messages.length) this.connect(api, this.server, this.requested++);
  }
}

/** What an {@link ExchangeServer} does with a received message before echoing it. */
export type ServerHook = (ctx: WorkContext, refs: readonly BufRef[], conn: ConnRef) => void;

/**
 * Listens on {@link TEST_PORT}; accepts every connection; when a full message
 * of `messageBytes(firstByte)` bytes has arrived it copies it into transmit
 * memory, sends it back, releases the receive buffers and, once its echo is
 * acknowledged, shuts down its side; closes when the client has closed too.
 */
export class ExchangeServer extends ProbeApp {
  /** Requests received per connection (in arrival order of completion). */
  readonly requests: Uint8Array[] = [];
  /** Called on every new_data event before the bytes are used (fault injection, busy work). */
  onData: ServerHook | null = null;
  /**
   * Neither echo nor release the data (ACK-timing tests: no data for the ACK
   * to ride on, and no window update when buffers are released).
   */
  silent = false;
  private readonly conns = new Map<string, ExchangeConn & { pendingRx: number[] }>();
  private txNext = 0;

  constructor(tx: WritableMemory, readonly messageBytes: (firstByte: number) => number) {
    super(tx);
  }

  start(_ctx: WorkContext, api: SocketApi): void {
    this.listen(api, TEST_PORT, 16);
  }

  protected handle(ctx: WorkContext, api: SocketApi, stack: number, ev: SocketEvent): void {
    const ref = { stack, conn: ev.conn };
    const c = this.conns.get(key(ref));
    switch (ev.kind) {
      case "new_conn":
        this.conns.set(key(ref), {
          ref,
          received: [],
          bytes: 0,
          txOff: -1,
          replied: false,
          pendingRx: [],
        });
        this.accept(api, ref);
        return;
      case "new_data": {
        if (c === undefined) return;
        this.burn(ctx);
        this.onData?.(ctx, ev.refs, ref);
        c.received.push(gatherRefs(ev.refs).slice());
        c.bytes += ev.bytes;
        c.pendingRx.push(ev.rxId);
        const msg = concat(c.received);
        if (c.replied || msg.length === 0 || msg.length < this.messageBytes(msg[0])) return;
        c.replied = true;
        this.requests.push(msg);
        if (this.silent) return;
        const off = this.txNext;
        this.txNext += msg.length;
        (c as { txOff: number }).txOff = off;
        this.tx.write(off, msg);
        this.send(api, ref, [{ mem: this.tx, off, len: msg.length }], 200);
        for (const id of c.pendingRx) this.recvDone(api, ref, id);
        c.pendingRx.length = 0;
        return;
      }
      case "data_acked":
        if (c === undefined) return;
        this.shutdown(api, ref);
        return;
      case "remote_closed":
        if (c === undefined) return;
        this.close(api, ref);
        return;
      case "cleanup":
        this.conns.delete(key(ref));
        return;
      default:
        return;
    }
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A {@link TestPair} running one request/echo exchange per message. */
export interface Exchange {
  readonly pair: TestPair;
  readonly client: ExchangeClient;
  readonly server: ExchangeServer;
}

/**
 * Builds (does not run) a pair whose {@link ExchangeClient} sends each of
 * `messages` on its own connection to an {@link ExchangeServer} that knows
 * a message's length by its first byte; `options` adds to the pair's.
 */
export function exchangePair(
  mode: TestMode,
  messages: readonly Uint8Array[],
  options: Partial<Omit<TestPairOptions, "mode" | "client" | "server">> = {},
): Exchange {
  const messageBytes = (b: number) => messages.find((m) => m[0] === b)?.length ?? 0;
  let client!: ExchangeClient, server!: ExchangeServer;
  const pair = new TestPair({
    ...options,
    mode,
    client: (tx) => (client = new ExchangeClient(tx, messages)),
    server: (tx) => (server = new ExchangeServer(tx, messageBytes)),
  });
  return { pair, client, server };
}

/** What {@link delayedAckScenario} measured. */
export interface DelayedAckOutcome {
  readonly pair: TestPair;
  readonly client: ExchangeClient;
  readonly server: ExchangeServer;
  /** The client's data segments, in arrival order. */
  readonly data: readonly (WireFrame & { tcp: TcpInfo })[];
  /** Sequence number just past the last data byte. */
  readonly dataEnd: number;
  /** Arrival at the server of the client's last data segment. */
  readonly dataArrival: Time;
  /** Arrival at the client of the server's first segment acknowledging all the data. */
  readonly ackArrival: Time;
  /** ackArrival - dataArrival. */
  readonly ackDelay: Time;
  /** When the client application handled data_acked. */
  readonly dataAckedAt: Time;
  /** Time the server's application cores spent in "app" work. */
  readonly serverAppBusy: Time;
}

/**
 * The client sends one message (one segment by default); the server application does not reply
 * (so the ACK cannot ride on data) and spends `burnCycles` of application
 * work on the new_data event. Quick-ACK mode is off, so the server's stack
 * must send a delayed ACK when its `delayedAckTimeout` timer fires.
 */
export function delayedAckScenario(
  mode: TestMode,
  burnCycles: number,
  delayedAckTimeout: Time,
  bytes = 200,
): DelayedAckOutcome {
  let client!: ExchangeClient, server!: ExchangeServer;
  const pair = new TestPair({
    mode,
    tcp: { quickAckSegments: 0, delayedAckTimeout },
    client: (tx) => (client = new ExchangeClient(tx, [pattern(bytes, 3)])),
    server: (tx) => {
      server = new ExchangeServer(tx, () => bytes);
      server.silent = true;
      server.burnCycles = burnCycles;
      return server;
    },
  });
  pair.run(
    () => client.first("data_acked") !== undefined,
    1 * SEC,
    burnCycles > 0 ? 5 * MS : SETTLE,
  );
  const data = pair.tcpFrom("client").filter((f) => f.tcp.payloadLen > 0);
  const last = data[data.length - 1];
  const end = (last.tcp.seq + last.tcp.payloadLen) >>> 0;
  const ack = pair.tcpFrom("server").find((f) =>
    (f.tcp.flags & TCP_FLAG_ACK) !== 0 && seqGe(f.tcp.ack, end)
  );
  if (ack === undefined) throw new Error("the server never acknowledged the data");
  let serverAppBusy = 0;
  for (const core of pair.server.appCores) serverAppBusy += core.timeIn("app");
  return {
    pair,
    client,
    server,
    data,
    dataEnd: end,
    dataArrival: last.t,
    ackArrival: ack.t,
    ackDelay: ack.t - last.t,
    dataAckedAt: client.first("data_acked")!.t,
    serverAppBusy,
  };
}

/** First byte of a message the {@link faultScenario} server tries to corrupt in place. */
export const CORRUPT_MARK = 0x42;
/** The byte it tries to write. */
export const CORRUPT_VALUE = 0xee;

/** What {@link faultScenario} observed. */
export interface FaultOutcome {
  readonly pair: TestPair;
  readonly client: ExchangeClient;
  readonly server: ExchangeServer;
  readonly messages: readonly Uint8Array[];
  /** Write attempts into received buffers. */
  attempts: number;
  /** Attempts whose write returned (the byte read back afterwards). */
  readonly writes: { before: number; after: number }[];
}

/**
 * The client opens a connection and sends a message starting with
 * {@link CORRUPT_MARK}; the server application writes into the received
 * buffer through the new_data reference. Once that message is acknowledged
 * the client opens a second connection with an ordinary message that must
 * be echoed. Runs until the second echo has arrived.
 */
export function faultScenario(mode: TestMode): FaultOutcome {
  const messages = [pattern(100, 5), pattern(100, 6)];
  messages[0][0] = CORRUPT_MARK;
  messages[1][0] = CORRUPT_MARK + 1;
  let client!: ExchangeClient, server!: ExchangeServer;
  const out: { attempts: number; writes: { before: number; after: number }[] } = {
    attempts: 0,
    writes: [],
  };
  const pair = new TestPair({
    mode,
    client: (tx) => (client = new ExchangeClient(tx, messages, SERVER_ENDPOINT, "after-acked")),
    server: (tx) => {
      server = new ExchangeServer(tx, () => 100);
      server.onData = (_ctx, refs) => {
        const r = refs[0];
        if (r.mem.read(r.off, 1)[0] !== CORRUPT_MARK) return;
        out.attempts++;
        const before = r.mem.read(r.off, 1)[0];
        (r.mem as unknown as WritableMemory).write(r.off, Uint8Array.of(CORRUPT_VALUE));
        out.writes.push({ before, after: r.mem.read(r.off, 1)[0] });
      };
      return server;
    },
  });
  pair.run(() => client.echoes[1] !== undefined);
  return { pair, client, server, messages, ...out };
}

/**
 * Every object reachable from `roots` by reflection alone: own properties
 * (data values, and getters called on the object they were found for, along
 * its whole prototype chain), prototypes, constructors and their statics, and
 * the buffer behind any typed array. The walk stops at the language's
 * built-in objects (constructors on globalThis and their prototypes) and
 * calls no method: it lists what a holder of the roots can reach without
 * any capability beyond them.
 */
export function reachable(roots: readonly unknown[]): Set<object> {
  const builtins = new Set<unknown>();
  const g = globalThis as unknown as Record<string, unknown>;
  for (const name of Object.getOwnPropertyNames(globalThis)) {
    const v = g[name];
    if (typeof v === "function") {
      builtins.add(v);
      builtins.add((v as { prototype?: unknown }).prototype);
    }
  }
  builtins.add(Object.getPrototypeOf(Uint8Array));
  builtins.add(Object.getPrototypeOf(Uint8Array.prototype));
  const seen = new Set<object>();
  const todo: unknown[] = [...roots];
  const isObject = (v: unknown): v is object =>
    (typeof v === "object" && v !== null) || typeof v === "function";
  while (todo.length > 0) {
    const o = todo.pop();
    if (!isObject(o) || seen.has(o) || builtins.has(o)) continue;
    seen.add(o);
    if (ArrayBuffer.isView(o)) todo.push(o.buffer);
    for (let p: object | null = o; p !== null && !builtins.has(p); p = Object.getPrototypeOf(p)) {
      if (p !== o) todo.push(p);
      for (const k of Reflect.ownKeys(p)) {
        const d = Object.getOwnPropertyDescriptor(p, k)!;
        if ("value" in d) {
          todo.push(d.value);
          continue;
        }
        todo.push(d.get, d.set);
        if (d.get === undefined) continue;
        try {
          todo.push(d.get.call(o));
        } catch {
          // A getter that refuses this receiver reveals nothing.
        }
      }
    }
    todo.push(Object.getPrototypeOf(o));
  }
  return seen;
}
