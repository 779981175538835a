/**
 * memcached's command tokenizer (proto_text.c tokenize_command), over bytes.
 *
 * Tokens are separated by runs of ' ' (only the space character; tabs belong
 * to tokens). At most `max - 1` real tokens are produced; the final "terminal"
 * token has length 0 and points at the first unprocessed character, or is
 * "null" when the whole line was consumed. The count returned includes the
 * terminal token, exactly like memcached's `ntokens`, so memcached's
 * token-count checks carry over unchanged. The line ends at `e` or at the
 * first NUL byte (memcached works on a C string).
 */
import { SP } from "../common/ascii.ts";

/** memcached's MAX_TOKENS (1.6; 1.4 used 8 - every count check gives the same answer). */
export const MAX_TOKENS = 24;

export class Tokens {
  readonly start = new Int32Array(MAX_TOKENS);
  readonly end = new Int32Array(MAX_TOKENS);
  /** Tokens including the terminal one. */
  count = 0;
  /** Position of the first unprocessed byte, or -1 when the line was consumed. */
  rest = -1;
  /** End of the line being tokenized (NUL-truncated). */
  lineEnd = 0;

  len(i: number): number {
    return this.end[i] - this.start[i];
  }
}

/** Index of the first NUL in [s, e), or e. */
export function cStringEnd(buf: Uint8Array, s: number, e: number): number {
  const i = buf.subarray(s, e).indexOf(0);
  return i < 0 ? e : s + i;
}

/** Tokenizes `buf[s, e)` (already NUL-truncated) into `t`; returns the count incl. terminal. */
export function tokenize(buf: Uint8Array, s: number, e: number, t: Tokens): number {
  let n = 0;
  let tokStart = s;
  let i = s;
  t.lineEnd = e;
  for (; i < e; i++) {
    if (buf[i] === SP) {
      if (tokStart !== i) {
        t.start[n] = tokStart;
        t.end[n] = i;
        n++;
        if (n === MAX_TOKENS - 1) {
          i++;
          tokStart = i;
          break;
        }
      }
      tokStart = i + 1;
    }
  }
  if (tokStart !== i && tokStart < e) {
    t.start[n] = tokStart;
    t.end[n] = i;
    n++;
  }
  t.start[n] = i;
  t.end[n] = i;
  t.rest = i < e ? i : -1;
  n++;
  t.count = n;
  return n;
}
