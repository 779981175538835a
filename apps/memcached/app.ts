/**
 * The Memcached server as a socket-layer application.
 *
 * One instance serves every application core (memcached's worker threads):
 * the store, its locks and statistics are shared; each connection's state is
 * keyed by (stack, conn). Per event the server reads the received segments,
 * answers every complete request, releases the receive buffers (`recvDone`),
 * and sends all replies of the event as one zero-copy `send` whose references
 * point into item chunks, static replies and scratch text; `data_acked`
 * releases them. The current time comes from the injected `now` clock.
 */
import type { WorkContext } from "../../core/work.ts";
import type { SocketEvent } from "../../stack/events.ts";
import type { App, ConnRef, SocketApi } from "../api.ts";
import { BumpAllocator, ByteArena, SlabAllocator, type TxBlock } from "../common/arena.ts";
import type { WritableMemory } from "../../hw/buffers.ts";
import { ConnTable } from "../common/conns.ts";
import { type AppCosts, chargeApp } from "../common/costs.ts";
import { type BlockReleaser, Outbox } from "../common/outbox.ts";
import { McCommands } from "./commands.ts";
import {
  type MemcachedConfig,
  memcachedMemoryBytes,
  type ResolvedMemcachedConfig,
  resolveMemcachedConfig,
  SCRATCH_GROWTH,
  SCRATCH_MIN_CHUNK,
  SCRATCH_PAGE_BYTES,
  STATIC_REGION_BYTES,
} from "./config.ts";
import { McResponses } from "./responses.ts";
import { feedSession, McSession } from "./session.ts";
import { McStats } from "./stats.ts";
import { McStore } from "./store.ts";

export class MemcachedApp implements App {
  readonly cfg: ResolvedMemcachedConfig;
  readonly memory: WritableMemory;
  readonly stats = new McStats();
  readonly store: McStore;
  /** Allocator of formatted reply text. */
  readonly scratch: SlabAllocator;
  private readonly replies: McResponses;
  private readonly commands: McCommands;
  private readonly sessions = new ConnTable<McSession>();
  private readonly costs: AppCosts;
  private readonly releaser: BlockReleaser;

  constructor(config: MemcachedConfig) {
    const cfg = resolveMemcachedConfig(config);
    this.cfg = cfg;
    this.costs = cfg.costs;
    const need = memcachedMemoryBytes(cfg);
    this.memory = config.memory ?? new ByteArena(cfg.memoryBase + need, "memcached-tx");
    if (cfg.memoryBase + need > this.memory.size) {
      throw new RangeError(
        `memcached: transmit memory ${this.memory.name} has ${this.memory.size} bytes, ` +
          `needs ${cfg.memoryBase + need} (static + scratch + memLimit)`,
      );
    }
    const base = cfg.memoryBase;
    this.replies = new McResponses(
      new BumpAllocator(this.memory, base, STATIC_REGION_BYTES),
      cfg.version,
    );
    this.scratch = new SlabAllocator(this.memory, {
      base: base + STATIC_REGION_BYTES,
      size: cfg.scratchBytes,
      pageSize: SCRATCH_PAGE_BYTES,
      minChunk: SCRATCH_MIN_CHUNK,
      growthFactor: SCRATCH_GROWTH,
    });
    this.store = new McStore(
      this.memory,
      base + STATIC_REGION_BYTES + cfg.scratchBytes,
      cfg,
      this.stats,
    );
    this.commands = new McCommands(cfg, this.store, this.stats, this.replies);
    const store = this.store;
    this.releaser = (ctx: WorkContext, b: TxBlock) => {
      if (b.owner === store.slabs) store.releaseBlock(ctx, b);
      else b.release();
    };
  }

  /** Connections currently known. */
  get connections(): number {
    return this.sessions.size;
  }

  start(_ctx: WorkContext, api: SocketApi): void {
    api.listen(this.cfg.port, this.cfg.backlog);
  }

  onEvent(ctx: WorkContext, api: SocketApi, stack: number, ev: SocketEvent): void {
    chargeApp(ctx, this.costs.eventBase);
    switch (ev.kind) {
      case "new_conn": {
        const c: ConnRef = { stack, conn: ev.conn };
        api.accept(c);
        const old = this.sessions.get(stack, ev.conn);
        if (old !== undefined) this.drop(ctx, old);
        this.sessions.set(
          stack,
          ev.conn,
          new McSession(c, new Outbox(this.costs, this.releaser, this.scratch)),
        );
        this.stats.currConnections++;
        this.stats.totalConnections++;
        chargeApp(ctx, this.costs.connSetup);
        return;
      }
      case "new_data": {
        const sess = this.sessions.get(stack, ev.conn);
        if (sess === undefined || sess.closing) {
          api.recvDone(sess?.conn ?? { stack, conn: ev.conn }, ev.rxId);
          return;
        }
        this.stats.bytesRead += ev.bytes;
        for (const ref of ev.refs) {
          if (sess.closing) break;
          feedSession(
            ctx,
            sess,
            ref.mem.read(ref.off, ref.len),
            this.commands,
            this.cfg,
            this.costs,
          );
        }
        api.recvDone(sess.conn, ev.rxId);
        this.stats.bytesWritten += sess.outbox.flush(ctx, api, sess.conn);
        if (sess.closing) this.close(ctx, api, sess);
        return;
      }
      case "data_acked":
        this.sessions.get(stack, ev.conn)?.outbox.acked(ctx, ev.token);
        return;
      case "remote_closed": {
        const sess = this.sessions.get(stack, ev.conn);
        if (sess !== undefined) {
          sess.closing = true;
          this.close(ctx, api, sess);
        }
        return;
      }
      case "cleanup": {
        const sess = this.sessions.get(stack, ev.conn);
        if (sess !== undefined) {
          this.drop(ctx, sess);
          this.sessions.delete(stack, ev.conn);
        }
        return;
      }
      case "connected":
        return; // the server never connects out
    }
  }

  private close(ctx: WorkContext, api: SocketApi, sess: McSession): void {
    if (sess.closed) return;
    sess.closed = true;
    this.abandonValue(ctx, sess);
    sess.partial.dispose();
    api.close(sess.conn);
  }

  private abandonValue(ctx: WorkContext, sess: McSession): void {
    if (sess.item !== null) {
      this.store.discard(ctx, sess.item);
      sess.item = null;
    }
  }

  /** Forgets a connection: releases its pinned memory and any value in progress. */
  private drop(ctx: WorkContext, sess: McSession): void {
    this.abandonValue(ctx, sess);
    sess.outbox.releaseAll(ctx);
    sess.partial.dispose();
    this.stats.currConnections--;
    chargeApp(ctx, this.costs.connTeardown);
  }
}
