/**
 * wrk's request cycle (wrk.c @a211dd5), sans-IO. A {@link WrkRun} holds the
 * options and the shared statistics; each {@link WrkThread} holds its
 * counters and floor(c / t) {@link WrkConnection}s.
 *
 * Driving a connection: call {@link WrkConnection.onConnected} when the
 * (re)connect completes: the request goes out through `send` at once (wrk
 * writes when writable, zero think time) and its latency clock starts. Feed
 * reply bytes to {@link WrkConnection.onData}, a peer close to
 * {@link WrkConnection.onEof}, failures to {@link WrkConnection.onError}.
 * When the engine wants a fresh connection (Connection: close, read or write
 * error) it calls `reconnect()`; the caller closes the socket, opens a new
 * one and calls onConnected again. One request is in flight per connection;
 * an unanswered request keeps its connection stuck (wrk's --timeout closes
 * nothing). Each thread's {@link WrkThread.tick} runs every 100 ms from its
 * start; the run stops at the first tick after the duration.
 */
import { type Time, US } from "../../core/time.ts";
import { ResponseParser } from "./http.ts";
import { MAX_THREAD_RATE_S, WrkStats } from "./stats.ts";

/** wrk.h RECORD_INTERVAL_MS: the Req/Sec sampling period. */
export const RECORD_INTERVAL: Time = 100 * 1_000_000_000;
/** wrk.h SOCKET_TIMEOUT_MS: the default --timeout. */
export const DEFAULT_TIMEOUT_MS = 2000;

export interface WrkOptions {
  /** -c: total connections (each thread opens floor(c / t)). */
  readonly connections: number;
  /** -t: threads. */
  readonly threads: number;
  /** -d: seconds. */
  readonly durationS: number;
  /** --timeout in ms (wrk scans whole seconds and multiplies by 1000). */
  readonly timeoutMs: number;
  /** --latency: print the distribution. */
  readonly latency: boolean;
}

export interface WrkErrors {
  connect: number;
  read: number;
  write: number;
  timeout: number;
  status: number;
}

/** Receives request bytes (valid only during the call). */
export type SendFn = (bytes: Uint8Array, off: number, len: number) => void;

export class WrkRun {
  /** Response latencies in us, 1-us buckets up to the timeout (shared by all threads). */
  readonly latency: WrkStats;
  /** Per-thread request rates sampled every 100 ms. */
  readonly requests = new WrkStats(MAX_THREAD_RATE_S);
  readonly threads: WrkThread[] = [];

  constructor(readonly options: WrkOptions, readonly request: Uint8Array) {
    if (!(options.threads >= 1) || !(options.connections >= options.threads)) {
      throw new RangeError("number of connections must be >= threads");
    }
    this.latency = new WrkStats(options.timeoutMs * 1000);
    for (let i = 0; i < options.threads; i++) this.threads.push(new WrkThread(this));
  }

  /** Connections each thread opens: floor(c / t). */
  get connectionsPerThread(): number {
    return Math.floor(this.options.connections / this.options.threads);
  }
}

export class WrkThread {
  complete = 0;
  /** Responses since the last rate sample. */
  requests = 0;
  /** Bytes read and parsed (headers and bodies). */
  bytes = 0;
  readonly errors: WrkErrors = { connect: 0, read: 0, write: 0, timeout: 0, status: 0 };
  private rateStart: Time = 0;

  constructor(readonly run: WrkRun) {}

  /** The thread's loop starts (thread->start). */
  start(now: Time): void {
    this.rateStart = now;
  }

  /** wrk record_rate, every RECORD_INTERVAL from start. */
  tick(now: Time): void {
    if (this.requests === 0) return;
    const elapsedMs = Math.floor((now - this.rateStart) / US / 1000);
    if (elapsedMs > 0) {
      this.run.requests.record(Math.trunc((this.requests / elapsedMs) * 1000));
    }
    this.requests = 0;
    this.rateStart = now;
  }

  /** A synchronous connect() failure: counted, the connection stays dead. */
  connectFailed(): void {
    this.errors.connect++;
  }
}

export class WrkConnection {
  private readonly parser = new ResponseParser();
  private start: Time = 0;
  private pending = 0;

  constructor(
    readonly thread: WrkThread,
    private readonly send: SendFn,
    private readonly reconnect: () => void,
  ) {}

  /** Whether a request is awaiting its response. */
  get waiting(): boolean {
    return this.pending > 0;
  }

  /** The (re)connect completed: parser reset, the request goes out now. */
  onConnected(now: Time): void {
    this.parser.reset();
    this.writeRequest(now);
  }

  /** Response bytes at `now`. */
  onData(now: Time, bytes: Uint8Array, off: number, len: number): void {
    const ok = this.parser.execute(bytes, off, len, (r) => {
      const finished = this.completed(now, r.status);
      if (!r.keepAlive) {
        this.pending = 0;
        this.reconnect();
        return false;
      }
      if (finished) this.writeRequest(now);
      return true;
    });
    if (!ok) {
      this.thread.errors.read++;
      this.pending = 0;
      this.reconnect();
      return;
    }
    this.thread.bytes += len;
  }

  /** The peer closed: completes a body delimited by EOF, else a read error. */
  onEof(now: Time): void {
    const r = this.parser.eof();
    if (r !== null && r !== "error") this.completed(now, r.status);
    else this.thread.errors.read++;
    this.pending = 0;
    this.reconnect();
  }

  /** A read() or write() failure (not EAGAIN): counted, then reconnect. */
  onError(kind: "read" | "write"): void {
    this.thread.errors[kind]++;
    this.pending = 0;
    this.reconnect();
  }

  private writeRequest(now: Time): void {
    this.start = now;
    this.pending = 1;
    const req = this.thread.run.request;
    this.send(req, 0, req.length);
  }

  /** wrk response_complete; true when it answers the request in flight. */
  private completed(now: Time, status: number): boolean {
    const t = this.thread;
    t.complete++;
    t.requests++;
    if (status > 399) t.errors.status++;
    if (this.pending === 0) return false; // an unsolicited response: counted, nothing re-armed
    this.pending = 0;
    // Latency > --timeout is not recorded: it counts as a timeout error instead.
    if (!t.run.latency.record((now - this.start) / US)) t.errors.timeout++;
    return true;
  }
}
