/**
 * One mutilate connection's request engine (Connection.cc, Protocol.cc
 * @d65c6ef), sans-IO: the caller owns sockets and timers and passes the time in.
 *
 * Driving it:
 * - requests go out through the `send(bytes, off, len)` callback given to the
 *   constructor; the bytes are valid only during the call (copy them);
 * - {@link MutilateConnection.nextWakeup} is the pending timer (null: none);
 *   call {@link MutilateConnection.onTimer} at that time;
 * - reply bytes go to {@link MutilateConnection.onData} in arrival order.
 *
 * Phases, as mutilate's go(): {@link startLoading} (connection 0 per server;
 * sets keys 0..records-1, at most 1024 in flight, untimed) until
 * {@link idle}; then {@link start}(now, duration). With a warm-up: start with
 * the warm-up duration, keep feeding replies after it ends until every
 * connection is {@link idle}, {@link reset}, start again for the measurement.
 * A run ends at the first instant after start + duration (see {@link endTime}):
 * the driver then calls {@link stop}, which drops outstanding replies.
 *
 * Schedule: the first send is at start + gap; each send adds one gap to
 * next_time, which never resets. A send happens when now >= next_time and
 * fewer than `depth` requests are outstanding; overdue sends go back to back
 * at the same instant. Latency runs from the actual send, not next_time.
 */
import type { Rng } from "../../core/rng.ts";
import { SEC, type Time, US } from "../../core/time.ts";
import { Generator } from "./generators.ts";
import type { KeyGenerator } from "./keys.ts";
import { MutilateStats } from "./stats.ts";

/** Sets in flight while loading (Connection.h `LOADER_CHUNK`). */
export const LOADER_CHUNK = 1024;
/**
 * mutilate copies values from a 2 MiB random buffer at an offset below 1 MiB
 * (mutilate.cc `random_char`, `lrand48() % (1024 * 1024)`), so values up to
 * 1 MiB are well-defined; longer draws are clamped here (mutilate reads past it).
 */
export const VALUE_POOL_BYTES = 2 << 20;
export const VALUE_OFFSET_RANGE = 1 << 20;
export const MAX_VALUE_BYTES = 1 << 20;
/** `-S`: skip when this late with depth full, until within the catch-up bound (Connection.cc). */
export const SKIP_LATE: Time = 5 * 1_000_000_000;
export const SKIP_CATCH_UP: Time = 4 * 1_000_000_000;
/** A reply line longer than this without CRLF is garbage (a VALUE line is < 300 bytes). */
export const MAX_REPLY_LINE = 2048;

/**
 * mutilate's per-connection rate: lambda = qps / N x l, N the connections of
 * every process (master and agents: c x servers x threads, x l when l > 1).
 */
export function perConnectionLambda(qps: number, totalConnections: number, weight = 1): number {
  return totalConnections > 0 ? (qps / totalConnections) * weight : 0;
}

/** Receives a request's bytes; `bytes` is reused after the call returns. */
export type SendFn = (bytes: Uint8Array, off: number, len: number) => void;

export interface ConnectionConfig {
  readonly keys: KeyGenerator;
  /** `-V` value sizes (truncated to an integer, clamped to [0, MAX_VALUE_BYTES]). */
  readonly valueSize: Generator;
  /** `-i` gap generator as parsed (fb_ia, exponential, ...); rescaled to `lambda` here. */
  readonly interarrival: Generator;
  /** Per-connection rate in requests per second ({@link perConnectionLambda}); <= 0: no pacing. */
  readonly lambda: number;
  /** `-d`: most outstanding requests. */
  readonly depth: number;
  /** `-u`: probability that a request is a set. */
  readonly update: number;
  /** Whether this connection samples latency (the measuring client) or only counts (agents). */
  readonly sampling: boolean;
  /** `-S`: skip late transmissions. */
  readonly skip?: boolean;
  /** {@link makeValuePool}: the bytes values are copied from. */
  readonly valuePool: Uint8Array;
}

/** mutilate's random_char: VALUE_POOL_BYTES random letters. */
export function makeValuePool(rng: Rng): Uint8Array {
  const pool = new Uint8Array(VALUE_POOL_BYTES);
  for (let i = 0; i < pool.length; i++) pool[i] = 0x61 + rng.int(26);
  return pool;
}

const enum Write {
  Init,
  Issuing,
  WaitingForTime,
  WaitingForOpq,
}

const enum Op {
  Get,
  Set,
  Load,
}

