/**
 * The Memcached server as a socket-layer application.
 *
 * One instance serves every application core (memcached's worker threads):
 * the store, its locks and statistics are shared; each connection's state is
 * keyed by (stack, conn). The event loop is the common {@link SessionServer}:
 * per event it reads the received segments, answers every complete request,
 * releases the receive buffers (`recvDone`), and sends all replies of the
 * event as one zero-copy `send` whose references point into item chunks,
 * static replies and scratch text; `data_acked` releases them. The current
 * time comes from the injected `now` clock.
 */
import type { WorkContext } from "../../core/work.ts";
import type { SocketEvent } from "../../stack/events.ts";
import type { App, SocketApi } from "../api.ts";
import { appMemory, BumpAllocator, SlabAllocator, type TxBlock } from "../common/arena.ts";
import type { WritableMemory } from "../../hw/buffers.ts";
import { type BlockReleaser, Outbox } from "../common/outbox.ts";
import { type SessionProtocol, SessionServer } from "../common/session_server.ts";
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
  private readonly server: SessionServer<McSession>;

  constructor(config: MemcachedConfig) {
    const cfg = resolveMemcachedConfig(config);
    this.cfg = cfg;
    const need = memcachedMemoryBytes(cfg);
    this.memory = appMemory(
      "memcached",
      config.memory,
      cfg.memoryBase,
      need,
      "static + scratch + memLimit",
    );
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
    const releaser: BlockReleaser = (ctx: WorkContext, b: TxBlock) => {
      if (b.owner === store.slabs) store.releaseBlock(ctx, b);
      else b.release();
    };
    const protocol: SessionProtocol<McSession> = {
      open: (c) => new McSession(c, new Outbox(cfg.costs, releaser, this.scratch)),
      feed: (ctx, sess, seg) => feedSession(ctx, sess, seg, this.commands, cfg, cfg.costs),
      abandon: (ctx, sess) => {
        // A value block in progress goes back to the store.
        if (sess.item !== null) {
          store.discard(ctx, sess.item);
          sess.item = null;
        }
      },
    };
    this.server = new SessionServer(cfg, protocol, this.stats);
  }

  /** Connections currently known. */
  get connections(): number {
    return this.server.connections;
  }

  start(ctx: WorkContext, api: SocketApi): void {
    this.server.start(ctx, api);
  }

  onEvent(ctx: WorkContext, api: SocketApi, stack: number, ev: SocketEvent): void {
    this.server.onEvent(ctx, api, stack, ev);
  }
}
