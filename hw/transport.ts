/**
 * Inter-core message transport: the interface shared by the mesh NoC
 * (hw/noc.ts) and the shared-memory rings (hw/shmring.ts), and the engine both
 * use for receive queues and back-pressure.
 *
 * Semantics (both transports):
 * - Every endpoint (tile/core) has `queuesPerEndpoint` receive queues, each
 *   bounded to `queueWords` words. A message's `words` (>= 1, given by the
 *   sender) occupy its destination queue from the moment it is injected (space
 *   is reserved, credit-style) until the receiver pops it.
 * - A message whose destination queue has no room is not lost: it waits at its
 *   source, and every later send from that source queues behind it, in order
 *   (head-of-line blocking, as at a hardware injection port). `send` then
 *   returns "stalled" and the message's `onAccepted(t)` runs when it is finally
 *   injected. A message that was injected at once returns "sent" and its
 *   `onAccepted` is not called.
 * - Sources blocked on the same queue are served first-come first-served, and
 *   a new send to a queue that has blocked senders waits behind them.
 * - Arrival order into one queue is arrival-time order; messages from one
 *   source to one destination arrive in send order.
 * - Link arbitration happens in call order: callers send at the scheduler's
 *   current time (as work items do through `WorkContext.then`).
 */
import type { Scheduler } from "../core/scheduler.ts";
import type { Time } from "../core/time.ts";
import { Fifo } from "./fifo.ts";

export type SendStatus = "sent" | "stalled";

/** Called when a message arrives in (tile, queue); pop() to take it. */
export type ArrivalHandler = (t: Time, tile: number, queue: number) => void;

/** A message as the receiver sees it. */
export interface Message {
  readonly src: number;
  readonly dst: number;
  readonly queue: number;
  /** Opaque payload (a socket-layer event or command record). */
  readonly payload: unknown;
  /** Size in words as declared by the sender (the transport's own header is not included). */
  readonly words: number;
  /** When `send` was called. */
  readonly sentAt: Time;
  /** When the message left the source (later than sentAt after a stall). */
  readonly injectedAt: Time;
  /** When the message was complete in the destination queue. */
  readonly arrivedAt: Time;
}

export interface QueueStats {
  /** Messages and words that arrived in this queue. */
  messages: number;
  words: number;
  /** Most words sitting in the queue at once (arrived, not yet popped). */
  highWaterWords: number;
  /** Most words reserved at once (in flight plus arrived). */
  highWaterReserved: number;
  /** Times a source's head message found this queue full and had to wait. */
  stalls: number;
}

export interface SourceStats {
  /** Messages sent. */
  sent: number;
  /** Sends that could not be injected at once (blocked or behind a blocked message). */
  stalled: number;
  /** Most messages waiting at this source at once. */
  maxBacklog: number;
  /** Total time messages waited at this source before injection. */
  stallTime: Time;
}

export interface Transport {
  readonly name: string;
  /** Number of endpoints (tiles or cores). */
  readonly endpoints: number;
  readonly queuesPerEndpoint: number;
  /** Capacity of each receive queue in words. */
  readonly queueWords: number;
  /**
   * Sends `payload` of `words` words from `src` to queue `queue` of `dst` at
   * `now` (>= the scheduler's time). See the module comment for stalls.
   */
  send(
    now: Time,
    src: number,
    dst: number,
    queue: number,
    payload: unknown,
    words: number,
    onAccepted?: (t: Time) => void,
  ): SendStatus;
  /** Takes the oldest arrived message of (tile, queue), freeing its words; undefined when empty. */
  pop(tile: number, queue: number): Message | undefined;
  /** The oldest arrived message without taking it. */
  peek(tile: number, queue: number): Message | undefined;
  /** Messages arrived and not yet popped in (tile, queue). */
  pending(tile: number, queue: number): number;
  /** Messages waiting at `src` to be injected. */
  backlog(src: number): number;
  /** Registers (or clears with null) the arrival callback of (tile, queue). */
  onArrival(tile: number, queue: number, fn: ArrivalHandler | null): void;
  /** Latency of a message of `words` words from src to dst with no contention. */
  latency(src: number, dst: number, words: number): Time;
  queueStats(tile: number, queue: number): Readonly<QueueStats>;
  sourceStats(src: number): Readonly<SourceStats>;
}

