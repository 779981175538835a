/**
 * Request-target handling: origin-form ("/a/b?q") and absolute-form
 * ("http://host/a/b"), the query dropped, percent-decoding, merging of
 * repeated slashes, "." and ".." resolution (going above the root is an
 * error, as in nginx), and a directory path mapped to its index file.
 */

const SLASH = 0x2f;
const DOT = 0x2e;
const PERCENT = 0x25;
const QUESTION = 0x3f;
const HASH = 0x23;

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

function lower(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
}

/** Start of the path in an absolute-form target, e (empty path) or -1 when not absolute-form. */
function absolutePathStart(buf: Uint8Array, s: number, e: number): number {
  // scheme "://" authority [path]; only http and https.
  let i = s;
  const scheme = (lit: string) => {
    if (e - i < lit.length) return false;
    for (let k = 0; k < lit.length; k++) if (lower(buf[i + k]) !== lit.charCodeAt(k)) return false;
    return true;
  };
  if (scheme("https://")) i += 8;
  else if (scheme("http://")) i += 7;
  else return -1;
  if (i >= e || buf[i] === SLASH) return -1; // empty authority
  while (i < e && buf[i] !== SLASH && buf[i] !== QUESTION && buf[i] !== HASH) i++;
  return i;
}

/**
 * Normalises request targets into its own buffer, sized for targets of up to
 * `maxTarget` bytes plus the index name. One instance per server; reused for
 * every request (no allocation per request).
 */
export class TargetNormalizer {
  readonly out: Uint8Array;
  private o = 0;
  private segStart = 0;

  constructor(maxTarget: number, private readonly index: Uint8Array) {
    this.out = new Uint8Array(maxTarget + 2 + index.length);
  }

  /**
   * Normalises `buf[s, e)` into {@link out}; returns the path length, or -1
   * when the target is malformed (bad form, bad %-escape, %00, or ".." above
   * the root).
   */
  normalize(buf: Uint8Array, s: number, e: number): number {
    let ps: number;
    if (s < e && buf[s] === SLASH) ps = s;
    else {
      ps = absolutePathStart(buf, s, e);
      if (ps < 0) return -1;
    }
    let pe = ps;
    while (pe < e && buf[pe] !== QUESTION && buf[pe] !== HASH) pe++;
    if (pe - ps + 2 + this.index.length > this.out.length) return -1;
    const out = this.out;
    out[0] = SLASH;
    this.o = 1;
    this.segStart = 1;
    for (let i = ps + 1; i < pe; i++) {
      let c = buf[i];
      if (c === PERCENT) {
        if (i + 2 >= pe) return -1;
        const hi = hexVal(buf[i + 1]);
        const lo = hexVal(buf[i + 2]);
        if (hi < 0 || lo < 0) return -1;
        c = hi * 16 + lo;
        if (c === 0) return -1;
        i += 2;
      }
      if (c === SLASH) {
        if (!this.endSeg(false)) return -1;
      } else {
        out[this.o++] = c;
      }
    }
    if (!this.endSeg(true)) return -1;
    if (out[this.o - 1] === SLASH) {
      out.set(this.index, this.o);
      this.o += this.index.length;
    }
    return this.o;
  }

  /** Ends the segment out[segStart, o); false when ".." would leave the root. */
  private endSeg(final: boolean): boolean {
    const out = this.out;
    const len = this.o - this.segStart;
    if (len === 0) return true; // empty segment: slashes merge
    if (len === 1 && out[this.segStart] === DOT) {
      this.o = this.segStart;
      return true;
    }
    if (len === 2 && out[this.segStart] === DOT && out[this.segStart + 1] === DOT) {
      if (this.segStart === 1) return false;
      let k = this.segStart - 2;
      while (out[k] !== SLASH) k--;
      this.o = this.segStart = k + 1;
      return true;
    }
    if (!final) {
      out[this.o++] = SLASH;
      this.segStart = this.o;
    }
    return true;
  }
}
