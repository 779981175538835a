/**
 * wrk's request bytes (wrk.lua) and an incremental HTTP/1.x response parser
 * standing in for the http_parser wrk links (only what wrk's default script
 * needs: status, Content-Length, chunked bodies, bodies ended by EOF,
 * keep-alive). Parsing never throws: a malformed response is an error result.
 */

const CR = 0x0d, LF = 0x0a, COLON = 0x3a, SP = 0x20, HT = 0x09, SEMI = 0x3b;
/** http_parser's HTTP_MAX_HEADER_SIZE: status line and headers together. */
export const MAX_HEADER_BYTES = 80 * 1024;

export interface ParsedUrl {
  readonly host: string;
  /** The port as written in the URL, or null. */
  readonly port: string | null;
  /** From the path on (query kept); "/" when the URL has none. */
  readonly path: string;
}

/** Splits `http://host[:port]/path?query`; null when it is not such a URL. */
export function parseUrl(url: string): ParsedUrl | null {
  const m = /^(https?):\/\/(\[[^\]]+\]|[^/:?#]+)(?::(\d+))?([/?][^#]*)?/.exec(url);
  if (m === null) return null;
  const host = m[2].startsWith("[") ? m[2].slice(1, -1) : m[2];
  const path = m[4] === undefined ? "/" : m[4].startsWith("?") ? `/${m[4]}` : m[4];
  return { host, port: m[3] ?? null, path };
}

/**
 * wrk.lua's default request: `GET <path> HTTP/1.1\r\nHost: <host>[:port]\r\n\r\n`
 * (IPv6 hosts in brackets; the port only if the URL has one; no other header).
 */
export function defaultRequest(url: ParsedUrl): string {
  let host = url.host.includes(":") ? `[${url.host}]` : url.host;
  if (url.port !== null) host = `${host}:${url.port}`;
  return `GET ${url.path} HTTP/1.1\r\nHost: ${host}\r\n\r\n`;
}

const enum St {
  StatusLine,
  Header,
  Body,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailer,
  UntilEof,
}

/** One complete response. */
export interface Response {
  readonly status: number;
  readonly keepAlive: boolean;
}

export class ResponseParser {
  private st = St.StatusLine;
  private line = new Uint8Array(256);
  private lineLen = 0;
  private headerBytes = 0;
  private left = 0;
  private status = 0;
  private minor = 1;
  private contentLength = -1;
  private chunked = false;
  private connClose = false;
  private connKeepAlive = false;
  /** Why the last {@link execute} failed. */
  error = "";

  /** Back to expecting a status line (a new connection). */
  reset(): void {
    this.st = St.StatusLine;
    this.lineLen = this.headerBytes = 0;
    this.error = "";
  }

  /** Whether a response is partly parsed. */
  get midResponse(): boolean {
    return this.st !== St.StatusLine || this.lineLen > 0;
  }

  /**
   * Parses `buf[off, off+len)`, calling `onComplete` per finished response
   * (return false from it to stop: the rest is ignored). Returns false on a
   * parse error ({@link error} says why).
   */
  execute(
    buf: Uint8Array,
    off: number,
    len: number,
    onComplete: (r: Response) => boolean,
  ): boolean {
    const end = off + len;
    let i = off;
    while (i < end) {
      switch (this.st) {
        case St.Body:
        case St.ChunkData: {
          const n = Math.min(this.left, end - i);
          this.left -= n;
          i += n;
          if (this.left > 0) break;
          if (this.st === St.ChunkData) this.st = St.ChunkDataEnd;
          else if (!this.complete(onComplete)) return true;
          break;
        }
        case St.UntilEof:
          i = end;
          break;
        default: {
          const lf = buf.indexOf(LF, i);
          const stop = lf < 0 || lf >= end ? end : lf;
          if (!this.append(buf, i, stop)) return this.fail("header too large");
          if (stop === end) return true;
          i = stop + 1;
          let n = this.lineLen;
          this.lineLen = 0;
          if (n > 0 && this.line[n - 1] === CR) n--;
          const r = this.onLine(n);
          if (r === false) return false;
          if (r === "complete" && !this.complete(onComplete)) return true;
        }
      }
    }
    return true;
  }

  /**
   * The peer closed. Returns the response this completes (a body delimited by
   * EOF), null when nothing was pending, or "error" for EOF mid-response
   * (wrk: `n == 0 && !http_body_is_final`).
   */
  eof(): Response | null | "error" {
    if (this.st === St.UntilEof) {
      this.st = St.StatusLine;
      return { status: this.status, keepAlive: false };
    }
    return "error";
  }

  private fail(why: string): false {
    this.error = why;
    return false;
  }

  private complete(onComplete: (r: Response) => boolean): boolean {
    const keepAlive = this.minor >= 1 ? !this.connClose : this.connKeepAlive;
    this.st = St.StatusLine;
    this.headerBytes = 0;
    return onComplete({ status: this.status, keepAlive });
  }

  private append(src: Uint8Array, s: number, e: number): boolean {
    const n = e - s;
    this.headerBytes += n;
    if (this.headerBytes > MAX_HEADER_BYTES) return false;
    if (this.lineLen + n > this.line.length) {
      let cap = this.line.length * 2;
      while (cap < this.lineLen + n) cap *= 2;
      const grown = new Uint8Array(cap);
      grown.set(this.line.subarray(0, this.lineLen));
      this.line = grown;
    }
    this.line.set(src.subarray(s, e), this.lineLen);
    this.lineLen += n;
    return true;
  }

  private onLine(n: number): false | "complete" | "more" {
    const b = this.line;
    switch (this.st) {
      case St.StatusLine: {
        // HTTP/1.x SSS[ reason]
        if (
          n < 12 || b[0] !== 0x48 || b[1] !== 0x54 || b[2] !== 0x54 || b[3] !== 0x50 ||
          b[4] !== 0x2f || b[5] !== 0x31 || b[6] !== 0x2e || !isDigit(b[7]) || b[8] !== SP ||
          !isDigit(b[9]) || !isDigit(b[10]) || !isDigit(b[11]) || (n > 12 && b[12] !== SP)
        ) return this.fail("bad status line");
        this.minor = b[7] - 0x30;
        this.status = (b[9] - 0x30) * 100 + (b[10] - 0x30) * 10 + (b[11] - 0x30);
        this.contentLength = -1;
        this.chunked = this.connClose = this.connKeepAlive = false;
        this.st = St.Header;
        return "more";
      }
      case St.Header: {
        if (n === 0) return this.headersDone();
        const colon = b.indexOf(COLON);
        if (colon <= 0 || colon >= n) return this.fail("bad header line");
        let v = colon + 1;
        while (v < n && (b[v] === SP || b[v] === HT)) v++;
        let ve = n;
        while (ve > v && (b[ve - 1] === SP || b[ve - 1] === HT)) ve--;
        if (nameIs(b, colon, "content-length")) {
          if (ve === v) return this.fail("bad Content-Length");
          let x = 0;
          for (let i = v; i < ve; i++) {
            if (!isDigit(b[i]) || x > 1e15) return this.fail("bad Content-Length");
            x = x * 10 + (b[i] - 0x30);
          }
          this.contentLength = x;
        } else if (nameIs(b, colon, "transfer-encoding")) {
          this.chunked = valueHas(b, v, ve, "chunked");
        } else if (nameIs(b, colon, "connection")) {
          if (valueHas(b, v, ve, "close")) this.connClose = true;
          if (valueHas(b, v, ve, "keep-alive")) this.connKeepAlive = true;
        }
        return "more";
      }
      case St.ChunkSize: {
        let x = 0, i = 0;
        for (; i < n && b[i] !== SEMI && b[i] !== SP; i++) {
          const d = hexDigit(b[i]);
          if (d < 0 || x > 1e14) return this.fail("bad chunk size");
          x = x * 16 + d;
        }
        if (i === 0) return this.fail("bad chunk size");
        if (x === 0) this.st = St.Trailer;
        else (this.left = x), (this.st = St.ChunkData);
        return "more";
      }
      case St.ChunkDataEnd:
        if (n !== 0) return this.fail("chunk not followed by CRLF");
        this.st = St.ChunkSize;
        return "more";
      case St.Trailer:
        return n === 0 ? "complete" : "more";
      default:
        return this.fail("unexpected state");
    }
  }

  private headersDone(): false | "complete" | "more" {
    const s = this.status;
    if ((s >= 100 && s < 200) || s === 204 || s === 304) return "complete";
    if (this.chunked) {
      this.st = St.ChunkSize;
      return "more";
    }
    if (this.contentLength >= 0) {
      if (this.contentLength === 0) return "complete";
      this.left = this.contentLength;
      this.st = St.Body;
      return "more";
    }
    this.st = St.UntilEof; // no length: the body ends with the connection
    return "more";
  }
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x61 + 10 : -1;
}

/** Header name `b[0, len)` equals lower-case `name`, ignoring case. */
function nameIs(b: Uint8Array, len: number, name: string): boolean {
  if (len !== name.length) return false;
  for (let i = 0; i < len; i++) if ((b[i] | 0x20) !== name.charCodeAt(i)) return false;
  return true;
}

/** The header value `b[s, e)` contains lower-case token `tok`, ignoring case. */
function valueHas(b: Uint8Array, s: number, e: number, tok: string): boolean {
  outer: for (let i = s; i + tok.length <= e; i++) {
    for (let j = 0; j < tok.length; j++) {
      if ((b[i + j] | 0x20) !== tok.charCodeAt(j)) continue outer;
    }
    return true;
  }
  return false;
}