export interface QueueConfig {
  /** Receive queues per endpoint. */
  readonly queues: number;
  /** Capacity of each receive queue in words. */
  readonly queueWords: number;
}

/**
 * The record behind {@link Message}: one per message, the object the receiver
 * pops. {@link QueuedTransport.send} creates it; a sender that has to carry a
 * message's destination and size until its send time (such as a work item's
 * callback) can build it ahead instead and send it with
 * {@link QueuedTransport.sendMessage}, so the message needs no second record.
 * The transport sets the times when it sends the record; each record is sent
 * once.
 */
export class TransportMessage implements Message {
  readonly src: number;
  readonly dst: number;
  readonly queue: number;
  readonly payload: unknown;
  readonly words: number;
  // The times are undefined until the transport sets them (the receiver sees
  // them all set). Declared without initialisers on purpose: a field that
  // starts as a number gets a number box allocated with each record, while
  // one that starts undefined just points at the time values it is given.
  sentAt!: Time;
  injectedAt!: Time;
  arrivedAt!: Time;
  onAccepted: ((t: Time) => void) | undefined = undefined;

  constructor(src: number, dst: number, queue: number, payload: unknown, words: number) {
    this.src = src;
    this.dst = dst;
    this.queue = queue;
    this.payload = payload;
    this.words = words;
  }
}

/**
 * Receive queues, reservations and source back-pressure; subclasses supply the
 * timing of an injected message with {@link route}.
 */
export abstract class QueuedTransport implements Transport {
  readonly endpoints: number;
  readonly queuesPerEndpoint: number;
  readonly queueWords: number;

  private readonly arrived: Fifo<TransportMessage>[];
  private readonly waiters: Fifo<number>[];
  private readonly handlers: (ArrivalHandler | null)[];
  private readonly reserved: Int32Array;
  private readonly occupied: Int32Array;
  private readonly qStats: QueueStats[];
  private readonly backlogs: Fifo<TransportMessage>[];
  /** Queue index a source is registered as waiting on, or -1. */
  private readonly blockedOn: Int32Array;
  private readonly sStats: SourceStats[];

  constructor(
    protected readonly sched: Scheduler,
    readonly name: string,
    endpoints: number,
    cfg: QueueConfig,
  ) {
    if (!Number.isInteger(endpoints) || endpoints < 1) {
      throw new RangeError(`${name}: endpoints must be a positive integer, got ${endpoints}`);
    }
    if (!Number.isInteger(cfg.queues) || cfg.queues < 1) {
      throw new RangeError(
        `${name}: queues per endpoint must be a positive integer, got ${cfg.queues}`,
      );
    }
    if (!Number.isInteger(cfg.queueWords) || cfg.queueWords < 1) {
      throw new RangeError(
        `${name}: queue capacity must be a positive integer of words, got ${cfg.queueWords}`,
      );
    }
    this.endpoints = endpoints;
    this.queuesPerEndpoint = cfg.queues;
    this.queueWords = cfg.queueWords;
    const nq = endpoints * cfg.queues;
    this.arrived = Array.from({ length: nq }, () => new Fifo<TransportMessage>());
    this.waiters = Array.from({ length: nq }, () => new Fifo<number>());
    this.handlers = new Array(nq).fill(null);
    this.reserved = new Int32Array(nq);
    this.occupied = new Int32Array(nq);
    this.qStats = Array.from({ length: nq }, () => ({
      messages: 0,
      words: 0,
      highWaterWords: 0,
      highWaterReserved: 0,
      stalls: 0,
    }));
    this.backlogs = Array.from({ length: endpoints }, () => new Fifo<TransportMessage>());
    this.blockedOn = new Int32Array(endpoints).fill(-1);
    this.sStats = Array.from(
      { length: endpoints },
      () => ({ sent: 0, stalled: 0, maxBacklog: 0, stallTime: 0 }),
    );
  }

