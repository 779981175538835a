/**
 * Board model: a width x height mesh of tiles with one core clock.
 *
 * Tiles are numbered row by row: tile id = y * width + x, with (0, 0) the
 * top-left corner. Messages between tiles follow dimension-ordered X-then-Y
 * routing, so the hop count is the Manhattan distance.
 */
import { Clock } from "../core/time.ts";

/** TILE-Gx36 mesh width and height: 6 x 6 tiles (docs/PAPER.md, Tilera product documentation). */
const GX36_SIDE = 6;
/** TILE-Gx36 core clock: 1.2 GHz (docs/PAPER.md). */
const GX36_HZ = 1_200_000_000;
/** TILEncore-Gx36 board: four 10 GbE ports (docs/PAPER.md). */
const GX36_PORTS = 4;
/** TILE-Gx72 mesh: 9 x 8 tiles (docs/PAPER.md). */
const GX72_WIDTH = 9;
const GX72_HEIGHT = 8;
/** TILE-Gx72 core clock: 1.0 GHz (docs/PAPER.md). */
const GX72_HZ = 1_000_000_000;
/** TILE-Gx72 boards also carry four 10 GbE ports (approximation: same port count as the Gx36 board). */
const GX72_PORTS = 4;
/** Ethernet ports of a custom board unless stated. */
const DEFAULT_CUSTOM_PORTS = 1;

/** A board's shape: its mesh of tiles and how fast they run. */
export interface BoardSpec {
  /** Board name ("gx36", "gx72", ...). */
  readonly name: string;
  /** Tiles per mesh row. */
  readonly width: number;
  /** Tiles per mesh column. */
  readonly height: number;
  /** Core clock in Hz. */
  readonly hz: number;
  /** Number of Ethernet ports on the board. */
  readonly ports: number;
}

/** A board: a `width` x `height` mesh of tiles (cores), its Ethernet ports and clock. */
export class Board {
  /** Board name. */
  readonly name: string;
  /** Tiles per mesh row. */
  readonly width: number;
  /** Tiles per mesh column. */
  readonly height: number;
  /** Number of tiles (`width * height`). */
  readonly tiles: number;
  /** Ethernet ports of the NIC. */
  readonly ports: number;
  /** The tiles' clock domain. */
  readonly clock: Clock;

  /** The board `spec` describes; throws a RangeError on a bad shape. */
  constructor(spec: BoardSpec) {
    const { width, height } = spec;
    if (!Number.isInteger(width) || width < 1 || !Number.isInteger(height) || height < 1) {
      throw new RangeError(
        `board ${spec.name}: size must be positive integers, got ${width}x${height}`,
      );
    }
    if (!Number.isInteger(spec.ports) || spec.ports < 0) {
      throw new RangeError(
        `board ${spec.name}: ports must be a non-negative integer, got ${spec.ports}`,
      );
    }
    this.name = spec.name;
    this.width = width;
    this.height = height;
    this.tiles = width * height;
    this.ports = spec.ports;
    this.clock = new Clock(spec.hz);
  }

  /** Tile id of (x, y). */
  tile(x: number, y: number): number {
    if (
      !Number.isInteger(x) || !Number.isInteger(y) || x < 0 || y < 0 || x >= this.width ||
      y >= this.height
    ) {
      throw new RangeError(
        `(${x}, ${y}) is not a tile of ${this.name} (${this.width}x${this.height})`,
      );
    }
    return y * this.width + x;
  }

  /** Column of a tile. */
  x(tile: number): number {
    this.check(tile);
    return tile % this.width;
  }

  /** Row of a tile. */
  y(tile: number): number {
    this.check(tile);
    return Math.floor(tile / this.width);
  }

  /** Hops between two tiles under X-then-Y routing (Manhattan distance). */
  hops(a: number, b: number): number {
    return Math.abs(this.x(a) - this.x(b)) + Math.abs(this.y(a) - this.y(b));
  }

