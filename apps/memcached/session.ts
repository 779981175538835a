/**
 * One memcached connection: its byte-stream state and the framing of the text
 * protocol (command lines, value blocks, swallowed bytes).
 *
 * Framing rules, as memcached's try_read_command_ascii / conn_nread /
 * conn_swallow:
 * - a command line ends at LF; lines split across segments are copied into
 *   the connection's buffer (charged as a copy), lines inside one segment are
 *   parsed in place;
 * - a line longer than `maxLine` bytes (counting everything before the LF) is
 *   only allowed for "get "/"gets " (after at most 100 leading spaces), up to
 *   `maxMultigetLine`; otherwise memcached "nukes the connection": it is closed
 *   without a reply. The rule is applied by length, so the outcome does not
 *   depend on how the bytes were segmented;
 * - a value block of exactly <bytes>+2 bytes follows a storage command and is
 *   copied into the item as it arrives; `SWALLOW` skips a refused value.
 */
import type { WorkContext } from "../../core/work.ts";
import type { ConnRef } from "../api.ts";
import { LF, SP } from "../common/ascii.ts";
import { type AppCosts, chargeApp, chargeCopy } from "../common/costs.ts";
import { PartialLine } from "../common/lines.ts";
import type { Outbox } from "../common/outbox.ts";
import type { McItem, StoreMode } from "./store.ts";

/** Reading command lines. */
export const MODE_LINE = 0;
/** Reading a value block into `item`. */
export const MODE_VALUE = 1;
/** Discarding `swallow` bytes of a refused value. */
export const MODE_SWALLOW = 2;

/** memcached allows at most this many leading spaces before a long multiget. */
const MULTIGET_MAX_LEADING_SPACES = 100;
const GET_SP = [0x67, 0x65, 0x74, 0x20]; // "get "
const GETS_SP = [0x67, 0x65, 0x74, 0x73, 0x20]; // "gets "

export class McSession {
  mode = MODE_LINE;
  readonly partial = new PartialLine();
  /** Stop reading (quit, oversize line, HTTP client); close after flushing. */
  closing = false;
  /** `close` has been issued. */
  closed = false;
  /** The current command said "noreply". */
  noreply = false;
  // Value block in progress.
  item: McItem | null = null;
  valueAt = 0;
  valueNeed = 0;
  storeMode: StoreMode = "set";
  reqCas = 0n;
  // Refused value being skipped.
  swallow = 0;

  constructor(readonly conn: ConnRef, readonly outbox: Outbox) {}
}

/** What the framing calls back into. */
export interface McHandler {
  /** A complete command line `buf[s, e)` (LF excluded, CR kept). */
  line(ctx: WorkContext, sess: McSession, buf: Uint8Array, s: number, e: number): void;
  /** The whole value block of `sess.item` has been copied in. */
  valueDone(ctx: WorkContext, sess: McSession): void;
  /** Copies value bytes `buf[s, e)` into `sess.item` at `sess.valueAt`. */
  valueBytes(ctx: WorkContext, sess: McSession, buf: Uint8Array, s: number, e: number): void;
}

export interface FramingLimits {
  readonly maxLine: number;
  readonly maxMultigetLine: number;
}

/** Byte `i` of the line formed by `sess.partial` followed by `seg[p..]`. */
function lineByte(sess: McSession, seg: Uint8Array, p: number, i: number): number {
  const pl = sess.partial.len;
  return i < pl ? sess.partial.bytes[i] : seg[p + i - pl];
}

/** Whether a line of `len` bytes (partial + seg[p..]) is a multiget memcached keeps reading. */
function isMultiget(sess: McSession, seg: Uint8Array, p: number, len: number): boolean {
  let i = 0;
  while (i < len && lineByte(sess, seg, p, i) === SP) i++;
  if (i > MULTIGET_MAX_LEADING_SPACES) return false;
  const match = (lit: number[]) => {
    if (len - i < lit.length) return false;
    for (let k = 0; k < lit.length; k++) if (lineByte(sess, seg, p, i + k) !== lit[k]) return false;
    return true;
  };
  return match(GET_SP) || match(GETS_SP);
}

function lineAllowed(sess: McSession, seg: Uint8Array, p: number, len: number, lim: FramingLimits) {
  if (len <= lim.maxLine) return true;
  return len <= lim.maxMultigetLine && isMultiget(sess, seg, p, len);
}

/** Processes one received segment. Stops early once the session is closing. */
export function feedSession(
  ctx: WorkContext,
  sess: McSession,
  seg: Uint8Array,
  h: McHandler,
  lim: FramingLimits,
  costs: AppCosts,
): void {
  const n = seg.length;
  let p = 0;
  while (p < n && !sess.closing) {
    if (sess.mode === MODE_VALUE) {
      const k = Math.min(sess.valueNeed - sess.valueAt, n - p);
      h.valueBytes(ctx, sess, seg, p, p + k);
      sess.valueAt += k;
      p += k;
      if (sess.valueAt === sess.valueNeed) {
        sess.mode = MODE_LINE;
        h.valueDone(ctx, sess);
      }
    } else if (sess.mode === MODE_SWALLOW) {
      const k = Math.min(sess.swallow, n - p);
      sess.swallow -= k;
      p += k;
      if (sess.swallow === 0) sess.mode = MODE_LINE;
    } else {
      const lf = seg.indexOf(LF, p);
      const end = lf < 0 ? n : lf;
      const len = sess.partial.len + (end - p);
      chargeApp(ctx, costs.parsePerByte * (end - p));
      if (!lineAllowed(sess, seg, p, len, lim)) {
        sess.partial.dispose();
        sess.closing = true;
        return;
      }
      if (lf < 0) {
        sess.partial.append(seg, p, n);
        chargeCopy(ctx, costs, n - p);
        return;
      }
      if (sess.partial.len === 0) {
        h.line(ctx, sess, seg, p, lf);
      } else {
        sess.partial.append(seg, p, lf);
        chargeCopy(ctx, costs, lf - p);
        const pl = sess.partial;
        h.line(ctx, sess, pl.bytes, 0, pl.len);
        // Keep a small buffer for the next split line; drop a big multiget one.
        if (pl.bytes.length > lim.maxLine) pl.dispose();
        else pl.clear();
      }
      p = lf + 1;
    }
  }
}
