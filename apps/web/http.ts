/**
 * HTTP/1.0 and HTTP/1.1 request handling for the in-memory webserver: an
 * incremental, bounded parser per connection and the choice of preallocated
 * response. GET and HEAD are served; other methods get 405; keep-alive is the
 * default in 1.1 ("Connection: close" honoured), 1.0 closes unless it asks for
 * keep-alive; pipelined requests are answered in order.
 *
 * Errors (never exceptions): 400 malformed request line, target, header, a
 * missing (in 1.1), repeated or invalid Host (host.ts), conflicting Content-Length; 414 request
 * line longer than `maxRequestLine`; 431 headers over `maxHeaderBytes` or
 * `maxHeaders` lines; 413 body over `maxBodyBytes`; 501 Transfer-Encoding
 * (chunked request bodies are not supported); 505 a version other than 1.x.
 * After 400/413/414/431/501/505 the connection is closed (like nginx). Limits
 * are applied by length, so the answer does not depend on segmentation.
 */
import type { WorkContext } from "../../core/work.ts";
import type { ConnRef } from "../api.ts";
import { CR, HT, LF, SP } from "../common/ascii.ts";
import { chargeApp, chargeCopy } from "../common/costs.ts";
import { PartialLine } from "../common/lines.ts";
import type { Outbox } from "../common/outbox.ts";
import type { ResolvedWebConfig } from "./config.ts";
import type { ErrorStatus, FileEntry, WebSite } from "./site.ts";
import { isValidHost } from "./host.ts";
import { TargetNormalizer } from "./target.ts";

const ST_REQUEST_LINE = 0;
const ST_HEADERS = 1;
const ST_BODY = 2;

/** Byte values used by the parser. */
const DEL = 0x7f;
const DOT = 0x2e;
const COLON = 0x3a;
const COMMA = 0x2c;
const STAR = 0x2a;
const DIGIT_0 = 0x30;
const DIGIT_1 = 0x31;
const DIGIT_9 = 0x39;
/** Offsets in "HTTP/d.d". */
const V_MAJOR = 5;
const V_DOT = 6;
const V_MINOR = 7;
const VERSION_LEN = 8;

const M_GET = 1;
const M_HEAD = 2;
const M_OTHER = 3;

/** Longest Content-Length accepted as a number (beyond: 413 anyway, or 400 if absurd). */
const MAX_LENGTH_DIGITS = 15;

/** RFC 7230 tchar: "!#$%&'*+-.^_`|~", digits, letters. */
const TCHAR = (() => {
  const t = new Uint8Array(256);
  for (const c of "!#$%&'*+-.^_`|~") t[c.charCodeAt(0)] = 1;
  for (let c = DIGIT_0; c <= DIGIT_9; c++) t[c] = 1;
  for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") t[c.charCodeAt(0)] = 1;
  return t;
})();

/** ASCII upper to lower case ('A'..'Z' differ from 'a'..'z' by bit 0x20). */
function lower(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
}

/** Case-insensitive compare of `buf[s, e)` with a lower-case ASCII literal. */
function eqLower(buf: Uint8Array, s: number, e: number, lit: string): boolean {
  if (e - s !== lit.length) return false;
  for (let i = 0; i < lit.length; i++) if (lower(buf[s + i]) !== lit.charCodeAt(i)) return false;
  return true;
}

function isExact(buf: Uint8Array, s: number, e: number, lit: string): boolean {
  if (e - s !== lit.length) return false;
  for (let i = 0; i < lit.length; i++) if (buf[s + i] !== lit.charCodeAt(i)) return false;
  return true;
}

export class WebSession {
  state = ST_REQUEST_LINE;
  readonly partial = new PartialLine();
  /** Stop reading; close once the replies are sent. */
  closing = false;
  closed = false;
  // The request being read.
  method = 0;
  file: FileEntry | null = null;
  http10 = false;
  hostSeen = false;
  connClose = false;
  connKeepAlive = false;
  contentLength = -1;
  transferEncoding = false;
  headerBytes = 0;
  headerCount = 0;
  bodyLeft = 0;

  constructor(readonly conn: ConnRef, readonly outbox: Outbox) {}
}

export class HttpHandler {
  private readonly target: TargetNormalizer;

  constructor(private readonly cfg: ResolvedWebConfig, private readonly site: WebSite) {
    this.target = new TargetNormalizer(cfg.maxRequestLine, new TextEncoder().encode(cfg.indexName));
  }

