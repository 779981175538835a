/**
 * The TileGX User Dynamic Network (UDN): a 2-D mesh of routers, one per tile,
 * carrying user-level messages between tiles.
 *
 * Timing model (virtual cut-through, an approximation of the UDN's wormhole
 * routing):
 * - A message of `words` payload words travels as `words + NOC_HEADER_WORDS`
 *   flits (the header carries the destination and demux queue; the receiver's
 *   queue holds only the payload words). Flits move 1 word per cycle per link.
 * - It crosses: the source tile's injection port, `hops` router-to-router links
 *   chosen by dimension-ordered X-then-Y routing, and the destination tile's
 *   ejection port. The head spends `perHopCycles` per router link (docs/PAPER.md:
 *   about one cycle per hop); injection and ejection add no head latency.
 * - Each directed link carries one message at a time: it is busy for
 *   `flits` cycles from when the head enters it. A head that finds a link busy
 *   waits until it is free (the wait is that link's queueing delay); links
 *   behind it are released as the tail passes (cut-through: the blocked worm is
 *   buffered, not left holding upstream links).
 * - Uncontended latency = hops * perHopCycles + flits cycles, on the board's clock.
 *
 * Receive queues and back-pressure are {@link QueuedTransport}'s.
 */
import type { Scheduler } from "../core/scheduler.ts";
import type { Clock, Time } from "../core/time.ts";
import type { Board } from "./board.ts";
import { QueuedTransport } from "./transport.ts";

/** Cycles per router hop: "NoC message 1 cycle per hop" (docs/PAPER.md, slides "Many core TileGX"). */
export const UDN_HOP_CYCLES = 1;
/** Hardware demultiplexing queues per tile: the UDN has four (Tilera documentation; docs/PAPER.md "a small number"). */
export const UDN_QUEUES = 4;
/**
 * Capacity of one demux queue in words. Approximation: the hardware buffers are
 * small; 128 words holds a burst of socket-layer records (a few words each)
 * and is to be calibrated in docs/CALIBRATION.md.
 */
export const UDN_QUEUE_WORDS = 128;
/** Header words the UDN adds to each message (destination / demux tag). */
export const NOC_HEADER_WORDS = 1;

/** Direction of a mesh link, as an offset in the per-tile link block. */
const DIR_EAST = 0;
const DIR_WEST = 1;
const DIR_SOUTH = 2;
const DIR_NORTH = 3;
/** Directed mesh links per tile (E, W, S, N). */
const DIRS = 4;
const DIR_NAMES = ["E", "W", "S", "N"] as const;
/** Fields of a link's record in NocTransport's link array. */
const F_BUSY_UNTIL = 0;
const F_BUSY = 1;
const F_DELAY = 2;
const F_MAX_DELAY = 3;
const LINK_FIELDS = 4;

export interface NocConfig {
  /** Cycles per router hop (default {@link UDN_HOP_CYCLES}). */
  readonly perHopCycles?: number;
  /** Demux queues per tile (default {@link UDN_QUEUES}). */
  readonly queues?: number;
  /** Words per demux queue (default {@link UDN_QUEUE_WORDS}). */
  readonly queueWords?: number;
}

export type LinkKind = "mesh" | "inject" | "eject";

export interface LinkStat {
  readonly kind: LinkKind;
  /** Tile the link leaves (for inject/eject: the tile itself). */
  readonly from: number;
  /** Tile the link enters (for inject/eject: the tile itself). */
  readonly to: number;
  /** "E" | "W" | "S" | "N" for mesh links, "" otherwise. */
  readonly dir: string;
  readonly messages: number;
  /** Flits carried (payload plus header words). */
  readonly words: number;
  readonly busy: Time;
  /** Total and largest time heads waited for this link. */
  readonly totalDelay: Time;
  readonly maxDelay: Time;
}

export interface LinkReport {
  /** Every link that carried at least one message, in link order. */
  readonly links: readonly LinkStat[];
  /** Messages injected into the mesh. */
  readonly messages: number;
  /** Sum and maximum of per-link queueing delays (path contention). */
  readonly totalQueueDelay: Time;
  readonly maxQueueDelay: Time;
  /** Mean queueing delay per message. */
  readonly meanDelayPerMessage: Time;
  /** Words on the busiest router-to-router link, and the mean over used ones. */
  readonly maxMeshLinkWords: number;
  readonly meanMeshLinkWords: number;
  /** Messages times hops, summed (total router-link traversals). */
  readonly linkTraversals: number;
}