const enum Read {
  Line,
  Data,
}

const CR = 0x0d, LF = 0x0a, SP = 0x20;
const GET = [0x67, 0x65, 0x74, SP];
const SET = [0x73, 0x65, 0x74, SP];
const SET_FLAGS = [SP, 0x30, SP, 0x30, SP]; // " 0 0 "
const END = [0x45, 0x4e, 0x44];
const VALUE = [0x56, 0x41, 0x4c, 0x55, 0x45];

export class MutilateConnection {
  readonly stats: MutilateStats;
  private readonly gaps: Rng;
  private readonly ops: Rng;
  /** Gaps in seconds at rate lambda (mutilate: fixed 0 when lambda <= 0). */
  private readonly ia: Generator;
  private write = Write.Init;
  private running = false;
  private stopped = false;
  private startTime: Time = 0;
  private duration: Time = 0;
  private nextTime: Time = 0;
  private timerAt: Time | null = null;
  // Outstanding operations, oldest first (ring).
  private opType: Uint8Array;
  private opStart: Float64Array;
  private opHead = 0;
  private opCount = 0;
  // Loading.
  private loading = false;
  private loaderIssued = 0;
  private loaderCompleted = 0;
  // Reply parsing.
  private line = new Uint8Array(256);
  private lineLen = 0;
  private lineOverflow = false;
  private read = Read.Line;
  private dataLeft = 0;
  private sawValue = false;
  // Request scratch.
  private tx = new Uint8Array(512);

  constructor(private readonly cfg: ConnectionConfig, rng: Rng, private readonly send: SendFn) {
    if (!(cfg.depth >= 1) || !Number.isInteger(cfg.depth)) {
      throw new RangeError(`depth must be a positive integer, got ${cfg.depth}`);
    }
    this.stats = new MutilateStats();
    this.gaps = rng.stream("ia");
    this.ops = rng.stream("ops");
    this.ia = cfg.lambda > 0 ? cfg.interarrival.withLambda(cfg.lambda) : Generator.of("fixed", [0]);
    const cap = 1 << Math.ceil(Math.log2(Math.max(cfg.depth, LOADER_CHUNK)));
    this.opType = new Uint8Array(cap);
    this.opStart = new Float64Array(cap);
  }

  /** Requests sent and not yet answered. */
  get outstanding(): number {
    return this.opCount;
  }
  /** No request outstanding and not loading (mutilate is_ready). */
  get idle(): boolean {
    return this.opCount === 0 && !this.loading;
  }
  /**
   * Whether the run may still issue a request at or after `now`: it is
   * running, not past its end, and its next send is due no later than the
   * end (a send due exactly at the end is still made, as mutilate's
   * `now > start + t` test allows).
   */
  mayStillSend(now: Time): boolean {
    return this.running && now <= this.endTime && this.nextTime <= this.endTime;
  }
  /** The first instant past it ends the run (mutilate: now > start + t). */
  get endTime(): Time {
    return this.startTime + this.duration;
  }
  /** The pending timer, or null. */
  nextWakeup(): Time | null {
    return this.stopped ? null : this.timerAt;
  }

  /** Sets keys 0..records-1, LOADER_CHUNK in flight; untimed, TX not counted. */
  startLoading(now: Time): void {
    this.loading = true;
    this.loaderIssued = this.loaderCompleted = 0;
    this.refillLoader(now);
  }

  /** Starts the timed phase at `now` for `duration` (mutilate conn->start()). */
  start(now: Time, duration: Time): void {
    this.startTime = now;
    this.duration = duration;
    this.running = true;
    this.stopped = false;
    this.drive(now);
  }

  /** After a warm-up, once idle: fresh counters, schedule restarts on the next start(). */
  reset(): void {
    if (this.opCount !== 0) throw new Error("reset with requests outstanding");
    this.timerAt = null;
    this.write = Write.Init;
    this.running = false;
    this.stats.clear();
  }

  /** Ends the run: outstanding replies are dropped, no more sends or timers. */
  stop(): void {
    this.stopped = true;
    this.running = false;
    this.timerAt = null;
    this.opCount = 0;
  }

  /** The timer fired. */
  onTimer(now: Time): void {
    if (this.stopped) return;
    if (this.timerAt !== null && now >= this.timerAt) this.timerAt = null;
    this.drive(now);
  }

