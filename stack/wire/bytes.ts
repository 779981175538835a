/**
 * Byte-order accessors shared by the wire views (network order =
 * big-endian). Callers bounds-check first; out-of-range reads of a
 * `Uint8Array` yield undefined, which these coerce to 0 rather than throwing.
 *
 * @module
 */
/** Reads a big-endian 16-bit value. */
export function get16(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1];
}

/** Reads a big-endian 32-bit value as unsigned. */
export function get32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

/** Writes a big-endian 16-bit value. */
export function put16(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 8;
  b[o + 1] = v;
}

/** Writes a big-endian 32-bit value. */
export function put32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = v >>> 16;
  b[o + 2] = v >>> 8;
  b[o + 3] = v;
}
