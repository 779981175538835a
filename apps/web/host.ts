/**
 * Validation of a Host header field value (RFC 9110 section 7.2; RFC 9112
 * section 3.2 requires a 400 for an invalid one): `host = uri-host [":" port]`
 * with, from RFC 3986 section 3.2.2,
 * `uri-host = IP-literal / IPv4address / reg-name`,
 * `reg-name = *( unreserved / pct-encoded / sub-delims )` (IPv4address is a
 * reg-name too), `IP-literal = "[" ( IPv6address / IPvFuture ) "]"` and
 * `port = *DIGIT` (section 3.2.3). An empty value is valid (a target with no
 * authority). Works on bytes in place; never allocates.
 */

const COLON = 0x3a;
const DOT = 0x2e;
const PERCENT = 0x25;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const LOWER_V = 0x76;
const UPPER_V = 0x56;
/** Most 16-bit groups in an IPv6 address, and hex digits per group (RFC 4291 2.2). */
const IPV6_GROUPS = 8;
const IPV6_GROUP_DIGITS = 4;
/** An embedded IPv4 address takes the place of two groups. */
const IPV4_GROUPS = 2;
const IPV4_OCTETS = 4;
const OCTET_MAX = 255;

/** Byte classes: bit 1 unreserved, bit 2 sub-delims, bit 4 hex digit, bit 8 digit. */
const UNRESERVED = 1, SUB_DELIM = 2, HEX = 4, DIGIT = 8;
const CLASS = (() => {
  const t = new Uint8Array(256);
  const set = (chars: string, bit: number) => {
    for (const c of chars) t[c.charCodeAt(0)] |= bit;
  };
  set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~", UNRESERVED);
  set("!$&'()*+,;=", SUB_DELIM);
  set("0123456789ABCDEFabcdef", HEX);
  set("0123456789", DIGIT);
  return t;
})();

/** True when `buf[s, e)` is a valid Host field value. */
export function isValidHost(buf: Uint8Array, s: number, e: number): boolean {
  let hostEnd: number;
  if (s < e && buf[s] === LBRACKET) {
    let close = s + 1;
    while (close < e && buf[close] !== RBRACKET) close++;
    if (close >= e || !isIpLiteralBody(buf, s + 1, close)) return false;
    hostEnd = close + 1;
  } else {
    hostEnd = s;
    while (hostEnd < e && buf[hostEnd] !== COLON) hostEnd++;
    if (!isRegName(buf, s, hostEnd)) return false;
  }
  if (hostEnd === e) return true;
  if (buf[hostEnd] !== COLON) return false;
  for (let i = hostEnd + 1; i < e; i++) if (!(CLASS[buf[i]] & DIGIT)) return false;
  return true;
}

function isRegName(buf: Uint8Array, s: number, e: number): boolean {
  for (let i = s; i < e; i++) {
    const c = buf[i];
    if (CLASS[c] & (UNRESERVED | SUB_DELIM)) continue;
    if (c === PERCENT && i + 2 < e && CLASS[buf[i + 1]] & HEX && CLASS[buf[i + 2]] & HEX) {
      i += 2;
      continue;
    }
    return false;
  }
  return true;
}

/** IPv6address / IPvFuture, the part between the brackets. */
function isIpLiteralBody(buf: Uint8Array, s: number, e: number): boolean {
  if (s < e && (buf[s] === LOWER_V || buf[s] === UPPER_V)) {
    // IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
    let i = s + 1;
    while (i < e && CLASS[buf[i]] & HEX) i++;
    if (i === s + 1 || i >= e || buf[i] !== DOT || i + 1 >= e) return false;
    for (i++; i < e; i++) {
      if (!(CLASS[buf[i]] & (UNRESERVED | SUB_DELIM)) && buf[i] !== COLON) return false;
    }
    return true;
  }
  return isIpv6(buf, s, e);
}

/** RFC 4291 section 2.2 text forms: up to 8 groups, one "::" at most, optional IPv4 tail. */
function isIpv6(buf: Uint8Array, s: number, e: number): boolean {
  let groups = 0;
  let elided = false;
  let i = s;
  if (i + 1 < e && buf[i] === COLON && buf[i + 1] === COLON) {
    elided = true;
    i += 2;
    if (i === e) return true; // "::"
  } else if (i < e && buf[i] === COLON) {
    return false;
  }
  for (;;) {
    // One group, or the IPv4 tail.
    let j = i;
    while (j < e && CLASS[buf[j]] & HEX) j++;
    if (j < e && buf[j] === DOT) {
      if (!isIpv4(buf, i, e)) return false;
      groups += IPV4_GROUPS;
      break;
    }
    const n = j - i;
    if (n === 0 || n > IPV6_GROUP_DIGITS) return false;
    groups++;
    if (j === e) break;
    if (buf[j] !== COLON) return false;
    if (j + 1 < e && buf[j + 1] === COLON) {
      if (elided) return false;
      elided = true;
      i = j + 2;
      if (i === e) break;
    } else {
      i = j + 1;
      if (i === e) return false; // trailing single colon
    }
  }
  return elided ? groups < IPV6_GROUPS : groups === IPV6_GROUPS;
}

/** IPv4address = dec-octet "." dec-octet "." dec-octet "." dec-octet (no leading zeros). */
function isIpv4(buf: Uint8Array, s: number, e: number): boolean {
  let i = s;
  for (let k = 0; k < IPV4_OCTETS; k++) {
    if (k > 0) {
      if (i >= e || buf[i] !== DOT) return false;
      i++;
    }
    const d0 = i;
    let v = 0;
    while (i < e && CLASS[buf[i]] & DIGIT && i - d0 < 3) v = v * 10 + (buf[i++] - 0x30);
    const n = i - d0;
    if (n === 0 || v > OCTET_MAX || (n > 1 && buf[d0] === 0x30)) return false;
  }
  return i === e;
}
