/** Request builders and response framers for the closed-loop client. */
import type { ClientProtocol } from "./closed_loop.ts";

const CR = 13;
const LF = 10;
const enc = new TextEncoder();

/** Index of the first "\r\n" at or after `from` within the first `len` bytes, or -1. */
function findCrlf(b: Uint8Array, len: number, from = 0): number {
  for (let i = from; i + 1 < len; i++) if (b[i] === CR && b[i + 1] === LF) return i;
  return -1;
}

/** Index of the first "\r\n\r\n" within the first `len` bytes, or -1. */
function findBlankLine(b: Uint8Array, len: number): number {
  for (let i = 0; i + 3 < len; i++) {
    if (b[i] === CR && b[i + 1] === LF && b[i + 2] === CR && b[i + 3] === LF) return i;
  }
  return -1;
}

function ascii(b: Uint8Array, from: number, to: number): string {
  let s = "";
  for (let i = from; i < to; i++) s += String.fromCharCode(b[i]);
  return s;
}

/** A value of `size` bytes of printable, deterministic text. */
export function valueBytes(size: number): Uint8Array {
  const v = new Uint8Array(size);
  for (let i = 0; i < size; i++) v[i] = 97 + (i % 26);
  return v;
}

/** Memcached text protocol: `set` the key once per connection, then `get` it in the loop. */
export function memcachedProtocol(key: string, valueSize: number): ClientProtocol {
  const value = valueBytes(valueSize);
  const head = enc.encode(`set ${key} 0 0 ${valueSize}\r\n`);
  const set = new Uint8Array(head.length + valueSize + 2);
  set.set(head);
  set.set(value, head.length);
  set.set([CR, LF], head.length + valueSize);
  return {
    name: "memcached",
    setup: [set],
    request: enc.encode(`get ${key}\r\n`),
    frame(b, len) {
      const eol = findCrlf(b, len);
      if (eol < 0) return len > 2048 ? -1 : 0;
      const first = ascii(b, 0, eol);
      if (!first.startsWith("VALUE ")) return eol + 2; // STORED, END, ERROR ... one line
      const bytes = Number(first.split(" ")[3]);
      if (!Number.isInteger(bytes) || bytes < 0) return -1;
      const end = eol + 2 + bytes + 2 + 5; // data, CRLF, "END\r\n"
      if (len < end) return 0;
      return ascii(b, end - 5, end) === "END\r\n" ? end : -1;
    },
  };
}

/** HTTP/1.1 keep-alive GET of one path. */
export function httpProtocol(path: string, host = "dlibos"): ClientProtocol {
  return {
    name: "http",
    setup: [],
    request: enc.encode(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\n\r\n`),
    frame(b, len) {
      const blank = findBlankLine(b, len);
      if (blank < 0) return len > 65536 ? -1 : 0;
      const head = ascii(b, 0, blank).toLowerCase();
      if (!head.startsWith("http/1.")) return -1;
      const m = /\r\ncontent-length:\s*(\d+)/.exec(head);
      const body = m ? Number(m[1]) : 0;
      const total = blank + 4 + body;
      return len >= total ? total : 0;
    },
  };
}
