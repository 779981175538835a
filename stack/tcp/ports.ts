/**
 * Ephemeral port selection for active opens (RFC 6056): start at a seeded
 * random offset in the range and walk sequentially, taking the first port for
 * which the caller's check passes (the check rejects ports whose 4-tuple is
 * in use and ports with a listener). Several connections to different
 * remotes may share a local port, as RFC 6056 allows.
 */
import type { Rng } from "../../core/rng.ts";

export class EphemeralPorts {
  private next = 0;
  private readonly span: number = 0;
  readonly min: number = 0;
  readonly max: number = 0;

  constructor(min: number, max: number, rng: Rng) {
    if (
      !(Number.isInteger(min) && Number.isInteger(max) && min >= 1 && max <= 65535 && min <= max)
    ) {
      throw new RangeError(`bad ephemeral port range ${min}..${max}`);
    }
    this.min = min;
    this.max = max;
    this.span = max - min + 1;
    this.next = rng.int(this.span);
  }

  /** A port for which `usable(port)` holds, or -1 when the range is exhausted. */
  alloc(usable: (port: number) => boolean): number {
    for (let i = 0; i < this.span; i++) {
      const off = (this.next + i) % this.span;
      const port = this.min + off;
      if (usable(port)) {
        this.next = (off + 1) % this.span;
        return port;
      }
    }
    return -1;
  }
}