  /** Reply bytes arrived at `now`. */
  onData(now: Time, bytes: Uint8Array, off: number, len: number): void {
    if (this.stopped) return;
    const end = off + len;
    let i = off;
    while (i < end) {
      if (this.read === Read.Data) {
        const n = Math.min(this.dataLeft, end - i);
        this.dataLeft -= n;
        i += n;
        if (this.dataLeft === 0) this.read = Read.Line;
        continue;
      }
      const lf = bytes.indexOf(LF, i);
      const stop = lf < 0 || lf >= end ? end : lf;
      this.appendLine(bytes, i, stop);
      if (stop === end) break;
      i = stop + 1;
      this.onLine(now);
    }
  }

  // ---------------------------------------------------------------------------

  /** mutilate drive_write_machine. */
  private drive(now: Time): void {
    if (!this.running || now > this.startTime + this.duration) return;
    for (;;) {
      switch (this.write) {
        case Write.Init: {
          this.nextTime = now + this.gap();
          this.timerAt = this.nextTime;
          this.write = Write.WaitingForTime;
          break;
        }
        case Write.Issuing: {
          if (this.opCount >= this.cfg.depth) {
            this.write = Write.WaitingForOpq;
            return;
          }
          if (now < this.nextTime) {
            this.write = Write.WaitingForTime;
            break;
          }
          this.issueSomething(now);
          if (this.cfg.sampling) this.stats.opq.sample(this.opCount);
          this.nextTime += this.gap();
          if (
            this.cfg.skip === true && this.cfg.lambda > 0 &&
            now - this.nextTime > SKIP_LATE && this.opCount >= this.cfg.depth
          ) {
            while (this.nextTime < now - SKIP_CATCH_UP) {
              this.stats.skips++;
              this.nextTime += this.gap();
            }
          }
          break;
        }
        case Write.WaitingForTime: {
          if (now < this.nextTime) {
            if (this.timerAt === null) this.timerAt = this.nextTime;
            return;
          }
          this.write = Write.Issuing;
          break;
        }
        case Write.WaitingForOpq: {
          if (this.opCount >= this.cfg.depth) return;
          this.write = Write.Issuing;
          break;
        }
      }
    }
  }

  /** A gap of the schedule in picoseconds (generators work in seconds). */
  private gap(): Time {
    return Math.round(this.ia.sample(this.gaps) * SEC);
  }

  /** mutilate issue_something: key, then the get/set coin, then the value. */
  private issueSomething(now: Time): void {
    const key = this.ops.int(this.cfg.keys.records);
    if (this.ops.float() < this.cfg.update) this.issueSet(now, key, Op.Set);
    else this.issueGet(now, key);
  }

  private issueGet(now: Time, key: number): void {
    this.pushOp(Op.Get, now);
    this.ensureTx(4 + 255 + 2);
    let p = putBytes(this.tx, 0, GET);
    p = this.cfg.keys.write(key, this.tx, p);
    this.tx[p++] = CR;
    this.tx[p++] = LF;
    this.stats.txBytes += p;
    this.send(this.tx, 0, p);
  }

  private issueSet(now: Time, key: number, kind: Op): void {
    const offset = this.ops.int(VALUE_OFFSET_RANGE);
    const drawn = Math.trunc(this.cfg.valueSize.sample(this.ops));
    const len = drawn > 0 ? Math.min(drawn, MAX_VALUE_BYTES) : 0;
    this.pushOp(kind, now);
    this.ensureTx(4 + 255 + 5 + 8 + 2 + len + 2);
    const tx = this.tx;
    let p = putBytes(tx, 0, SET);
    p = this.cfg.keys.write(key, tx, p);
    p = putBytes(tx, p, SET_FLAGS);
    p = putDecimal(tx, p, len);
    tx[p++] = CR;
    tx[p++] = LF;
    tx.set(this.cfg.valuePool.subarray(offset, offset + len), p);
    p += len;
    tx[p++] = CR;
    tx[p++] = LF;
    if (kind !== Op.Load) this.stats.txBytes += p;
    this.send(tx, 0, p);
  }

  private refillLoader(now: Time): void {
    const records = this.cfg.keys.records;
    while (this.loaderIssued < this.loaderCompleted + LOADER_CHUNK) {
      if (this.loaderIssued >= records) break;
      this.issueSet(now, this.loaderIssued, Op.Load);
      this.loaderIssued++;
    }
  }

  private pushOp(kind: Op, now: Time): void {
    const mask = this.opType.length - 1;
    const i = (this.opHead + this.opCount) & mask;
    this.opType[i] = kind;
    this.opStart[i] = now;
    this.opCount++;
  }

