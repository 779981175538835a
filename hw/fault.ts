/**
 * Fault injection for Ethernet links (and anything else that moves frames).
 *
 * A {@link FaultInjector} decides the fate of each frame from a seeded
 * {@link Rng}: dropped, corrupted (one byte changed), duplicated, reordered
 * (held back so that later frames overtake it) and/or delayed by a token-bucket
 * rate limiter. Decisions are drawn in a fixed order per frame, so the same
 * seed and the same frame sequence always give the same decisions.
 *
 * Order of decisions for one frame:
 *  1. drop (probability `drop`): nothing is delivered.
 *  2. rate limit (`rateBps`): a token bucket of `rateBurstBytes` bytes. A frame
 *     that finds too few tokens borrows them and is delayed until the debt is
 *     repaid; a frame that would be delayed by more than `rateMaxDelay` is
 *     dropped instead (a bounded bottleneck queue). Both count in
 *     `stats.rateLimited`; drops also count in `stats.dropped`.
 *  3. corrupt (probability `corrupt`): a copy with one random byte XORed with a
 *     random non-zero value is delivered instead of the original.
 *  4. reorder (probability `reorder`): delivery happens `reorderDelay` later.
 *  5. duplicate (probability `duplicate`): a second, separate copy is delivered
 *     at the same time as the first.
 */
import type { Rng } from "../core/rng.ts";
import { MS, type Time, US } from "../core/time.ts";

/** Default hold-back of a reordered frame: long enough for many later frames to overtake it at 10 Gb/s (approximation). */
export const DEFAULT_REORDER_DELAY: Time = 20 * US;
/** Default token-bucket depth of the rate limiter: 64 KiB (approximation of a switch port buffer). */
export const DEFAULT_RATE_BURST_BYTES = 64 * 1024;
/** Default longest delay the rate limiter imposes before it drops instead (approximation of a bounded bottleneck queue). */
export const DEFAULT_RATE_MAX_DELAY: Time = 10 * MS;
/** Picoseconds per second, for bits <-> time conversions. */
const PS_PER_SEC = 1e12;
/** Bits per byte. */
const BITS_PER_BYTE = 8;

/**
 * Fault probabilities and rate limit of one link direction (every field optional, default none).
 */
export interface FaultConfig {
  /** Probability a frame is dropped, in [0, 1]. */
  drop?: number;
  /** Probability a frame is delivered with one byte changed, in [0, 1]. */
  corrupt?: number;
  /** Probability a frame is delivered twice, in [0, 1]. */
  duplicate?: number;
  /** Probability a frame is held back by `reorderDelay`, in [0, 1]. */
  reorder?: number;
  /** Hold-back of a reordered frame (default {@link DEFAULT_REORDER_DELAY}). */
  reorderDelay?: Time;
  /** Bottleneck rate in bits per second (no limit when absent). */
  rateBps?: number;
  /** Token-bucket depth in bytes (default {@link DEFAULT_RATE_BURST_BYTES}). */
  rateBurstBytes?: number;
  /** Longest rate-limiter delay before a frame is dropped (default {@link DEFAULT_RATE_MAX_DELAY}). */
  rateMaxDelay?: Time;
}

/** What a {@link FaultInjector} did. */
export interface FaultStats {
  /** Frames offered to {@link FaultInjector.apply}. */
  frames: number;
  /** Frames dropped (randomly or by the rate limiter's bound). */
  dropped: number;
  /** Frames delivered with a byte changed. */
  corrupted: number;
  /** Frames delivered twice. */
  duplicated: number;
  /** Frames delivered late, after frames sent after them. */
  reordered: number;
  /** Frames delayed or dropped by the rate limiter. */
  rateLimited: number;
}

function probability(cfg: FaultConfig, key: "drop" | "corrupt" | "duplicate" | "reorder"): number {
  const v = cfg[key];
  if (v === undefined) return 0;
  if (typeof v !== "number" || !(v >= 0 && v <= 1)) {
    throw new RangeError(`FaultConfig.${key} must be a probability in [0, 1], got ${v}`);
  }
  return v;
}

function nonNegativeInt(v: number | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0) {
    throw new RangeError(`FaultConfig.${name} must be a non-negative integer, got ${v}`);
  }
  return v;
}

