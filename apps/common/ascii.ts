/**
 * Byte-level text helpers for protocol code: ASCII encoding of constant
 * strings, latin1 views of request bytes, and decimal formatting straight into
 * byte buffers (no intermediate strings on hot paths).
 */

/** Character codes used by the protocol parsers. */
export const LF = 0x0a;
export const CR = 0x0d;
export const SP = 0x20;
export const HT = 0x09;
export const NUL = 0x00;
export const DIGIT_0 = 0x30;
export const DIGIT_9 = 0x39;

/** Encodes a string of code points < 256 byte for byte (programming error otherwise). */
export function ascii(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) throw new RangeError(`ascii: non-latin1 character in ${JSON.stringify(s)}`);
    out[i] = c;
  }
  return out;
}

/** Decodes bytes [s, e) as latin1 (one char per byte; a bijection). */
export function latin1(buf: Uint8Array, s = 0, e = buf.length): string {
  let out = "";
  for (let i = s; i < e; i++) out += String.fromCharCode(buf[i]);
  return out;
}

/** Whether bytes [s, s+lit.length) of `buf` (bounded by `e`) equal `lit`. */
export function bytesEqual(buf: Uint8Array, s: number, e: number, lit: Uint8Array): boolean {
  if (e - s !== lit.length) return false;
  for (let i = 0; i < lit.length; i++) if (buf[s + i] !== lit[i]) return false;
  return true;
}

/** Whether `buf` starting at `s` (bounded by `e`) begins with `lit`. */
export function startsWith(buf: Uint8Array, s: number, e: number, lit: Uint8Array): boolean {
  if (e - s < lit.length) return false;
  for (let i = 0; i < lit.length; i++) if (buf[s + i] !== lit[i]) return false;
  return true;
}

/** Number of decimal digits of a non-negative safe integer. */
export function decimalLength(n: number): number {
  let d = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    d++;
  }
  return d;
}

/** Writes the decimal digits of a non-negative safe integer at `pos`; returns the end. */
export function writeDecimal(buf: Uint8Array, pos: number, n: number): number {
  const len = decimalLength(n);
  let p = pos + len;
  do {
    buf[--p] = DIGIT_0 + (n % 10);
    n = Math.floor(n / 10);
  } while (n > 0);
  return pos + len;
}

/** Writes a string of code points < 256 at `pos`; returns the end. */
export function writeAscii(buf: Uint8Array, pos: number, s: string): number {
  for (let i = 0; i < s.length; i++) buf[pos + i] = s.charCodeAt(i) & 0xff;
  return pos + s.length;
}