export class NocTransport extends QueuedTransport {
  readonly perHopCycles: number;
  private readonly width: number;
  private readonly tilesN: number;
  /**
   * Per-link state, {@link LINK_FIELDS} numbers per link (one array so a hop
   * touches one cache line): busy-until time, busy time, total delay and
   * largest delay.
   */
  private readonly links: Float64Array;
  private readonly linkCount: number;
  /** Links of each (src, dst) route in order (injection, mesh..., ejection), built on first use. */
  private readonly paths: (Int32Array | undefined)[];
  /**
   * Messages and flits sent on each (src, dst) route. A link's message and
   * word counts are sums over the routes through it, computed when asked for
   * ({@link linkCounts}): one update per message instead of two per link.
   */
  private readonly pathMessages: Float64Array;
  private readonly pathFlits: Float64Array;
  private readonly clock: Clock;
  private injected = 0;

  constructor(sched: Scheduler, readonly board: Board, cfg: NocConfig = {}) {
    super(sched, `noc(${board.name})`, board.tiles, {
      queues: cfg.queues ?? UDN_QUEUES,
      queueWords: cfg.queueWords ?? UDN_QUEUE_WORDS,
    });
    const hop = cfg.perHopCycles ?? UDN_HOP_CYCLES;
    if (!(hop >= 0) || !Number.isFinite(hop)) {
      throw new RangeError(`noc: perHopCycles must be a non-negative number, got ${hop}`);
    }
    this.perHopCycles = hop;
    this.width = board.width;
    this.tilesN = board.tiles;
    // Links: DIRS mesh links per tile, then one injection and one ejection port per tile.
    this.linkCount = this.tilesN * (DIRS + 2);
    this.links = new Float64Array(this.linkCount * LINK_FIELDS);
    this.paths = new Array(this.tilesN * this.tilesN).fill(undefined);
    this.pathMessages = new Float64Array(this.tilesN * this.tilesN);
    this.pathFlits = new Float64Array(this.tilesN * this.tilesN);
    this.clock = board.clock;
  }

  latency(src: number, dst: number, words: number): Time {
    return this.board.clock.cycles(
      this.board.hops(src, dst) * this.perHopCycles + words + NOC_HEADER_WORDS,
    );
  }

  /**
   * Walks the route's links in order. Each link's head entry time is the time
   * base plus `cyc` cycles (exact cycle sums: the base moves only when a head
   * waits for a busy link, and then the cycle count restarts from 0).
   */
  protected route(now: Time, src: number, dst: number, words: number): Time {
    const flits = words + NOC_HEADER_WORDS;
    const pi = src * this.tilesN + dst;
    const path = this.paths[pi] ?? this.buildPath(src, dst);
    this.injected++;
    this.pathMessages[pi]++;
    this.pathFlits[pi] += flits;
    const ls = this.links;
    const hop = this.perHopCycles;
    const clock = this.clock;
    const last = path.length - 1;
    let base = now;
    let cyc = 0;
    let until = now;
    for (let i = 0; i <= last; i++) {
      const at = path[i] * LINK_FIELDS;
      // The head enters the link, waiting if it is busy; the link stays busy for `flits` cycles.
      let enter = base + clock.cycles(cyc);
      const free = ls[at + F_BUSY_UNTIL];
      if (free > enter) {
        const d = free - enter;
        ls[at + F_DELAY] += d;
        if (d > ls[at + F_MAX_DELAY]) ls[at + F_MAX_DELAY] = d;
        enter = free;
        base = free;
        cyc = 0;
      }
      until = base + clock.cycles(cyc + flits);
      ls[at + F_BUSY_UNTIL] = until;
      ls[at + F_BUSY] += until - enter;
      // Router-to-router links (all but the injection and ejection ports) add the hop latency.
      if (i > 0 && i < last) cyc += hop;
    }
    // The tail leaves the ejection port (the last link) when the message is complete.
    return until;
  }

