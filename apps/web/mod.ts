/** The in-memory webserver application: public API. */
export { WebApp, webMemoryBytes } from "./app.ts";
export {
  contentTypeFor,
  DEFAULT_INDEX_BYTES,
  defaultSite,
  HTTP_PORT,
  type ResolvedWebConfig,
  resolveWebConfig,
  type WebConfig,
  type WebFile,
} from "./config.ts";
export { type ErrorStatus, HTTP_ERRORS } from "./site.ts";
export { NGINX_APP_COSTS, NginxApp, nginxConfig } from "./nginx.ts";
