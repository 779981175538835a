/**
 * Socket events and commands (stack/events.ts) as records of 32-bit words,
 * for the rings between network and application Workers. Buffer references
 * travel as (region id, offset, length) and are turned back into views of
 * the receiving Worker's own region table (live/regions.ts), so a Worker can
 * only name memory it was given a view of.
 *
 * Event records: kind, conn, then per kind
 * - new_conn: listenPort, local addr, local port, remote addr, remote port
 * - connected: local addr, local port
 * - new_data: rxId, bytes, ref count, (region, off, len) per ref
 * - data_acked: token; remote_closed: -; cleanup: reason index
 *
 * Command records: kind, then per kind
 * - listen: port, backlog; connect: addr, port, tag
 * - accept / shutdown / close: conn; recv_done: conn, rxId
 * - send: conn, token, ref count, (region, off, len) per ref
 */
import type { BufRef, Memory } from "../hw/buffers.ts";
import type { CleanupReason, SocketCommand, SocketEvent } from "../stack/events.ts";
import { RegionFault, type SharedRegion } from "./regions.ts";

const EV_KINDS = [
  "new_conn",
  "connected",
  "new_data",
  "data_acked",
  "remote_closed",
  "cleanup",
] as const;
const CMD_KINDS = [
  "listen",
  "connect",
  "accept",
  "recv_done",
  "send",
  "shutdown",
  "close",
] as const;
const CLEANUP_REASONS: readonly CleanupReason[] = [
  "closed",
  "reset",
  "timeout",
  "refused",
  "aborted",
];
/** Words per encoded reference. */
const REF_WORDS = 3;
/** Longest record: a new_data or send with this many references fits. */
export const MAX_REFS = 1024;
/** Words of the longest record. */
export const MAX_RECORD_WORDS = 8 + MAX_REFS * REF_WORDS;

/** Region id of a reference's memory; throws for memory that is not a shared region. */
function regionOf(mem: Memory): number {
  const id = (mem as Partial<SharedRegion>).id;
  if (typeof id !== "number") {
    throw new RegionFault(`${mem.name} is not a shared region: it cannot cross Workers`);
  }
  return id;
}

function putRefs(out: Uint32Array, at: number, refs: readonly BufRef[]): number {
  if (refs.length > MAX_REFS) throw new RangeError(`${refs.length} references exceed ${MAX_REFS}`);
  out[at++] = refs.length;
  for (const r of refs) {
    out[at++] = regionOf(r.mem);
    out[at++] = r.off;
    out[at++] = r.len;
  }
  return at;
}

function getRefs(
  rec: Uint32Array,
  at: number,
  n: number,
  views: readonly (SharedRegion | null)[],
): BufRef[] {
  const count = rec[at];
  if (at + 1 + count * REF_WORDS > n) throw new RangeError("truncated reference list");
  const refs: BufRef[] = new Array(count);
  for (let k = 0; k < count; k++) {
    const o = at + 1 + k * REF_WORDS;
    const mem = views[rec[o]];
    if (mem === null || mem === undefined) {
      throw new RegionFault(`reference to region ${rec[o]}, which this Worker has no view of`);
    }
    refs[k] = { mem, off: rec[o + 1], len: rec[o + 2] };
  }
  return refs;
}

/** Encodes `ev` into `out`; returns the record length in words. */
export function encodeEvent(ev: SocketEvent, out: Uint32Array): number {
  out[0] = EV_KINDS.indexOf(ev.kind);
  out[1] = ev.conn;
  switch (ev.kind) {
    case "new_conn":
      out[2] = ev.listenPort;
      out[3] = ev.local.addr;
      out[4] = ev.local.port;
      out[5] = ev.remote.addr;
      out[6] = ev.remote.port;
      return 7;
    case "connected":
      out[2] = ev.local.addr;
      out[3] = ev.local.port;
      return 4;
    case "new_data":
      out[2] = ev.rxId;
      out[3] = ev.bytes;
      return putRefs(out, 4, ev.refs);
    case "data_acked":
      out[2] = ev.token;
      return 3;
    case "remote_closed":
      return 2;
    case "cleanup":
      out[2] = CLEANUP_REASONS.indexOf(ev.reason);
      return 3;
  }
}

/** Decodes an event record of `n` words; references become views from `views`. */
export function decodeEvent(
  rec: Uint32Array,
  n: number,
  views: readonly (SharedRegion | null)[],
): SocketEvent {
  const kind = EV_KINDS[rec[0]];
  const conn = rec[1];
  switch (kind) {
    case "new_conn":
      return {
        kind,
        conn,
        listenPort: rec[2],
        local: { addr: rec[3], port: rec[4] },
        remote: { addr: rec[5], port: rec[6] },
      };
    case "connected":
      return { kind, conn, local: { addr: rec[2], port: rec[3] } };
    case "new_data":
      return { kind, conn, rxId: rec[2], bytes: rec[3], refs: getRefs(rec, 4, n, views) };
    case "data_acked":
      return { kind, conn, token: rec[2] };
    case "remote_closed":
      return { kind, conn };
    case "cleanup":
      return { kind, conn, reason: CLEANUP_REASONS[rec[2]] ?? "aborted" };
    default:
      throw new RangeError(`unknown event kind ${rec[0]}`);
  }
}

/** Encodes `cmd` into `out`; returns the record length in words. */
export function encodeCommand(cmd: SocketCommand, out: Uint32Array): number {
  out[0] = CMD_KINDS.indexOf(cmd.kind);
  switch (cmd.kind) {
    case "listen":
      out[1] = cmd.port;
      out[2] = cmd.backlog;
      return 3;
    case "connect":
      out[1] = cmd.remote.addr;
      out[2] = cmd.remote.port;
      out[3] = cmd.tag;
      return 4;
    case "recv_done":
      out[1] = cmd.conn;
      out[2] = cmd.rxId;
      return 3;
    case "send":
      out[1] = cmd.conn;
      out[2] = cmd.token;
      return putRefs(out, 3, cmd.refs);
    case "accept":
    case "shutdown":
    case "close":
      out[1] = cmd.conn;
      return 2;
  }
}

/** Decodes a command record of `n` words; references become views from `views`. */
export function decodeCommand(
  rec: Uint32Array,
  n: number,
  views: readonly (SharedRegion | null)[],
): SocketCommand {
  const kind = CMD_KINDS[rec[0]];
  switch (kind) {
    case "listen":
      return { kind, port: rec[1], backlog: rec[2] };
    case "connect":
      return { kind, remote: { addr: rec[1], port: rec[2] }, tag: rec[3] };
    case "recv_done":
      return { kind, conn: rec[1], rxId: rec[2] };
    case "send":
      return { kind, conn: rec[1], token: rec[2], refs: getRefs(rec, 3, n, views) };
    case "accept":
    case "shutdown":
    case "close":
      return { kind, conn: rec[1] };
    default:
      throw new RangeError(`unknown command kind ${rec[0]}`);
  }
}
