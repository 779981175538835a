/** The Memcached server application: public API. */
export { MemcachedApp } from "./app.ts";
export {
  itemLockCountForThreads,
  type LruLockMode,
  MEMCACHED_PORT,
  type MemcachedConfig,
  memcachedMemoryBytes,
  type ResolvedMemcachedConfig,
  resolveMemcachedConfig,
  UNIX_TIME_AT_ZERO,
} from "./config.ts";
export { McStats } from "./stats.ts";
export { McItem, McStore } from "./store.ts";
