/**
 * Webserver configuration, defaults (nginx's where it has one) and a default
 * site generator.
 */
import type { WritableMemory } from "../../hw/buffers.ts";
import { type AppCosts, resolveAppCosts } from "../common/costs.ts";

/** HTTP's well-known port. */
export const HTTP_PORT = 80;
/** nginx's default listen backlog on Linux (NGX_LISTEN_BACKLOG 511). */
export const HTTP_BACKLOG = 511;
/** nginx large_client_header_buffers default (4 x 8k): longest request line. */
export const HTTP_MAX_REQUEST_LINE = 8192;
/** nginx large_client_header_buffers default (4 x 8k): total header bytes. */
export const HTTP_MAX_HEADER_BYTES = 32768;
/** Bound on header lines per request (nginx has none separate from the bytes; ours). */
export const HTTP_MAX_HEADERS = 100;
/** nginx client_max_body_size default (1m): longer request bodies get 413. */
export const HTTP_MAX_BODY = 1024 * 1024;
/** Default page size of {@link defaultSite} (approximation: the paper does not state its page). */
export const DEFAULT_INDEX_BYTES = 1024;
/** Name served for a directory path ("/" -> "/index.html"). */
export const DEFAULT_INDEX_NAME = "index.html";
/** Value of the Server header. */
export const DEFAULT_SERVER_NAME = "dlibos";

/** A preloaded file. */
export interface WebFile {
  readonly body: Uint8Array;
  /** Content-Type; by default from the path's extension. */
  readonly contentType?: string;
}

export interface WebConfig {
  /** Files by absolute path ("/index.html"), preloaded at start-up. */
  readonly files: ReadonlyMap<string, Uint8Array | WebFile>;
  readonly port?: number;
  readonly backlog?: number;
  /** The app's transmit memory; a ByteArena of {@link webMemoryBytes} is made when absent. */
  readonly memory?: WritableMemory;
  readonly memoryBase?: number;
  readonly serverName?: string;
  readonly indexName?: string;
  readonly maxRequestLine?: number;
  readonly maxHeaderBytes?: number;
  readonly maxHeaders?: number;
  readonly maxBodyBytes?: number;
  readonly costs?: Partial<AppCosts>;
  /**
   * Send file bodies as files (`SocketApi.sendFile`, with open/fstat/close
   * around each, as nginx with `sendfile on`); default false: every reply of
   * an event is one zero-copy `send`.
   */
  readonly sendfile?: boolean;
}

export interface ResolvedWebConfig {
  readonly files: ReadonlyMap<string, WebFile>;
  readonly port: number;
  readonly backlog: number;
  readonly memoryBase: number;
  readonly serverName: string;
  readonly indexName: string;
  readonly maxRequestLine: number;
  readonly maxHeaderBytes: number;
  readonly maxHeaders: number;
  readonly maxBodyBytes: number;
  readonly costs: AppCosts;
  readonly sendfile: boolean;
}

function posInt(name: string, v: number, min = 1): number {
  if (!Number.isInteger(v) || v < min) {
    throw new RangeError(`web config: ${name} must be an integer >= ${min}, got ${v}`);
  }
  return v;
}

/** Shortest request line limit accepted ("GET / HTTP/1.1"). */
const MIN_REQUEST_LINE = 16;

export function resolveWebConfig(cfg: WebConfig): ResolvedWebConfig {
  const files = new Map<string, WebFile>();
  for (const [path, f] of cfg.files) {
    if (!path.startsWith("/") || /[?#\s]/.test(path)) {
      throw new Error(`web config: file path must be absolute, without ?, # or spaces: ${path}`);
    }
    files.set(path, f instanceof Uint8Array ? { body: f } : f);
  }
  const serverName = cfg.serverName ?? DEFAULT_SERVER_NAME;
  const indexName = cfg.indexName ?? DEFAULT_INDEX_NAME;
  if (!/^[\x21-\x7e]+$/.test(serverName)) throw new Error(`web config: bad server name`);
  if (!/^[^/\s?#]+$/.test(indexName)) throw new Error(`web config: bad index name`);
  const port = posInt("port", cfg.port ?? HTTP_PORT);
  if (port > 65535) throw new RangeError(`web config: port ${port} out of range`);
  return {
    files,
    port,
    backlog: posInt("backlog", cfg.backlog ?? HTTP_BACKLOG),
    memoryBase: posInt("memoryBase", cfg.memoryBase ?? 0, 0),
    serverName,
    indexName,
    maxRequestLine: posInt(
      "maxRequestLine",
      cfg.maxRequestLine ?? HTTP_MAX_REQUEST_LINE,
      MIN_REQUEST_LINE,
    ),
    maxHeaderBytes: posInt("maxHeaderBytes", cfg.maxHeaderBytes ?? HTTP_MAX_HEADER_BYTES),
    maxHeaders: posInt("maxHeaders", cfg.maxHeaders ?? HTTP_MAX_HEADERS),
    maxBodyBytes: posInt("maxBodyBytes", cfg.maxBodyBytes ?? HTTP_MAX_BODY, 0),
    costs: resolveAppCosts(cfg.costs),
    sendfile: cfg.sendfile ?? false,
  };
}

const CONTENT_TYPES: Record<string, string> = {
  html: "text/html",
  htm: "text/html",
  txt: "text/plain",
  css: "text/css",
  js: "application/javascript",
  json: "application/json",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  svg: "image/svg+xml",
};

/** Content-Type by extension (nginx's mime.types subset); octet-stream otherwise. */
export function contentTypeFor(path: string): string {
  const dot = path.lastIndexOf(".");
  const ext = dot > path.lastIndexOf("/") ? path.slice(dot + 1).toLowerCase() : "";
  return CONTENT_TYPES[ext] ?? "application/octet-stream";
}

/**
 * A site with one page, `/index.html`, of exactly `indexBytes` bytes of
 * deterministic HTML (plus any `extra` files).
 */
export function defaultSite(
  indexBytes = DEFAULT_INDEX_BYTES,
  extra: ReadonlyMap<string, Uint8Array | WebFile> = new Map(),
): Map<string, Uint8Array | WebFile> {
  posInt("indexBytes", indexBytes, 0);
  const head = "<!DOCTYPE html>\n<html><head><title>DLibOS</title></head><body>\n";
  const tail = "</body></html>\n";
  const para = "<p>DLibOS: performance and protection with a network-on-chip.</p>\n";
  let s: string;
  if (indexBytes < head.length + tail.length) {
    s = "x".repeat(indexBytes);
  } else {
    let mid = "";
    const room = indexBytes - head.length - tail.length;
    while (mid.length + para.length <= room) mid += para;
    mid += ".".repeat(room - mid.length);
    s = head + mid + tail;
  }
  const body = new TextEncoder().encode(s);
  const site = new Map<string, Uint8Array | WebFile>([["/index.html", body]]);
  for (const [k, v] of extra) site.set(k, v);
  return site;
}