  /** Processes one received segment; stops once the session is closing. */
  feed(ctx: WorkContext, sess: WebSession, seg: Uint8Array): void {
    const cfg = this.cfg;
    const costs = cfg.costs;
    const n = seg.length;
    let p = 0;
    while (p < n && !sess.closing) {
      if (sess.state === ST_BODY) {
        const k = Math.min(sess.bodyLeft, n - p);
        sess.bodyLeft -= k;
        p += k;
        if (sess.bodyLeft === 0) sess.state = ST_REQUEST_LINE;
        continue;
      }
      const lf = seg.indexOf(LF, p);
      const end = lf < 0 ? n : lf;
      const total = sess.partial.len + (end - p);
      chargeApp(ctx, costs.parsePerByte * (end - p));
      // Length of the line without a final CR (only known once the LF is seen).
      let content = total;
      if (lf >= 0 && total > 0) {
        const last = end > p ? seg[end - 1] : sess.partial.bytes[sess.partial.len - 1];
        if (last === CR) content--;
      }
      const maybeCr = lf < 0 ? 1 : 0; // an incomplete line may end in the CR of its CRLF
      if (sess.state === ST_REQUEST_LINE) {
        if (content - maybeCr > cfg.maxRequestLine) return this.fail(ctx, sess, 414);
      } else if (sess.headerBytes + content - maybeCr > cfg.maxHeaderBytes) {
        return this.fail(ctx, sess, 431);
      }
      if (lf < 0) {
        sess.partial.append(seg, p, n);
        chargeCopy(ctx, costs, n - p);
        return;
      }
      let buf = seg;
      let s = p;
      if (sess.partial.len > 0) {
        sess.partial.append(seg, p, lf);
        chargeCopy(ctx, costs, lf - p);
        buf = sess.partial.bytes;
        s = 0;
      }
      const e = s + content;
      if (sess.state === ST_REQUEST_LINE) this.requestLine(ctx, sess, buf, s, e);
      else this.headerLine(ctx, sess, buf, s, e);
      if (sess.partial.len > 0) {
        if (sess.partial.bytes.length > cfg.maxRequestLine) sess.partial.dispose();
        else sess.partial.clear();
      }
      p = lf + 1;
    }
  }

  private requestLine(ctx: WorkContext, sess: WebSession, buf: Uint8Array, s: number, e: number) {
    if (s === e) return; // empty lines before a request are ignored (RFC 7230 3.5)
    chargeApp(ctx, this.cfg.costs.httpRequestBase);
    sess.method = 0;
    // method SP target SP version
    let sp1 = s;
    while (sp1 < e && TCHAR[buf[sp1]] === 1) sp1++;
    if (sp1 === s || sp1 >= e || buf[sp1] !== SP) return this.fail(ctx, sess, 400);
    let sp2 = sp1 + 1;
    while (sp2 < e && buf[sp2] > SP && buf[sp2] !== DEL) sp2++;
    if (sp2 === sp1 + 1 || sp2 >= e || buf[sp2] !== SP) return this.fail(ctx, sess, 400);
    // Version: exactly HTTP/d.d
    const v = sp2 + 1;
    if (
      e - v !== VERSION_LEN || !isExact(buf, v, v + V_MAJOR, "HTTP/") || buf[v + V_DOT] !== DOT ||
      !isDigit(buf[v + V_MAJOR]) || !isDigit(buf[v + V_MINOR])
    ) {
      return this.fail(ctx, sess, 400);
    }
    if (buf[v + V_MAJOR] !== DIGIT_1) return this.fail(ctx, sess, 505);
    sess.http10 = buf[v + V_MINOR] === DIGIT_0;
    sess.method = isExact(buf, s, sp1, "GET")
      ? M_GET
      : isExact(buf, s, sp1, "HEAD")
      ? M_HEAD
      : M_OTHER;
    sess.file = null;
    const ts = sp1 + 1;
    if (sp2 - ts === 1 && buf[ts] === STAR) {
      if (sess.method !== M_OTHER) return this.fail(ctx, sess, 400);
    } else {
      const len = this.target.normalize(buf, ts, sp2);
      if (len < 0) return this.fail(ctx, sess, 400);
      chargeApp(ctx, this.cfg.costs.httpLookup);
      sess.file = this.site.lookup(this.target.out, 0, len);
    }
    sess.hostSeen = false;
    sess.connClose = false;
    sess.connKeepAlive = false;
    sess.contentLength = -1;
    sess.transferEncoding = false;
    sess.headerBytes = 0;
    sess.headerCount = 0;
    sess.state = ST_HEADERS;
  }

