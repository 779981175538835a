/**
 * Shared set-up for the memcached tests: a server on the fake socket layer
 * with a small memory footprint and lock-order checking.
 */
import { AppHarness, CountingContext } from "../common/testing.ts";
import { MemcachedApp } from "./app.ts";
import type { MemcachedConfig } from "./config.ts";

/** Lock ranks in the store's documented order: item -> LRU -> slabs -> stats. */
export function mcLockRank(name: string): number {
  if (name.includes(".item.")) return 0;
  if (name.includes(".lru")) return 1;
  if (name.endsWith(".slabs")) return 2;
  if (name.endsWith(".stats")) return 3;
  return 4;
}

/** Test defaults: 2 MiB of items (two 1 MiB pages), 64 KiB of scratch. */
export const TEST_MEM_LIMIT = 2 * 1024 * 1024;
export const TEST_SCRATCH = 64 * 1024;

export interface McFixture {
  readonly h: AppHarness;
  readonly app: MemcachedApp;
  readonly ctx: CountingContext;
  readonly conn: number;
  /** Feeds `req` on the fixture connection and returns (and clears) the output. */
  readonly run: (req: string) => string;
}

export function mcFixture(cfg: Partial<MemcachedConfig> = {}): McFixture {
  const ctx = new CountingContext(mcLockRank);
  const h = new AppHarness(
    (clock) =>
      new MemcachedApp({
        now: clock,
        memLimit: TEST_MEM_LIMIT,
        scratchBytes: TEST_SCRATCH,
        ...cfg,
      }),
    ctx,
  );
  h.start();
  const conn = h.open(11211);
  const run = (req: string) => {
    h.feed(conn, req);
    h.ack(conn);
    return h.take(conn);
  };
  return { h, app: h.app as MemcachedApp, ctx, conn, run };
}
