/**
 * mutilate's value generators (Generator.h/.cc @d65c6ef): `-K` key sizes, `-V`
 * value sizes and `-i` inter-arrival gaps.
 *
 * A spec is parsed as mutilate's createGenerator does: `fb_key`, `fb_value`,
 * `fb_ia`; a number whose leading integer is non-zero, or exactly "0", is fixed
 * (so "0.5" is rejected, as in mutilate); otherwise `name:a,b,c` where the
 * name is found anywhere in the spec, case-insensitively, in the order fixed,
 * normal, exponential, pareto, gev, uniform, and missing arguments are 0.
 *
 * Each generator draws either from a named {@link Rng} stream ({@link
 * Generator.sample}) or at a given uniform U ({@link Generator.at}, used by
 * the key generator with U fixed per key). Sampling rides on core/dist.ts.
 */
import {
  Constant,
  type Distribution,
  Exponential,
  FB_INTERARRIVAL_US,
  FB_KEY_SIZE,
  FB_VALUE_HEAD,
  FB_VALUE_SIZE,
  fbValueSize,
  GeneralizedExtremeValue,
  GeneralizedPareto,
  Uniform,
} from "../../core/dist.ts";
import type { Rng } from "../../core/rng.ts";

export type GeneratorKind =
  | "fixed"
  | "uniform"
  | "normal"
  | "exponential"
  | "pareto"
  | "gev"
  | "fb_value";

/** One of mutilate's generators. Immutable; {@link withLambda} returns a new one. */
export class Generator {
  private readonly dist: Distribution;

  private constructor(
    readonly kind: GeneratorKind,
    /** The constructor arguments, as mutilate names them per kind. */
    readonly args: readonly number[],
    readonly label: string,
  ) {
    this.dist = makeDist(kind, args);
  }

  /** `new Fixed(v)` etc. with mutilate's argument order (see {@link GeneratorKind}). */
  static of(kind: GeneratorKind, args: readonly number[], label: string = kind): Generator {
    return new Generator(kind, args, label);
  }

  /** Closed-form mean where core/dist.ts has one (NaN for mutilate's one-uniform normal). */
  get mean(): number {
    return this.kind === "normal" ? NaN : this.dist.mean;
  }

  /** A fresh draw (mutilate `generate()` with U = drand48()). */
  sample(rng: Rng): number {
    if (this.kind === "normal") return this.at(rng.floatOpen(), rng);
    return this.dist.sample(rng);
  }

  /**
   * The value at uniform `u` (mutilate `generate(U)`). fb_value's head ignores
   * `u` and draws its own, as mutilate's Discrete does; its tail uses `u`.
   */
  at(u: number, rng: Rng): number {
    const a = this.args;
    switch (this.kind) {
      case "fixed":
        return a[0];
      case "uniform":
        return a[0] * u;
      case "normal":
        // mutilate uses the same U for both Box-Muller inputs (V = U): not normal.
        return a[0] + a[1] * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * u);
      case "exponential":
        return a[0] <= 0 ? 0 : -Math.log(u) / a[0];
      case "pareto":
        return a[0] + (a[1] * (Math.pow(u, -a[2]) - 1)) / a[2];
      case "gev":
        return a[0] + (a[1] * (Math.pow(-Math.log(u), -a[2]) - 1)) / a[2];
      case "fb_value": {
        const h = rng.float();
        let sum = 0;
        for (const [p, v] of FB_VALUE_HEAD) {
          sum += p;
          if (h < sum) return v;
        }
        const { loc, scale, shape } = FB_VALUE_SIZE;
        return loc + (scale * (Math.pow(u, -shape) - 1)) / shape;
      }
    }
  }

  /**
   * The generator rescaled to rate `lambda` per second (mutilate set_lambda),
   * for `-i`: fixed 1/lambda; uniform [0, 2/lambda); normal mean 1/lambda;
   * exponential rate lambda; pareto scale (1 - k)/lambda - (1 - k) loc, so
   * the mean is 1/lambda with only the shape kept. lambda <= 0 gives gap 0.
   * gev and fb_value have no set_lambda in mutilate: an Error.
   */
  withLambda(lambda: number): Generator {
    const a = this.args;
    const label = `${this.label}@${lambda}/s`;
    if (this.kind === "exponential") return Generator.of("exponential", [lambda], label);
    if (this.kind === "gev" || this.kind === "fb_value") {
      throw new Error(`"${this.label}" cannot be an inter-arrival distribution (no set_lambda)`);
    }
    if (!(lambda > 0)) return Generator.of("fixed", [0], label);
    switch (this.kind) {
      case "fixed":
        return Generator.of("fixed", [1 / lambda], label);
      case "uniform":
        return Generator.of("uniform", [2 / lambda], label);
      case "normal":
        return Generator.of("normal", [1 / lambda, a[1]], label);
      case "pareto": {
        const k = a[2];
        return Generator.of("pareto", [a[0], (1 - k) / lambda - (1 - k) * a[0], k], label);
      }
    }
  }
}