  private appendLine(src: Uint8Array, s: number, e: number): void {
    const n = e - s;
    if (n <= 0 || this.lineOverflow) return;
    if (this.lineLen + n > MAX_REPLY_LINE) {
      this.lineOverflow = true;
      return;
    }
    if (this.lineLen + n > this.line.length) {
      const grown = new Uint8Array(MAX_REPLY_LINE);
      grown.set(this.line.subarray(0, this.lineLen));
      this.line = grown;
    }
    this.line.set(src.subarray(s, e), this.lineLen);
    this.lineLen += n;
  }

  /** One complete reply line (CRLF or LF stripped), as ProtocolAscii::handle_response. */
  private onLine(now: Time): void {
    let len = this.lineLen;
    const overflow = this.lineOverflow;
    this.lineLen = 0;
    this.lineOverflow = false;
    if (len > 0 && this.line[len - 1] === CR) len--;
    if (this.opCount === 0 || overflow) {
      this.stats.badReplies++;
      return;
    }
    // mutilate counts a line's bytes without its end of line (evbuffer_readln n_read_out).
    this.stats.rxBytes += len;
    const kind = this.opType[this.opHead];
    if (kind !== Op.Get) {
      // Any line completes a set (mutilate does not look at it); anything but STORED is odd.
      if (!(len === 6 && this.line[0] === 0x53 && this.line[1] === 0x54)) this.stats.badReplies++;
      this.finishOp(now);
      return;
    }
    if (startsWith(this.line, len, END)) {
      if (!this.sawValue) this.stats.getMisses++;
      this.sawValue = false;
      this.finishOp(now);
    } else if (startsWith(this.line, len, VALUE)) {
      const bytes = valueLength(this.line, len);
      if (bytes < 0) {
        this.stats.badReplies++;
        return;
      }
      this.sawValue = true;
      this.read = Read.Data;
      this.dataLeft = bytes + 2;
      this.stats.rxBytes += bytes + 2;
    } else {
      this.stats.badReplies++; // mutilate skips it and keeps waiting for END
    }
  }

  /** mutilate finish_op (or the loader's completion). */
  private finishOp(now: Time): void {
    const kind = this.opType[this.opHead];
    const started = this.opStart[this.opHead];
    this.opHead = (this.opHead + 1) & (this.opType.length - 1);
    this.opCount--;
    if (kind === Op.Load) {
      this.loaderCompleted++;
      if (this.loaderCompleted === this.cfg.keys.records) this.loading = false;
      else this.refillLoader(now);
      return;
    }
    const latencyUs = (now - started) / US;
    if (kind === Op.Get) {
      if (this.cfg.sampling) this.stats.get.sample(latencyUs);
      this.stats.gets++;
    } else {
      if (this.cfg.sampling) this.stats.set.sample(latencyUs);
      this.stats.sets++;
    }
    this.drive(now);
  }

  private ensureTx(n: number): void {
    if (this.tx.length < n) this.tx = new Uint8Array(Math.max(n, this.tx.length * 2));
  }
}

function putBytes(buf: Uint8Array, p: number, lit: readonly number[]): number {
  for (let i = 0; i < lit.length; i++) buf[p + i] = lit[i];
  return p + lit.length;
}

function putDecimal(buf: Uint8Array, p: number, n: number): number {
  const s = String(n);
  for (let i = 0; i < s.length; i++) buf[p + i] = s.charCodeAt(i);
  return p + s.length;
}

function startsWith(buf: Uint8Array, len: number, lit: readonly number[]): boolean {
  if (len < lit.length) return false;
  for (let i = 0; i < lit.length; i++) if (buf[i] !== lit[i]) return false;
  return true;
}

/** The <bytes> field of `VALUE <key> <flags> <bytes>`, or -1. */
function valueLength(buf: Uint8Array, len: number): number {
  let field = 0, i = 0, n = -1;
  while (i < len) {
    while (i < len && buf[i] === SP) i++;
    if (i >= len) break;
    if (field === 3) {
      n = 0;
      for (; i < len && buf[i] !== SP; i++) {
        const d = buf[i] - 0x30;
        if (d < 0 || d > 9 || n > MAX_VALUE_BYTES * 1024) return -1;
        n = n * 10 + d;
      }
      return n;
    }
    while (i < len && buf[i] !== SP) i++;
    field++;
  }
  return n;
}