  /**
   * Timing of one injected message: reserves whatever links or resources it
   * uses and returns the time it is complete at the destination (>= now).
   */
  protected abstract route(now: Time, src: number, dst: number, words: number): Time;

  abstract latency(src: number, dst: number, words: number): Time;

  send(
    now: Time,
    src: number,
    dst: number,
    queue: number,
    payload: unknown,
    words: number,
    onAccepted?: (t: Time) => void,
  ): SendStatus {
    return this.sendMessage(
      now,
      new TransportMessage(src, dst, queue, payload, words),
      onAccepted,
    );
  }

  /**
   * Sends a message built ahead (see {@link TransportMessage}) at `now`: the
   * same as {@link send} with its fields. A record cannot be sent twice.
   */
  sendMessage(now: Time, m: TransportMessage, onAccepted?: (t: Time) => void): SendStatus {
    const { src, dst, queue, words } = m;
    const n = this.endpoints;
    const qpe = this.queuesPerEndpoint;
    // The valid case in one test (`x >>> 0 === x` admits exactly the whole
    // numbers 0..2^32-1 and -0); anything else is rejected by the full checks.
    if (
      !(src >>> 0 === src && src < n && dst >>> 0 === dst && dst < n && queue >>> 0 === queue &&
        queue < qpe && words >>> 0 === words && words >= 1 && words <= this.queueWords &&
        now >= this.sched.now && m.sentAt === undefined)
    ) {
      if (m.sentAt !== undefined) throw new Error(`${this.name}: message sent twice`);
      this.rejectSend(now, src, dst, queue, words);
    }
    const qi = dst * qpe + queue;
    m.sentAt = now;
    if (onAccepted !== undefined) m.onAccepted = onAccepted;
    const ss = this.sStats[src];
    ss.sent++;
    const backlog = this.backlogs[src];
    if (backlog.length === 0 && this.waiters[qi].length === 0 && this.fits(qi, words)) {
      this.inject(now, m, qi);
      return "sent";
    }
    backlog.push(m);
    ss.stalled++;
    if (backlog.length > ss.maxBacklog) ss.maxBacklog = backlog.length;
    if (backlog.length === 1) this.block(src, qi);
    return "stalled";
  }

  /** Throws the error for a send that failed the fast validity test in {@link sendMessage}. */
  private rejectSend(now: Time, src: number, dst: number, queue: number, words: number): never {
    this.checkEndpoint(src);
    this.checkedQIndex(dst, queue);
    if (!Number.isInteger(words) || words < 1 || words > this.queueWords) {
      throw new RangeError(
        `${this.name}: message size must be 1..${this.queueWords} words (the queue capacity), got ${words}`,
      );
    }
    throw new RangeError(
      `${this.name}: send at ${now} ps is before the scheduler time ${this.sched.now} ps`,
    );
  }

  pop(tile: number, queue: number): Message | undefined {
    const qi = this.qIndex(tile, queue);
    const m = this.arrived[qi].shift();
    if (m === undefined) return undefined;
    this.occupied[qi] -= m.words;
    this.reserved[qi] -= m.words;
    this.unblock(qi);
    return m;
  }

  peek(tile: number, queue: number): Message | undefined {
    return this.arrived[this.qIndex(tile, queue)].peek();
  }

  pending(tile: number, queue: number): number {
    return this.arrived[this.qIndex(tile, queue)].length;
  }

  backlog(src: number): number {
    this.checkEndpoint(src);
    return this.backlogs[src].length;
  }

  onArrival(tile: number, queue: number, fn: ArrivalHandler | null): void {
    this.handlers[this.qIndex(tile, queue)] = fn;
  }

  queueStats(tile: number, queue: number): Readonly<QueueStats> {
    return this.qStats[this.qIndex(tile, queue)];
  }

  sourceStats(src: number): Readonly<SourceStats> {
    this.checkEndpoint(src);
    return this.sStats[src];
  }