/**
 * Applies a {@link FaultConfig} to the frames of one link direction, drawing from its own random
 * stream.
 */
export class FaultInjector {
  /** Counts of what was done to the frames offered. */
  readonly stats: FaultStats = {
    frames: 0,
    dropped: 0,
    corrupted: 0,
    duplicated: 0,
    reordered: 0,
    rateLimited: 0,
  };

  private readonly pDrop: number;
  private readonly pCorrupt: number;
  private readonly pDuplicate: number;
  private readonly pReorder: number;
  private readonly reorderDelay: Time;
  /** Bits per picosecond, or 0 when there is no rate limit. */
  private readonly bitsPerPs: number;
  private readonly burstBits: number;
  private readonly maxDelay: Time;
  /** Token-bucket level in bits (negative = debt) as of {@link lastRefill}. */
  private tokens: number;
  private lastRefill: Time = 0;

  /**
   * An injector drawing from `rng` with the probabilities of `cfg` (each checked to be in [0, 1]).
   */
  constructor(private readonly rng: Rng, cfg: FaultConfig) {
    this.pDrop = probability(cfg, "drop");
    this.pCorrupt = probability(cfg, "corrupt");
    this.pDuplicate = probability(cfg, "duplicate");
    this.pReorder = probability(cfg, "reorder");
    this.reorderDelay = nonNegativeInt(cfg.reorderDelay, "reorderDelay", DEFAULT_REORDER_DELAY);
    if (cfg.rateBps !== undefined) {
      if (typeof cfg.rateBps !== "number" || !(cfg.rateBps > 0) || !Number.isFinite(cfg.rateBps)) {
        throw new RangeError(
          `FaultConfig.rateBps must be a positive finite number, got ${cfg.rateBps}`,
        );
      }
      this.bitsPerPs = cfg.rateBps / PS_PER_SEC;
    } else {
      this.bitsPerPs = 0;
    }
    const burst = nonNegativeInt(cfg.rateBurstBytes, "rateBurstBytes", DEFAULT_RATE_BURST_BYTES);
    this.burstBits = burst * BITS_PER_BYTE;
    this.maxDelay = nonNegativeInt(cfg.rateMaxDelay, "rateMaxDelay", DEFAULT_RATE_MAX_DELAY);
    this.tokens = this.burstBits;
  }

  /** Decides the fate of one frame; calls deliver(t, frame) zero, one or two times. */
  apply(now: Time, frame: Uint8Array, deliver: (t: Time, frame: Uint8Array) => void): void {
    const st = this.stats;
    st.frames++;
    if (this.rng.chance(this.pDrop)) {
      st.dropped++;
      return;
    }
    let t = now;
    if (this.bitsPerPs > 0) {
      const delay = this.rateDelay(now, frame.length * BITS_PER_BYTE);
      if (delay < 0) {
        st.rateLimited++;
        st.dropped++;
        return;
      }
      if (delay > 0) {
        st.rateLimited++;
        t += delay;
      }
    }
    let out = frame;
    if (frame.length > 0 && this.rng.chance(this.pCorrupt)) {
      out = frame.slice();
      const i = this.rng.int(frame.length);
      out[i] ^= 1 + this.rng.int(255); // XOR with 1..255: never the identity change
      st.corrupted++;
    }
    if (this.rng.chance(this.pReorder)) {
      t += this.reorderDelay;
      st.reordered++;
    }
    const dup = this.rng.chance(this.pDuplicate);
    deliver(t, out);
    if (dup) {
      st.duplicated++;
      deliver(t, out.slice());
    }
  }

  /**
   * Token-bucket admission of `bits` at `now`: returns the delay (0 when the
   * bucket had enough tokens) or -1 when the frame must be dropped.
   */
  private rateDelay(now: Time, bits: number): Time {
    if (now > this.lastRefill) {
      this.tokens = Math.min(
        this.burstBits,
        this.tokens + (now - this.lastRefill) * this.bitsPerPs,
      );
      this.lastRefill = now;
    }
    const after = this.tokens - bits;
    if (after >= 0) {
      this.tokens = after;
      return 0;
    }
    const delay = Math.ceil(-after / this.bitsPerPs);
    if (delay > this.maxDelay) return -1;
    this.tokens = after;
    return delay;
  }
}