  private headerLine(ctx: WorkContext, sess: WebSession, buf: Uint8Array, s: number, e: number) {
    if (s === e) return this.endOfHeaders(ctx, sess);
    chargeApp(ctx, this.cfg.costs.httpHeaderLine);
    sess.headerBytes += e - s;
    if (++sess.headerCount > this.cfg.maxHeaders) return this.fail(ctx, sess, 431);
    // field-name ":" OWS field-value OWS; no obs-fold, no space before the colon.
    let colon = s;
    while (colon < e && TCHAR[buf[colon]] === 1) colon++;
    if (colon === s || colon >= e || buf[colon] !== COLON) return this.fail(ctx, sess, 400);
    let vs = colon + 1;
    let ve = e;
    while (vs < ve && (buf[vs] === SP || buf[vs] === HT)) vs++;
    while (ve > vs && (buf[ve - 1] === SP || buf[ve - 1] === HT)) ve--;
    for (let i = vs; i < ve; i++) {
      const c = buf[i];
      if ((c < SP && c !== HT) || c === DEL) return this.fail(ctx, sess, 400);
    }
    if (eqLower(buf, s, colon, "host")) {
      // RFC 9112 3.2: 400 for a repeated Host or an invalid one (RFC 9110 7.2).
      if (sess.hostSeen || !isValidHost(buf, vs, ve)) return this.fail(ctx, sess, 400);
      sess.hostSeen = true;
    } else if (eqLower(buf, s, colon, "connection")) {
      this.connectionTokens(sess, buf, vs, ve);
    } else if (eqLower(buf, s, colon, "content-length")) {
      const n = parseLength(buf, vs, ve);
      if (n < 0 || (sess.contentLength >= 0 && sess.contentLength !== n)) {
        return this.fail(ctx, sess, 400);
      }
      sess.contentLength = n;
    } else if (eqLower(buf, s, colon, "transfer-encoding")) {
      sess.transferEncoding = true;
    }
  }

  private connectionTokens(sess: WebSession, buf: Uint8Array, s: number, e: number): void {
    let i = s;
    while (i < e) {
      let j = i;
      while (j < e && buf[j] !== COMMA) j++;
      let a = i;
      let b = j;
      while (a < b && (buf[a] === SP || buf[a] === HT)) a++;
      while (b > a && (buf[b - 1] === SP || buf[b - 1] === HT)) b--;
      if (eqLower(buf, a, b, "close")) sess.connClose = true;
      else if (eqLower(buf, a, b, "keep-alive")) sess.connKeepAlive = true;
      i = j + 1;
    }
  }

  private endOfHeaders(ctx: WorkContext, sess: WebSession): void {
    if (!sess.http10 && !sess.hostSeen) return this.fail(ctx, sess, 400);
    if (sess.transferEncoding) return this.fail(ctx, sess, 501);
    if (sess.contentLength > this.cfg.maxBodyBytes) return this.fail(ctx, sess, 413);
    const keepAlive = sess.http10 ? sess.connKeepAlive && !sess.connClose : !sess.connClose;
    if (sess.method === M_OTHER) {
      this.error(ctx, sess, 405, keepAlive);
    } else if (sess.file === null) {
      this.error(ctx, sess, 404, keepAlive);
    } else {
      chargeApp(ctx, this.cfg.costs.httpResponse);
      const ob = sess.outbox;
      ob.add(sess.file.header);
      ob.add(keepAlive ? this.site.keepAlive : this.site.close);
      if (sess.method === M_GET) {
        if (this.cfg.sendfile) ob.addFile(sess.file.body);
        else ob.add(sess.file.body);
      }
      if (!keepAlive) sess.closing = true;
    }
    if (sess.contentLength > 0) {
      sess.state = ST_BODY;
      sess.bodyLeft = sess.contentLength;
    } else {
      sess.state = ST_REQUEST_LINE;
    }
  }

  private error(ctx: WorkContext, sess: WebSession, status: ErrorStatus, keepAlive: boolean) {
    chargeApp(ctx, this.cfg.costs.httpResponse);
    const r = this.site.error(status);
    const ka = keepAlive && !r.close;
    const ob = sess.outbox;
    ob.add(r.header);
    ob.add(ka ? this.site.keepAlive : this.site.close);
    if (sess.method !== M_HEAD) ob.add(r.body);
    if (!ka) sess.closing = true;
  }

  /** Answers a closing error and stops reading. */
  private fail(ctx: WorkContext, sess: WebSession, status: ErrorStatus): void {
    this.error(ctx, sess, status, false);
    sess.closing = true;
  }
}

function isDigit(c: number): boolean {
  return c >= DIGIT_0 && c <= DIGIT_9;
}

/** Content-Length: 1*DIGIT; returns -1 when malformed. */
function parseLength(buf: Uint8Array, s: number, e: number): number {
  if (s === e || e - s > MAX_LENGTH_DIGITS) return -1;
  let n = 0;
  for (let i = s; i < e; i++) {
    if (!isDigit(buf[i])) return -1;
    n = n * 10 + buf[i] - DIGIT_0;
  }
  return n;
}
