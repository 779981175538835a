/**
 * A connection's outgoing responses and the memory they pin.
 *
 * During one event the app queues response parts (BufRefs into its transmit
 * memory) and the blocks those parts live in; {@link Outbox.flush} sends them
 * as one `send` with a fresh token and remembers which blocks to release when
 * that token is acknowledged. Acknowledgements are cumulative (TCP), so
 * `data_acked(t)` releases every send up to and including `t`.
 *
 * Parts queued with {@link Outbox.addFile} are file bytes: a batch holding any
 * is sent as NGINX sends a static file on Linux (`sendfile on`, `tcp_nopush`
 * off: ngx_linux_sendfile_chain): per file, `open` and `fstat` of the file,
 * the memory parts before it as one `send` (writev), the file as one
 * `sendFile`, then `close`. A batch without file parts is one `send`.
 *
 * Small formatted texts (numbers, CAS values, stats) are written into scratch
 * blocks from a shared {@link SlabAllocator}; one block serves the whole event
 * until full.
 */
import type { WorkContext } from "../../core/work.ts";
import type { BufRef } from "../../hw/buffers.ts";
import type { ConnRef, SocketApi } from "../api.ts";
import type { SlabAllocator, TxBlock } from "./arena.ts";
import { type AppCosts, chargeApp } from "./costs.ts";

/** How a held block is given back (lets an app take locks when it frees). */
export type BlockReleaser = (ctx: WorkContext, block: TxBlock) => void;

/** Releases without ceremony. */
export const plainRelease: BlockReleaser = (_ctx, block) => block.release();

/** Default scratch chunk: enough for the formatted text of most events. */
export const SCRATCH_CHUNK_BYTES = 256;
/** Acknowledged entries at the queue front that trigger compaction. */
const COMPACT_AT = 64;

export class Outbox {
  private nextToken = 1;
  // Sends awaiting data_acked that pin blocks, oldest first (FIFO from `head`).
  private readonly pendTokens: number[] = [];
  private readonly pendHolds: TxBlock[][] = [];
  private head = 0;
  // The batch being built during the current event.
  private refs: BufRef[] = [];
  /** Indexes in `refs` of file parts, ascending. */
  private fileParts: number[] = [];
  private holds: TxBlock[] = [];
  private bytes = 0;
  private scratch: TxBlock | null = null;
  private scratchPos = 0;

  constructor(
    private readonly costs: AppCosts,
    private readonly release: BlockReleaser,
    private readonly scratchAlloc: SlabAllocator | null = null,
    private readonly scratchChunk = SCRATCH_CHUNK_BYTES,
  ) {}

  /** Parts queued in the current batch. */
  get queued(): number {
    return this.refs.length;
  }
  /** Sends not yet acknowledged that still pin memory. */
  get inFlight(): number {
    return this.pendTokens.length - this.head;
  }

  /** Queues a part that needs no release (static or otherwise pinned memory). */
  add(ref: BufRef): void {
    this.refs.push(ref);
    this.bytes += ref.len;
  }

  /** Queues file bytes (static memory standing for a file): sent with `sendFile`. */
  addFile(ref: BufRef): void {
    this.fileParts.push(this.refs.length);
    this.add(ref);
  }

  /** Takes over one reference to `block`; it is released after the batch is acknowledged. */
  hold(block: TxBlock): void {
    this.holds.push(block);
  }

  /** Copies `src[0, n)` into scratch memory and queues it; false when scratch memory is exhausted. */
  text(ctx: WorkContext, src: Uint8Array, n: number): boolean {
    if (this.scratchAlloc === null) throw new Error("Outbox.text without a scratch allocator");
    let b = this.scratch;
    if (b === null || b.refs === 0 || b.size - this.scratchPos < n) {
      b = this.scratchAlloc.alloc(Math.max(n, this.scratchChunk));
      if (b === null) return false;
      this.holds.push(b);
      this.scratch = b;
      this.scratchPos = 0;
    }
    b.write(this.scratchPos, n === src.length ? src : src.subarray(0, n));
    this.add(b.ref(this.scratchPos, n));
    this.scratchPos += n;
    chargeApp(ctx, this.costs.formatPerByte * n);
    return true;
  }

