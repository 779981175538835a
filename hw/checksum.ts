/**
 * The Internet checksum (RFC 1071) as the NIC's L4 checksum offload computes
 * it: the 16-bit ones'-complement sum of big-endian 16-bit words (an odd last
 * byte is padded with a zero byte), folded, then complemented. A local copy so
 * hw/ does not depend on the stack's checksum module.
 */

/** Folds a 32-bit-or-wider sum of 16-bit words into 16 bits with end-around carry (RFC 1071 section 4.1). */
export function fold16(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/**
 * Ones'-complement sum of `bytes[start..end)` added to `initial` (a 16-bit
 * partial sum), folded to 16 bits.
 */
export function onesComplementSum(
  bytes: Uint8Array,
  start = 0,
  end = bytes.length,
  initial = 0,
): number {
  let sum = initial;
  let i = start;
  // Two words per iteration (exact integer sums, so the grouping changes nothing).
  const end4 = end - ((end - start) & 3);
  for (; i < end4; i += 4) {
    sum += ((bytes[i] << 8) | bytes[i + 1]) + ((bytes[i + 2] << 8) | bytes[i + 3]);
  }
  if (i + 1 < end) {
    sum += (bytes[i] << 8) | bytes[i + 1];
    i += 2;
  }
  if (i < end) sum += bytes[i] << 8;
  return fold16(sum);
}

/** The checksum to store: the complement of the folded sum. */
export function internetChecksum(
  bytes: Uint8Array,
  start = 0,
  end = bytes.length,
  initial = 0,
): number {
  return ~onesComplementSum(bytes, start, end, initial) & 0xffff;
}
