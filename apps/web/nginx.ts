/**
 * The NGINX model: the paper's Linux webserver baseline ("NGINX serving files
 * from a ramdisk, logging off"), as the same HTTP code as {@link WebApp} with
 * what NGINX does differently per request, on the socket API only.
 *
 * What a keep-alive GET of a static file costs NGINX 1.12/1.13 (2017) with a
 * default configuration on Linux, from its source:
 *
 * - one `recv` of the request (epoll is edge-triggered with EPOLLRDHUP, so a
 *   short read clears `ready`: src/os/unix/ngx_recv.c) — the host's read;
 * - parsing and the phase handlers (application work, below);
 * - `open` + `fstat` of the file (`open_file_cache` is off by default:
 *   src/core/ngx_open_file_cache.c, ngx_open_and_stat_file), `close` when the
 *   request ends (the pool cleanup);
 * - with `sendfile on` and `tcp_nopush` off (the default), the header goes
 *   out with `writev` and the body with `sendfile`: two system calls
 *   (src/os/unix/ngx_linux_sendfile_chain.c) — `send` and `sendFile` here;
 * - logging off: no write of an access-log line.
 *
 * Accepting (one listening socket shared by all workers, EPOLLEXCLUSIVE,
 * accept_mutex off) is the host's: stack/host/linux `accept: "shared"`.
 * Error pages come from memory (one `send`). Not modelled: the
 * `setsockopt(TCP_NODELAY)` once per keep-alive connection, `Date`,
 * `Last-Modified` and `ETag` headers (the bytes are WebApp's; their
 * formatting is in the response cost), the keep-alive timer.
 */
import type { AppCosts } from "../common/costs.ts";
import { WebApp } from "./app.ts";
import type { WebConfig } from "./config.ts";

/**
 * NGINX's per-request work on a 1.2 GHz TileGX core (cycles), replacing the
 * lean server's entries of DEFAULT_APP_COSTS (apps/common/costs.ts).
 * Assumption: no public cycles-per-request figure exists for NGINX
 * (facts.md; Sandstorm, SIGCOMM'14, reports only ~3.5x NGINX's throughput for
 * its specialised stack). The entries add up to ~10K cycles (~8 us) of user
 * space per keep-alive GET with four header lines; bounds 3K-20K. The shares
 * follow NGINX's structure: request set-up (pool, ngx_http_request_t, phase
 * engine walk) in `httpRequestBase`; header hash lookups in `httpHeaderLine`;
 * location match and URI-to-path mapping in `httpLookup`; the header filter
 * (status line, Server, Date, Content-Type, Content-Length, Last-Modified,
 * ETag, Connection, Accept-Ranges formatted per response) and the output
 * filter chain in `httpResponse`.
 */
export const NGINX_APP_COSTS: Partial<AppCosts> = Object.freeze({
  eventBase: 200,
  // ngx_http_init_connection: connection pool, buffers, timers. Assumption; bounds 1K-6K.
  connSetup: 3000,
  // ngx_http_close_connection: pool destruction. Assumption; bounds 0.5K-3K.
  connTeardown: 1500,
  // ngx_http_parse_request_line / header_line state machines. Assumption; bounds 2-8.
  parsePerByte: 4,
  // Request pool and structure, phase handlers. Assumption; bounds 1K-8K.
  httpRequestBase: 4000,
  // Header hash lookup and lower-casing per line. Assumption; bounds 50-400.
  httpHeaderLine: 150,
  // Location match, root + URI path, index/static handler checks. Assumption; bounds 0.5K-3K.
  httpLookup: 1500,
  // Header filter formatting, output filter chain, request finalisation. Assumption; bounds 1K-6K.
  httpResponse: 3000,
});

/** `cfg` as NGINX serves it: `sendfile on` and {@link NGINX_APP_COSTS} (under `cfg.costs`). */
export function nginxConfig(cfg: WebConfig): WebConfig {
  return { ...cfg, sendfile: true, costs: { ...NGINX_APP_COSTS, ...cfg.costs } };
}

/**
 * The NGINX model: {@link WebApp} with {@link nginxConfig}. Host it in Linux
 * mode with `accept: "shared"`; in the other modes `sendFile` is `send` and
 * `fileOp` is free, so only the application costs differ.
 */
export class NginxApp extends WebApp {
  constructor(config: WebConfig) {
    super(nginxConfig(config));
  }
}