  /** Current batch position, for {@link rollback}. */
  markRefs(): number {
    return this.refs.length;
  }
  markHolds(): number {
    return this.holds.length;
  }

  /** Drops everything queued after the marks (releasing the blocks taken since). */
  rollback(ctx: WorkContext, refsMark: number, holdsMark: number): void {
    for (let i = refsMark; i < this.refs.length; i++) this.bytes -= this.refs[i].len;
    this.refs.length = refsMark;
    while (this.fileParts.length > 0 && this.fileParts[this.fileParts.length - 1] >= refsMark) {
      this.fileParts.pop();
    }
    for (let i = holdsMark; i < this.holds.length; i++) this.release(ctx, this.holds[i]);
    this.holds.length = holdsMark;
    if (this.scratch !== null && this.scratch.refs === 0) this.scratch = null;
  }

  /** Sends the batch, if any; returns the bytes sent. */
  flush(ctx: WorkContext, api: SocketApi, c: ConnRef): number {
    this.scratch = null;
    const refs = this.refs;
    if (refs.length === 0) {
      // Nothing to send; anything held is released at once.
      for (const b of this.holds) this.release(ctx, b);
      this.holds.length = 0;
      return 0;
    }
    const bytes = this.bytes;
    this.refs = [];
    this.bytes = 0;
    if (this.fileParts.length > 0) {
      this.flushFiles(ctx, api, c, refs);
      return bytes;
    }
    const token = this.nextToken++;
    this.pin(token);
    chargeApp(ctx, this.costs.sendBase + this.costs.responsePart * refs.length);
    api.send(c, refs, token);
    return bytes;
  }

  /** The held blocks of the batch are released when `token` is acknowledged. */
  private pin(token: number): void {
    if (this.holds.length > 0) {
      this.pendTokens.push(token);
      this.pendHolds.push(this.holds);
      this.holds = [];
    }
  }

  /** A batch with file parts: per file open, fstat, writev of what precedes it, sendfile, close. */
  private flushFiles(ctx: WorkContext, api: SocketApi, c: ConnRef, refs: BufRef[]): void {
    const files = this.fileParts;
    this.fileParts = [];
    const costs = this.costs;
    let start = 0;
    for (const f of files) {
      api.fileOp("open");
      api.fileOp("fstat");
      if (f > start) {
        chargeApp(ctx, costs.sendBase + costs.responsePart * (f - start));
        api.send(c, refs.slice(start, f), this.nextToken++);
      }
      chargeApp(ctx, costs.sendBase + costs.responsePart);
      api.sendFile(c, refs.slice(f, f + 1), this.nextToken++);
      api.fileOp("close");
      start = f + 1;
    }
    if (start < refs.length) {
      chargeApp(ctx, costs.sendBase + costs.responsePart * (refs.length - start));
      api.send(c, refs.slice(start), this.nextToken++);
    }
    this.pin(this.nextToken - 1);
  }

  /** `data_acked(token)`: releases the blocks of every send up to `token`. */
  acked(ctx: WorkContext, token: number): void {
    chargeApp(ctx, this.costs.ackRelease);
    while (this.head < this.pendTokens.length && this.pendTokens[this.head] <= token) {
      for (const b of this.pendHolds[this.head]) this.release(ctx, b);
      this.head++;
    }
    if (this.head === this.pendTokens.length) {
      this.pendTokens.length = 0;
      this.pendHolds.length = 0;
      this.head = 0;
    } else if (this.head > COMPACT_AT) {
      // Compact occasionally so the queues do not grow without bound.
      this.pendTokens.splice(0, this.head);
      this.pendHolds.splice(0, this.head);
      this.head = 0;
    }
  }

  /** Connection gone: releases every pinned block (sent or not). */
  releaseAll(ctx: WorkContext): void {
    for (let i = this.head; i < this.pendHolds.length; i++) {
      for (const b of this.pendHolds[i]) this.release(ctx, b);
    }
    this.pendTokens.length = 0;
    this.pendHolds.length = 0;
    this.head = 0;
    for (const b of this.holds) this.release(ctx, b);
    this.holds.length = 0;
    this.refs.length = 0;
    this.fileParts.length = 0;
    this.bytes = 0;
    this.scratch = null;
  }
}
