/**
 * The applications live mode serves, built exactly as the simulation builds
 * them (bench/apps_run.ts): the unchanged WebApp and MemcachedApp, plus the
 * echo server of live/echo_app.ts.
 */
import type { Time } from "../core/time.ts";
import { plainLocks } from "../core/work.ts";
import type { WritableMemory } from "../hw/buffers.ts";
import { MemcachedApp } from "../apps/memcached/app.ts";
import {
  MEMCACHED_PORT,
  memcachedMemoryBytes,
  resolveMemcachedConfig,
} from "../apps/memcached/config.ts";
import { defaultSite, HTTP_PORT, type WebConfig } from "../apps/web/mod.ts";
import { WebApp, webMemoryBytes } from "../apps/web/app.ts";
import type { App } from "../stack/socket.ts";
import { ECHO_PORT, EchoApp } from "./echo_app.ts";

export type LiveAppName = "web" | "memcached" | "echo";
export const LIVE_APPS: readonly LiveAppName[] = ["web", "memcached", "echo"];

/** Item memory of the live memcached (memcached's default `-m 64`). */
export const LIVE_MEMCACHED_MEM = 64 << 20;
/** Size of /index.html (the simulation's DEFAULT_PAGE_BYTES). */
export const LIVE_PAGE_BYTES = 1024;
/** A larger page for transfer tests: /big.bin. */
export const LIVE_BIG_PAGE_BYTES = 1 << 20;

/** Everything needed to build an app in a Worker (structured-clone friendly). */
export interface AppSpec {
  readonly name: LiveAppName;
  readonly port: number;
}

/** The well-known port of an app. */
export function defaultPort(name: LiveAppName): number {
  return name === "web" ? HTTP_PORT : name === "memcached" ? MEMCACHED_PORT : ECHO_PORT;
}

/** The bytes of /big.bin: a counter pattern a client can check byte for byte. */
export function bigPage(len = LIVE_BIG_PAGE_BYTES): Uint8Array {
  const b = new Uint8Array(len);
  for (let i = 0; i < len; i++) b[i] = (i * 7 + (i >>> 8)) & 0xff;
  return b;
}

function webConfig(spec: AppSpec): WebConfig {
  const extra = new Map([["/big.bin", {
    body: bigPage(),
    contentType: "application/octet-stream",
  }]]);
  return { files: defaultSite(LIVE_PAGE_BYTES, extra), port: spec.port };
}

/** Transmit memory the app needs (0 for echo: it sends receive buffers back). */
export function appMemoryBytes(spec: AppSpec, now: () => Time): number {
  if (spec.name === "web") return webMemoryBytes(webConfig(spec));
  if (spec.name === "memcached") {
    return memcachedMemoryBytes(resolveMemcachedConfig({ now, memLimit: LIVE_MEMCACHED_MEM }));
  }
  return 0;
}

/** Builds the app over `memory` (null: the app makes its own). */
export function buildApp(spec: AppSpec, memory: WritableMemory | null, now: () => Time): App {
  const mem = memory ?? undefined;
  switch (spec.name) {
    case "web":
      return new WebApp({ ...webConfig(spec), memory: mem });
    case "memcached":
      return new MemcachedApp({
        now,
        memory: mem,
        memLimit: LIVE_MEMCACHED_MEM,
        port: spec.port,
        threads: 1,
        locks: plainLocks(),
      });
    case "echo":
      return new EchoApp(spec.port);
  }
}