  /** Builds and remembers the dimension-ordered X-then-Y route from src to dst. */
  private buildPath(src: number, dst: number): Int32Array {
    const w = this.width;
    let x = src % w;
    let y = (src - x) / w;
    const dx = dst % w;
    const dy = (dst - dx) / w;
    const path = new Int32Array(Math.abs(dx - x) + Math.abs(dy - y) + 2);
    let n = 0;
    path[n++] = this.tilesN * DIRS + src;
    while (x !== dx) {
      path[n++] = (y * w + x) * DIRS + (dx > x ? DIR_EAST : DIR_WEST);
      x += dx > x ? 1 : -1;
    }
    while (y !== dy) {
      path[n++] = (y * w + x) * DIRS + (dy > y ? DIR_SOUTH : DIR_NORTH);
      y += dy > y ? 1 : -1;
    }
    path[n] = this.tilesN * (DIRS + 1) + dst;
    this.paths[src * this.tilesN + dst] = path;
    return path;
  }

  /**
   * Messages and words (flits) carried by every link so far: entries 2i and
   * 2i+1 for link i, summed over the routes through it.
   */
  private linkCounts(): Float64Array {
    const counts = new Float64Array(this.linkCount * 2);
    for (let pi = 0; pi < this.paths.length; pi++) {
      const path = this.paths[pi];
      if (path === undefined) continue;
      const m = this.pathMessages[pi], f = this.pathFlits[pi];
      for (let i = 0; i < path.length; i++) {
        counts[2 * path[i]] += m;
        counts[2 * path[i] + 1] += f;
      }
    }
    return counts;
  }

  /** Statistics of one link (see {@link linkReport} for the layout), given {@link linkCounts}. */
  private linkStat(i: number, counts: Float64Array): LinkStat {
    const T = this.tilesN;
    let kind: LinkKind = "mesh";
    let from: number, to: number;
    let dir = "";
    if (i < T * DIRS) {
      from = Math.floor(i / DIRS);
      const d = i % DIRS;
      dir = DIR_NAMES[d];
      to = d === DIR_EAST
        ? from + 1
        : d === DIR_WEST
        ? from - 1
        : d === DIR_SOUTH
        ? from + this.width
        : from - this.width;
    } else if (i < T * (DIRS + 1)) {
      kind = "inject";
      from = to = i - T * DIRS;
    } else {
      kind = "eject";
      from = to = i - T * (DIRS + 1);
    }
    return {
      kind,
      from,
      to,
      dir,
      messages: counts[2 * i],
      words: counts[2 * i + 1],
      busy: this.links[i * LINK_FIELDS + F_BUSY],
      totalDelay: this.links[i * LINK_FIELDS + F_DELAY],
      maxDelay: this.links[i * LINK_FIELDS + F_MAX_DELAY],
    };
  }

  /** Statistics of the mesh link leaving `from` towards the adjacent tile `to`. */
  meshLink(from: number, to: number): LinkStat {
    this.board.check(from);
    this.board.check(to);
    const w = this.width;
    const fx = from % w, tx = to % w;
    let d: number;
    if (to === from + 1 && tx === fx + 1) d = DIR_EAST;
    else if (to === from - 1 && tx === fx - 1) d = DIR_WEST;
    else if (to === from + w) d = DIR_SOUTH;
    else if (to === from - w) d = DIR_NORTH;
    else throw new RangeError(`tiles ${from} and ${to} are not adjacent`);
    return this.linkStat(from * DIRS + d, this.linkCounts());
  }

  /** Per-link statistics and a summary, for comparing layouts by path contention. */
  linkReport(): LinkReport {
    const links: LinkStat[] = [];
    let totalDelay = 0, maxDelay = 0, maxMesh = 0, meshSum = 0, meshUsed = 0, traversals = 0;
    const meshEnd = this.tilesN * DIRS;
    const counts = this.linkCounts();
    for (let i = 0; i < this.linkCount; i++) {
      const s = this.linkStat(i, counts);
      if (s.messages === 0) continue;
      links.push(s);
      totalDelay += s.totalDelay;
      if (s.maxDelay > maxDelay) maxDelay = s.maxDelay;
      if (i < meshEnd) {
        meshUsed++;
        meshSum += s.words;
        traversals += s.messages;
        if (s.words > maxMesh) maxMesh = s.words;
      }
    }
    return {
      links,
      messages: this.injected,
      totalQueueDelay: totalDelay,
      maxQueueDelay: maxDelay,
      meanDelayPerMessage: this.injected === 0 ? 0 : totalDelay / this.injected,
      maxMeshLinkWords: maxMesh,
      meanMeshLinkWords: meshUsed === 0 ? 0 : meshSum / meshUsed,
      linkTraversals: traversals,
    };
  }
}
