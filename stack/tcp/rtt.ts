/**
 * Retransmission timeout computation (RFC 6298): SRTT/RTTVAR smoothing,
 * clamping to [minRto, maxRto], exponential backoff. Karn's algorithm (no
 * samples from retransmitted segments) is the caller's job: it only feeds
 * samples from segments sent once.
 */
import type { Time } from "../../core/time.ts";
import { CLOCK_GRANULARITY } from "./config.ts";

/** RFC 6298 (2.3): alpha = 1/8, beta = 1/4, K = 4. */
const ALPHA_SHIFT = 3;
const BETA_SHIFT = 2;
const K = 4;

/**
 * Fields are declared with numeric initialisers and set in the constructor
 * (no parameter properties), so V8 stores these picosecond times unboxed.
 */
export class RttEstimator {
  srtt: Time = 0;
  rttvar: Time = 0;
  hasSample = false;
  /** RTO from the estimate, without backoff. */
  baseRto: Time = 0;
  /** RTO in force (with backoff). */
  rto: Time = 0;
  readonly minRto: Time = 0;
  readonly maxRto: Time = 0;

  constructor(initialRto: Time, minRto: Time, maxRto: Time) {
    this.minRto = minRto;
    this.maxRto = maxRto;
    this.baseRto = this.clamp(initialRto);
    this.rto = this.baseRto;
  }

  private clamp(t: Time): Time {
    return t < this.minRto ? this.minRto : t > this.maxRto ? this.maxRto : t;
  }

  /** Feeds one RTT measurement; resets any backoff. */
  sample(r: Time): void {
    if (r < 0) return;
    if (!this.hasSample) {
      // (2.2) first measurement
      this.srtt = r;
      this.rttvar = Math.round(r / 2);
      this.hasSample = true;
    } else {
      // (2.3) RTTVAR first, using the old SRTT
      const err = Math.abs(this.srtt - r);
      this.rttvar = Math.round(
        this.rttvar - this.rttvar / (1 << BETA_SHIFT) + err / (1 << BETA_SHIFT),
      );
      this.srtt = Math.round(this.srtt - this.srtt / (1 << ALPHA_SHIFT) + r / (1 << ALPHA_SHIFT));
    }
    this.baseRto = this.clamp(this.srtt + Math.max(CLOCK_GRANULARITY, K * this.rttvar));
    this.rto = this.baseRto;
  }

  /** (5.5) doubles the RTO, up to maxRto. */
  backoff(): void {
    this.rto = Math.min(this.rto * 2, this.maxRto);
  }

  /** Drops the backoff (new data acknowledged). */
  resetBackoff(): void {
    this.rto = this.baseRto;
  }

  /** Forces the RTO to at least `t` (RFC 6298 (5.7) after a retransmitted SYN). */
  atLeast(t: Time): void {
    if (this.hasSample) return;
    this.baseRto = this.clamp(Math.max(this.baseRto, t));
    this.rto = Math.max(this.rto, this.baseRto);
  }
}