  /**
   * Quadrant of a tile: 0 top-left, 1 top-right, 2 bottom-left, 3 bottom-right.
   * For odd sizes the middle column belongs to the left half and the middle row
   * to the top half (the left/top halves have ceil(size / 2) columns/rows).
   * A board one tile wide or high has only quadrants on one side (e.g. 0 and 2).
   */
  quadrant(tile: number): number {
    const right = this.x(tile) >= Math.ceil(this.width / 2) ? 1 : 0;
    const bottom = this.y(tile) >= Math.ceil(this.height / 2) ? 1 : 0;
    return bottom * 2 + right;
  }

  /** All tiles of a quadrant, in id order. */
  quadrantTiles(q: number): number[] {
    const out: number[] = [];
    for (let t = 0; t < this.tiles; t++) if (this.quadrant(t) === q) out.push(t);
    return out;
  }

  /** Throws unless `tile` is a tile id of this board. */
  check(tile: number): void {
    if (!Number.isInteger(tile) || tile < 0 || tile >= this.tiles) {
      throw new RangeError(`tile ${tile} is not on ${this.name} (${this.tiles} tiles)`);
    }
  }
}

/** TILE-Gx36: 6 x 6 tiles at 1.2 GHz, four 10 GbE ports. */
export const GX36: BoardSpec = Object.freeze({
  name: "TILE-Gx36",
  width: GX36_SIDE,
  height: GX36_SIDE,
  hz: GX36_HZ,
  ports: GX36_PORTS,
});

/** TILE-Gx72: 9 x 8 tiles at 1.0 GHz. */
export const GX72: BoardSpec = Object.freeze({
  name: "TILE-Gx72",
  width: GX72_WIDTH,
  height: GX72_HEIGHT,
  hz: GX72_HZ,
  ports: GX72_PORTS,
});

/** A board of any size and clock (e.g. for scaling studies). */
export function customBoard(
  width: number,
  height: number,
  hz: number,
  ports = DEFAULT_CUSTOM_PORTS,
): Board {
  return new Board({ name: `custom-${width}x${height}`, width, height, hz, ports });
}

/** A Board from a preset or any spec. */
export function makeBoard(spec: BoardSpec): Board {
  return new Board(spec);
}

export interface SpreadOptions {
  /** Tiles that must not be chosen and are not counted as "others" (e.g. a Linux control tile). */
  readonly exclude?: readonly number[];
  /**
   * Spread the chosen tiles evenly over the four quadrants (the remainder goes
   * to the lowest-numbered quadrants) and place each quadrant's share to serve
   * that quadrant's tiles (for quadrant-restricted pairing, d12-q).
   */
  readonly balanceQuadrants?: boolean;
}

/**
 * Chooses `n` tiles so that the other tiles are, on average, as few hops as
 * possible from their nearest chosen tile (a k-median placement: network cores
 * spread out to minimise hops, as in the paper's layouts). Deterministic: a
 * greedy start (ties to the lowest tile id) refined by pairwise swaps tried in
 * id order until no swap lowers the total. Returns tile ids in ascending order.
 */
export function spreadTiles(board: Board, n: number, opts: SpreadOptions = {}): number[] {
  const excluded = new Set<number>();
  for (const t of opts.exclude ?? []) {
    board.check(t);
    excluded.add(t);
  }
  if (!opts.balanceQuadrants) {
    const pool: number[] = [];
    for (let t = 0; t < board.tiles; t++) if (!excluded.has(t)) pool.push(t);
    return kMedian(board, pool, n);
  }
  const out: number[] = [];
  const pools: number[][] = [0, 1, 2, 3].map((q) =>
    board.quadrantTiles(q).filter((t) => !excluded.has(t))
  );
  const nonEmpty = pools.filter((p) => p.length > 0).length;
  if (nonEmpty === 0 && n > 0) throw new RangeError(`no tiles available to place ${n} tiles`);
  let rest = n;
  const share = [0, 0, 0, 0];
  let q = 0;
  // Round-robin over quadrants with room, lowest quadrant first.
  while (rest > 0) {
    if (share[q] < pools[q].length) {
      share[q]++;
      rest--;
    } else if (pools.every((p, i) => share[i] >= p.length)) {
      throw new RangeError(`cannot place ${n} tiles: only ${n - rest} available`);
    }
    q = (q + 1) % 4;
  }
  for (let i = 0; i < 4; i++) out.push(...kMedian(board, pools[i], share[i]));
  return out.sort((a, b) => a - b);
}