function makeDist(kind: GeneratorKind, a: readonly number[]): Distribution {
  switch (kind) {
    case "fixed":
      return new Constant(a[0]);
    case "uniform":
      return new Uniform(Math.min(0, a[0]), Math.max(0, a[0]));
    case "normal":
      return new Constant(a[0]); // sampled by `at` (mutilate's one-uniform Box-Muller)
    case "exponential":
      return a[0] > 0 ? new Exponential(1 / a[0]) : new Constant(0);
    case "pareto":
      return a[1] > 0 ? new GeneralizedPareto(a[0], a[1], a[2]) : new Constant(a[0]);
    case "gev":
      return new GeneralizedExtremeValue(a[0], a[1], a[2]);
    case "fb_value":
      return fbValueSize();
  }
}

/** mutilate's name tests, in its order (strcasestr over the whole spec). */
const NAMED: readonly GeneratorKind[] = [
  "fixed",
  "normal",
  "exponential",
  "pareto",
  "gev",
  "uniform",
];
/** mutilate `atoi(s) != 0`: a leading (signed) integer that is not zero. */
const LEADING_INT = /^\s*[+-]?(\d+)/;

/**
 * Parses a `-K`/`-V`/`-i` spec like mutilate's createGenerator. Throws an Error
 * with a one-line message for a spec mutilate would die on.
 */
export function parseGenerator(spec: string): Generator {
  if (spec === "fb_key") {
    return Generator.of("gev", [FB_KEY_SIZE.loc, FB_KEY_SIZE.scale, FB_KEY_SIZE.shape], spec);
  }
  if (spec === "fb_value") return Generator.of("fb_value", [], spec);
  if (spec === "fb_ia") {
    const { loc, scale, shape } = FB_INTERARRIVAL_US;
    return Generator.of("pareto", [loc, scale, shape], spec);
  }
  const lead = LEADING_INT.exec(spec);
  if ((lead !== null && Number(lead[1]) !== 0) || spec === "0") {
    return Generator.of("fixed", [atof(spec)], spec);
  }
  const colon = spec.indexOf(":");
  const argText = colon < 0 ? "" : spec.slice(colon + 1).split(":")[0];
  const parts = argText.split(",").filter((s) => s !== "");
  const args = [0, 1, 2].map((i) => (i < parts.length ? atof(parts[i]) : 0));
  const lower = spec.toLowerCase();
  const kind = NAMED.find((n) => lower.includes(n));
  if (kind === undefined || spec.trim() === "") {
    throw new Error(`unable to create generator "${spec}"`);
  }
  if ((kind === "pareto" || kind === "gev") && args[2] === 0) {
    throw new Error(`generator "${spec}": shape must be non-zero`);
  }
  if (kind === "gev" && !(args[1] > 0)) {
    throw new Error(`generator "${spec}": scale must be positive`);
  }
  return Generator.of(kind, kind === "uniform" || kind === "exponential" ? [args[0]] : args, spec);
}

/** C atof: the longest numeric prefix, 0 when there is none. */
function atof(s: string): number {
  const m = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(s);
  return m === null ? 0 : Number(m[0]);
}
