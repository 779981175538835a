/**
 * dlibos: a deterministic simulation of DLibOS (Mallon, Gramoli, Jourjon,
 * ASPLOS 2018) and its evaluation. Public API.
 */
export * from "./core/time.ts";
export * from "./core/scheduler.ts";
export * from "./stack/buf.ts";
export * from "./stack/accounting.ts";
export * from "./stack/events.ts";
export * from "./stack/wire/repr.ts";
