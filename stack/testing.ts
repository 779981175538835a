/**
 * Test support for end-to-end runs through real frames: two {@link Stack}s
 * (Ethernet/ARP/IPv4/TCP) on the in-memory {@link Harness} switch, optional
 * {@link FaultInjector}s on each node's transmit side, and an application
 * that streams a deterministic byte sequence each way, checks every received
 * byte against the peer's sequence as it arrives, and closes when done.
 * (Two TCP layers back to back, without frames: stack/tcp/testing.ts.)
 * Not used by the model itself.
 */
import { Rng } from "../core/rng.ts";
import { Scheduler } from "../core/scheduler.ts";
import { SEC, type Time } from "../core/time.ts";
import { FaultConfig, FaultInjector } from "../hw/fault.ts";
import { refOf } from "./buf.ts";
import type { BufRef } from "../hw/buffers.ts";
import type { CleanupReason, ConnId, SocketEvent } from "./events.ts";
import { type FrameFilter, Harness, type HarnessNode } from "./harness.ts";
import type { StackConfig } from "./stack.ts";
import { localMac } from "./wire/ethernet.ts";
import { DEFAULT_MSL, type TcpConfig } from "./tcp/config.ts";
import type { TcpLayer } from "./tcp/layer.ts";

/** Addresses of the two stacks: 10.0.0.1 (client) and 10.0.0.2 (server). */
export const E2E_IP_CLIENT = 0x0a000001;
export const E2E_IP_SERVER = 0x0a000002;
export const E2E_PORT = 80;
/** Subnet prefix of the test network. */
const PREFIX_LEN = 24;
/** Bytes per send() call (one ref each). */
const DEFAULT_CHUNK = 64 * 1024;
/** Longest simulated time a run may take: the transfer, then TIME_WAIT (2*MSL) at the default MSL. */
const DEFAULT_TIME_LIMIT: Time = 600 * SEC + 2 * DEFAULT_MSL;

/** One direction's application state. */
export class StreamEnd {
  conn: ConnId = -1;
  sent = 0;
  tokensAcked = 0;
  tokensSent = 0;
  received = 0;
  mismatches = 0;
  remoteClosed = false;
  shutdownDone = false;
  cleanup: CleanupReason | null = null;
  events = 0;
  constructor(readonly out: Uint8Array, readonly expect: Uint8Array) {}
}

export interface E2eOptions {
  /** Bytes each way. */
  bytes: number;
  seed: number;
  /** Faults applied to frames each node transmits (independent streams per node). */
  fault?: FaultConfig | null;
  tcp?: Partial<TcpConfig>;
  chunk?: number;
  timeLimit?: Time;
  /** Extra per-node transmit filter applied after the fault injector (e.g. a capture tap). */
  tap?: FrameFilter | null;
  /** Close (shutdown) once everything is sent, acknowledged and received (default true). */
  closeWhenDone?: boolean;
}

export interface E2eRun {
  readonly h: Harness;
  readonly client: HarnessNode;
  readonly server: HarnessNode;
  readonly c: StreamEnd;
  readonly s: StreamEnd;
  readonly faults: FaultInjector[];
}

/** A filter chain: `first` then `second`. */
function chain(first: FrameFilter | null, second: FrameFilter | null): FrameFilter | null {
  if (first === null) return second;
  if (second === null) return first;
  return {
    apply(now, frame, deliver) {
      first.apply(now, frame, (t, f) => second.apply(t, f, deliver));
    },
  };
}

function stackCfg(id: number, ip: number, tcp: Partial<TcpConfig>): StackConfig {
  return { id, ip, mac: localMac(id + 1), prefixLen: PREFIX_LEN, tcp };
}

/** The TcpLayer inside a harness node's stack. */
export function tcpOf(node: HarnessNode): TcpLayer {
  return node.stack.tcp as TcpLayer;
}

/** Builds the two-stack network and starts the bidirectional transfer (not yet run). */
export function startTransfer(o: E2eOptions): E2eRun {
  const sched = new Scheduler();
  const h = new Harness(sched, new Rng(o.seed, "e2e-harness"));
  const dataRng = new Rng(o.seed, "e2e-data");
  const up = dataRng.fill(new Uint8Array(o.bytes));
  const down = dataRng.fill(new Uint8Array(o.bytes));
  const c = new StreamEnd(up, down), s = new StreamEnd(down, up);
  const chunk = o.chunk ?? DEFAULT_CHUNK;
  const closeWhenDone = o.closeWhenDone ?? true;
  const faults: FaultInjector[] = [];
  const mkFault = (name: string) => {
    if (!o.fault) return null;
    const f = new FaultInjector(new Rng(o.seed, `e2e-fault-${name}`), o.fault);
    faults.push(f);
    return f;
  };
  const tcp = o.tcp ?? {};

  const maybeClose = (end: StreamEnd, node: HarnessNode, now: Time) => {
    if (
      closeWhenDone && !end.shutdownDone && end.sent === end.out.length &&
      end.tokensAcked === end.tokensSent && end.received === end.expect.length
    ) {
      end.shutdownDone = true;
      node.stack.shutdown(now, end.conn);
    }
  };
  const sendAll = (end: StreamEnd, node: HarnessNode, now: Time) => {
    while (end.sent < end.out.length) {
      const n = Math.min(chunk, end.out.length - end.sent);
      const refs: BufRef[] = [refOf(end.out.subarray(end.sent, end.sent + n))];
      node.stack.send(now, end.conn, refs, end.tokensSent++);
      end.sent += n;
    }
  };
  const handler = (end: StreamEnd) => (ev: SocketEvent, node: HarnessNode, now: Time) => {
    end.events++;
    switch (ev.kind) {
      case "new_conn":
        end.conn = ev.conn;
        node.stack.accept(ev.conn);
        sendAll(end, node, now);
        break;
      case "connected":
        sendAll(end, node, now);
        break;
      case "new_data": {
        for (const r of ev.refs) {
          const bytes = r.mem.read(r.off, r.len);
          for (let i = 0; i < bytes.length; i++) {
            if (
              end.received + i >= end.expect.length || bytes[i] !== end.expect[end.received + i]
            ) {
              end.mismatches++;
            }
          }
          end.received += r.len;
        }
        node.stack.recvDone(ev.conn, ev.rxId);
        break;
      }
      case "data_acked":
        end.tokensAcked++;
        break;
      case "remote_closed":
        end.remoteClosed = true;
        break;
      case "cleanup":
        end.cleanup = ev.reason;
        break;
    }
    maybeClose(end, node, now);
  };
  const server = h.addNode(stackCfg(1, E2E_IP_SERVER, tcp), {
    txFault: chain(mkFault("server"), o.tap ?? null),
    onEvent: handler(s),
  });
  const client = h.addNode(stackCfg(0, E2E_IP_CLIENT, tcp), {
    txFault: chain(mkFault("client"), o.tap ?? null),
    onEvent: handler(c),
  });
  h.command(server, (st) => st.listen(E2E_PORT, 8));
  c.conn = h.command(client, (st, now) => st.connect(now, { addr: E2E_IP_SERVER, port: E2E_PORT }));
  return { h, client, server, c, s, faults };
}

/** Runs until both ends are cleaned up (or the time limit). */
export function runTransfer(run: E2eRun, timeLimit: Time = DEFAULT_TIME_LIMIT): void {
  const { h, c, s } = run;
  const step = 1 * SEC;
  while (h.sched.now < timeLimit && (c.cleanup === null || s.cleanup === null)) {
    h.runFor(step);
    if (h.sched.pending === 0) break;
  }
}