  protected checkEndpoint(e: number): void {
    if (!Number.isInteger(e) || e < 0 || e >= this.endpoints) {
      throw new RangeError(`${this.name}: endpoint ${e} out of range 0..${this.endpoints - 1}`);
    }
  }

  private qIndex(tile: number, queue: number): number {
    const qpe = this.queuesPerEndpoint;
    // Fast test for the valid case, as in send(); anything else gets the full checks.
    if (tile >>> 0 === tile && tile < this.endpoints && queue >>> 0 === queue && queue < qpe) {
      return tile * qpe + queue;
    }
    return this.checkedQIndex(tile, queue);
  }

  private checkedQIndex(tile: number, queue: number): number {
    this.checkEndpoint(tile);
    if (!Number.isInteger(queue) || queue < 0 || queue >= this.queuesPerEndpoint) {
      throw new RangeError(
        `${this.name}: queue ${queue} out of range 0..${this.queuesPerEndpoint - 1}`,
      );
    }
    return tile * this.queuesPerEndpoint + queue;
  }

  private fits(qi: number, words: number): boolean {
    return this.reserved[qi] + words <= this.queueWords;
  }

  private inject(now: Time, m: TransportMessage, qi: number): void {
    const r = (this.reserved[qi] += m.words);
    const st = this.qStats[qi];
    if (r > st.highWaterReserved) st.highWaterReserved = r;
    m.injectedAt = now;
    const t = this.route(now, m.src, m.dst, m.words);
    this.sched.post(t, this.arrive, m);
  }

  /** The arrival event's handler (an arrow function: the scheduler calls it without a wrapper). */
  private readonly arrive = (t: Time, m: TransportMessage): void => {
    m.arrivedAt = t;
    const qi = m.dst * this.queuesPerEndpoint + m.queue;
    this.arrived[qi].push(m);
    const occ = (this.occupied[qi] += m.words);
    const st = this.qStats[qi];
    st.messages++;
    st.words += m.words;
    if (occ > st.highWaterWords) st.highWaterWords = occ;
    const h = this.handlers[qi];
    if (h !== null) h(t, m.dst, m.queue);
  };

  /** Registers `src` (whose head message targets `qi`) as waiting on `qi`. */
  private block(src: number, qi: number): void {
    if (this.blockedOn[src] === qi) return;
    this.blockedOn[src] = qi;
    this.waiters[qi].push(src);
    this.qStats[qi].stalls++;
  }

  /** Lets waiting sources whose head message now fits into `qi` proceed, in order. */
  private unblock(qi: number): void {
    const w = this.waiters[qi];
    for (;;) {
      const src = w.peek();
      if (src === undefined) return;
      const head = this.backlogs[src].peek();
      if (head !== undefined && !this.fits(qi, head.words)) return;
      w.shift();
      this.blockedOn[src] = -1;
      this.drain(src, qi);
    }
  }

  /**
   * Injects messages waiting at `src` until one finds its queue full or other
   * sources waiting on it. The head message targets `servedQi`, on which `src`
   * was first in line.
   */
  private drain(src: number, servedQi: number): void {
    const backlog = this.backlogs[src];
    const now = this.sched.now;
    let first = true;
    for (;;) {
      const m = backlog.peek();
      if (m === undefined) return;
      const qi = m.dst * this.queuesPerEndpoint + m.queue;
      const queuedAhead = this.waiters[qi].length > 0 && !(first && qi === servedQi);
      first = false;
      if (!this.fits(qi, m.words) || (queuedAhead && this.blockedOn[src] !== qi)) {
        this.block(src, qi);
        return;
      }
      if (this.blockedOn[src] === qi) {
        // Registered on this queue already (re-entrant send); let unblock() serve it in turn.
        return;
      }
      backlog.shift();
      const t = now > m.sentAt ? now : m.sentAt;
      this.sStats[src].stallTime += t - m.sentAt;
      this.inject(t, m, qi);
      if (m.onAccepted !== undefined) m.onAccepted(t);
    }
  }
}