/** Most placements {@link kMedian} remembers (the cache is emptied when full). */
const KMEDIAN_CACHE_LIMIT = 256;
/**
 * Placements already computed, by mesh size, k and pool: kMedian is a pure
 * function of these, and every run of an experiment builds its boards afresh
 * (placing the same layout each time).
 */
const kMedianCache = new Map<string, readonly number[]>();

/** k-median over `pool` (tile ids ascending): greedy start plus swap refinement. */
function kMedian(board: Board, pool: readonly number[], k: number): number[] {
  if (!Number.isInteger(k) || k < 0) {
    throw new RangeError(`tile count must be a non-negative integer, got ${k}`);
  }
  if (k > pool.length) throw new RangeError(`cannot place ${k} tiles among ${pool.length}`);
  if (k === 0) return [];
  const key = `${board.width}x${board.height}:${k}:${pool.join(",")}`;
  const hit = kMedianCache.get(key);
  if (hit !== undefined) return [...hit];
  const out = kMedianSearch(board, pool, k);
  if (kMedianCache.size >= KMEDIAN_CACHE_LIMIT) kMedianCache.clear();
  kMedianCache.set(key, Object.freeze([...out]));
  return out;
}

/** The search behind {@link kMedian} (uncached). */
function kMedianSearch(board: Board, pool: readonly number[], k: number): number[] {
  const m = pool.length;
  const dist: number[][] = pool.map((a) => pool.map((b) => board.hops(a, b)));
  const used = new Uint8Array(m);
  // Primary objective: hops from each other tile to its nearest chosen tile.
  // Secondary (tie-break, weighted below any primary difference): hops from
  // each other tile to all chosen tiles, which matters for all-to-all pairing.
  const weight = m * k * (board.width + board.height) + 1;
  const cost = (chosen: readonly number[]): number => {
    let nearest = 0;
    let all = 0;
    for (let i = 0; i < m; i++) {
      if (used[i]) continue;
      let best = Infinity;
      for (const c of chosen) {
        const d = dist[i][c];
        all += d;
        if (d < best) best = d;
      }
      nearest += best;
    }
    return nearest * weight + all;
  };
  const chosen: number[] = []; // indices into pool
  for (let step = 0; step < k; step++) {
    let bestIdx = -1;
    let bestCost = Infinity;
    for (let c = 0; c < m; c++) {
      if (used[c]) continue;
      chosen.push(c);
      used[c] = 1;
      const v = cost(chosen);
      used[c] = 0;
      chosen.pop();
      if (v < bestCost) {
        bestCost = v;
        bestIdx = c;
      }
    }
    chosen.push(bestIdx);
    used[bestIdx] = 1;
  }
  let current = cost(chosen);
  // Passes of first-improvement swaps (in index order) until a pass changes nothing.
  let improved = true;
  while (improved) {
    improved = false;
    for (let i = 0; i < k; i++) {
      for (let c = 0; c < m; c++) {
        if (used[c]) continue;
        const old = chosen[i];
        chosen[i] = c;
        used[old] = 0;
        used[c] = 1;
        const v = cost(chosen);
        if (v < current) {
          current = v;
          improved = true;
        } else {
          chosen[i] = old;
          used[old] = 1;
          used[c] = 0;
        }
      }
    }
  }
  return chosen.map((i) => pool[i]).sort((a, b) => a - b);
}

/** Average hops from each tile not in `chosen` (nor excluded) to its nearest chosen tile. */
export function meanNearestHops(
  board: Board,
  chosen: readonly number[],
  exclude: readonly number[] = [],
): number {
  const skip = new Set<number>([...chosen, ...exclude]);
  let sum = 0;
  let count = 0;
  for (let t = 0; t < board.tiles; t++) {
    if (skip.has(t)) continue;
    let best = Infinity;
    for (const c of chosen) best = Math.min(best, board.hops(t, c));
    sum += best;
    count++;
  }
  return count === 0 ? 0 : sum / count;
}
