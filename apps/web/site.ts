/**
 * The preloaded site: every response the server can give, built once into
 * the app's transmit memory and sent by reference ("zero touch").
 *
 * A response is [header part, connection part, body]: the header part holds
 * the status line, Server, Content-Type, Content-Length (and Allow for 405);
 * the connection part is one of two shared constants ("Connection:
 * keep-alive" or "Connection: close", each ending the header block); HEAD
 * sends the first two only. Files are found by a hash table over the
 * normalised path bytes (no per-request strings).
 */
import type { BufRef } from "../../hw/buffers.ts";
import { ascii } from "../common/ascii.ts";
import { contentTypeFor, type ResolvedWebConfig } from "./config.ts";

export const HTTP_ERRORS = {
  400: "Bad Request",
  404: "Not Found",
  405: "Method Not Allowed",
  413: "Payload Too Large",
  414: "URI Too Long",
  431: "Request Header Fields Too Large",
  501: "Not Implemented",
  505: "HTTP Version Not Supported",
} as const;

export type ErrorStatus = keyof typeof HTTP_ERRORS;

/** Errors after which the connection is closed (like nginx: the framing may be lost). */
const CLOSING_ERRORS: ReadonlySet<number> = new Set([400, 413, 414, 431, 501, 505]);

export interface FileEntry {
  readonly path: Uint8Array;
  readonly header: BufRef;
  readonly body: BufRef;
}

export interface ErrorEntry {
  readonly status: ErrorStatus;
  readonly header: BufRef;
  readonly body: BufRef;
  /** The connection is closed after this response. */
  readonly close: boolean;
}

/** FNV-1a 32-bit (public-domain FNV spec) offset basis and prime. */
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

export function pathHash(buf: Uint8Array, s: number, e: number): number {
  let h = FNV_OFFSET;
  for (let i = s; i < e; i++) h = Math.imul(h ^ buf[i], FNV_PRIME);
  return h >>> 0;
}

/** Writes `bytes` somewhere in transmit memory and returns where. */
export type Put = (bytes: Uint8Array) => BufRef;

function errorBody(status: number, text: string, server: string): string {
  return `<html>\r\n<head><title>${status} ${text}</title></head>\r\n<body>\r\n` +
    `<center><h1>${status} ${text}</h1></center>\r\n<hr><center>${server}</center>\r\n` +
    `</body>\r\n</html>\r\n`;
}

export class WebSite {
  readonly keepAlive: BufRef;
  readonly close: BufRef;
  private readonly table = new Map<number, FileEntry[]>();
  private readonly errors = new Map<number, ErrorEntry>();
  /** Files loaded. */
  readonly fileCount: number;

  constructor(cfg: ResolvedWebConfig, put: Put) {
    const enc = new TextEncoder();
    this.keepAlive = put(ascii("Connection: keep-alive\r\n\r\n"));
    this.close = put(ascii("Connection: close\r\n\r\n"));
    const server = cfg.serverName;
    for (const [path, file] of cfg.files) {
      const type = file.contentType ?? contentTypeFor(path);
      const header = put(
        ascii(
          `HTTP/1.1 200 OK\r\nServer: ${server}\r\nContent-Type: ${type}\r\n` +
            `Content-Length: ${file.body.length}\r\n`,
        ),
      );
      const body = put(file.body);
      const p = enc.encode(path);
      const h = pathHash(p, 0, p.length);
      let bucket = this.table.get(h);
      if (bucket === undefined) {
        bucket = [];
        this.table.set(h, bucket);
      }
      bucket.push({ path: p, header, body });
    }
    this.fileCount = cfg.files.size;
    for (const [k, text] of Object.entries(HTTP_ERRORS)) {
      const status = Number(k) as ErrorStatus;
      const body = ascii(errorBody(status, text, server));
      const allow = status === 405 ? "Allow: GET, HEAD\r\n" : "";
      const header = put(
        ascii(
          `HTTP/1.1 ${status} ${text}\r\nServer: ${server}\r\nContent-Type: text/html\r\n` +
            `Content-Length: ${body.length}\r\n${allow}`,
        ),
      );
      this.errors.set(status, {
        status,
        header,
        body: put(body),
        close: CLOSING_ERRORS.has(status),
      });
    }
  }

  /** The file at normalised path `buf[s, e)`, or null. */
  lookup(buf: Uint8Array, s: number, e: number): FileEntry | null {
    const bucket = this.table.get(pathHash(buf, s, e));
    if (bucket === undefined) return null;
    const n = e - s;
    outer: for (const f of bucket) {
      if (f.path.length !== n) continue;
      for (let i = 0; i < n; i++) if (f.path[i] !== buf[s + i]) continue outer;
      return f;
    }
    return null;
  }

  error(status: ErrorStatus): ErrorEntry {
    return this.errors.get(status)!;
  }
}

/** Bytes of transmit memory a site needs. */
export function siteBytes(cfg: ResolvedWebConfig): number {
  let total = 0;
  const dummy = { name: "sizing", size: 0, read: () => new Uint8Array(0) };
  new WebSite(cfg, (b) => {
    total += b.length;
    return { mem: dummy, off: 0, len: b.length };
  });
  return total;
}
