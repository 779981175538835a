/**
 * memcached's fixed replies, written once into the app's transmit memory and
 * sent by reference. Texts are memcached's own (proto_text.c).
 */
import type { BufRef } from "../../hw/buffers.ts";
import type { BumpAllocator } from "../common/arena.ts";
import { ascii } from "../common/ascii.ts";

export const MC_REPLIES = {
  STORED: "STORED\r\n",
  NOT_STORED: "NOT_STORED\r\n",
  EXISTS: "EXISTS\r\n",
  NOT_FOUND: "NOT_FOUND\r\n",
  END: "END\r\n",
  DELETED: "DELETED\r\n",
  TOUCHED: "TOUCHED\r\n",
  OK: "OK\r\n",
  RESET: "RESET\r\n",
  ERROR: "ERROR\r\n",
  CRLF: "\r\n",
  BAD_FORMAT: "CLIENT_ERROR bad command line format\r\n",
  BAD_DELETE: "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n",
  BAD_DATA_CHUNK: "CLIENT_ERROR bad data chunk\r\n",
  BAD_DELTA: "CLIENT_ERROR invalid numeric delta argument\r\n",
  NON_NUMERIC: "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n",
  BAD_EXPTIME: "CLIENT_ERROR invalid exptime argument\r\n",
  BAD_STATS: "CLIENT_ERROR bad command line\r\n",
  STATS_DETAIL_USAGE: "CLIENT_ERROR usage: stats detail on|off|dump\r\n",
  TOO_LARGE: "SERVER_ERROR object too large for cache\r\n",
  OOM_STORE: "SERVER_ERROR out of memory storing object\r\n",
  OOM_GET: "SERVER_ERROR out of memory writing get response\r\n",
  OOM_STATS: "SERVER_ERROR out of memory writing stats\r\n",
  OOM: "SERVER_ERROR out of memory\r\n",
  SHUTDOWN_DISABLED: "ERROR: shutdown not enabled\r\n",
} as const;

export type McReply = keyof typeof MC_REPLIES;

export class McResponses {
  private readonly refs = new Map<McReply, BufRef>();
  readonly version: BufRef;

  constructor(space: BumpAllocator, version: string) {
    for (const k of Object.keys(MC_REPLIES) as McReply[]) {
      this.refs.set(k, put(space, MC_REPLIES[k]));
    }
    this.version = put(space, `VERSION ${version}\r\n`);
  }

  get(r: McReply): BufRef {
    return this.refs.get(r)!;
  }
}

function put(space: BumpAllocator, s: string): BufRef {
  const ref = space.put(ascii(s));
  if (ref === null) throw new Error("memcached: static response region too small");
  return ref;
}
