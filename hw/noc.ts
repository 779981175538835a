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
 *   ejection port. The head spends `perHopCycles` per router link (facts.md:
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
import type { Time } from "../core/time.ts";
import type { Board } from "./board.ts";
import { QueuedTransport } from "./transport.ts";

/** Cycles per router hop: "NoC message 1 cycle per hop" (facts.md, slides "Many core TileGX"). */
export const UDN_HOP_CYCLES = 1;
/** Hardware demultiplexing queues per tile: the UDN has four (Tilera documentation; facts.md "a small number"). */
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
  private readonly busyUntil: Float64Array;
  private readonly lMessages: Float64Array;
  private readonly lWords: Float64Array;
  private readonly lBusy: Float64Array;
  private readonly lDelay: Float64Array;
  private readonly lMaxDelay: Float64Array;
  private injected = 0;
  /** Head position while routing: time base plus cycles since it (exact cycle sums). */
  private base: Time = 0;
  private cyc = 0;

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
    const n = this.tilesN * (DIRS + 2);
    this.busyUntil = new Float64Array(n);
    this.lMessages = new Float64Array(n);
    this.lWords = new Float64Array(n);
    this.lBusy = new Float64Array(n);
    this.lDelay = new Float64Array(n);
    this.lMaxDelay = new Float64Array(n);
  }

  latency(src: number, dst: number, words: number): Time {
    return this.board.clock.cycles(
      this.board.hops(src, dst) * this.perHopCycles + words + NOC_HEADER_WORDS,
    );
  }

  protected route(now: Time, src: number, dst: number, words: number): Time {
    const flits = words + NOC_HEADER_WORDS;
    const w = this.width;
    this.base = now;
    this.cyc = 0;
    this.injected++;
    this.useLink(this.tilesN * DIRS + src, flits);
    let x = src % w;
    let y = (src - x) / w;
    const dx = dst % w;
    const dy = (dst - dx) / w;
    const hop = this.perHopCycles;
    while (x !== dx) {
      const dir = dx > x ? DIR_EAST : DIR_WEST;
      this.useLink((y * w + x) * DIRS + dir, flits);
      this.cyc += hop;
      x += dx > x ? 1 : -1;
    }
    while (y !== dy) {
      const dir = dy > y ? DIR_SOUTH : DIR_NORTH;
      this.useLink((y * w + x) * DIRS + dir, flits);
      this.cyc += hop;
      y += dy > y ? 1 : -1;
    }
    this.useLink(this.tilesN * (DIRS + 1) + dst, flits);
    return this.base + this.board.clock.cycles(this.cyc + flits);
  }

  /** The head enters `link` (waiting if it is busy); the link stays busy for `flits` cycles. */
  private useLink(link: number, flits: number): void {
    const clock = this.board.clock;
    const want = this.base + clock.cycles(this.cyc);
    const free = this.busyUntil[link];
    let enter = want;
    if (free > want) {
      enter = free;
      const d = free - want;
      this.lDelay[link] += d;
      if (d > this.lMaxDelay[link]) this.lMaxDelay[link] = d;
      this.base = free;
      this.cyc = 0;
    }
    const until = this.base + clock.cycles(this.cyc + flits);
    this.busyUntil[link] = until;
    this.lMessages[link]++;
    this.lWords[link] += flits;
    this.lBusy[link] += until - enter;
  }

  /** Statistics of one link (see {@link linkReport} for the layout). */
  private linkStat(i: number): LinkStat {
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
      messages: this.lMessages[i],
      words: this.lWords[i],
      busy: this.lBusy[i],
      totalDelay: this.lDelay[i],
      maxDelay: this.lMaxDelay[i],
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
    return this.linkStat(from * DIRS + d);
  }

  /** Per-link statistics and a summary, for comparing layouts by path contention. */
  linkReport(): LinkReport {
    const links: LinkStat[] = [];
    let totalDelay = 0, maxDelay = 0, maxMesh = 0, meshSum = 0, meshUsed = 0, traversals = 0;
    const meshEnd = this.tilesN * DIRS;
    for (let i = 0; i < this.busyUntil.length; i++) {
      if (this.lMessages[i] === 0) continue;
      links.push(this.linkStat(i));
      totalDelay += this.lDelay[i];
      if (this.lMaxDelay[i] > maxDelay) maxDelay = this.lMaxDelay[i];
      if (i < meshEnd) {
        meshUsed++;
        meshSum += this.lWords[i];
        traversals += this.lMessages[i];
        if (this.lWords[i] > maxMesh) maxMesh = this.lWords[i];
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
