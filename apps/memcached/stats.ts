/**
 * Memcached statistics counters (the subset of memcached's "stats" output this
 * server tracks), in memcached's names and output order.
 */

export class McStats {
  // Connections.
  currConnections = 0;
  totalConnections = 0;
  // Commands (memcached's per-thread stats, summed).
  cmdGet = 0;
  cmdSet = 0;
  cmdFlush = 0;
  cmdTouch = 0;
  getHits = 0;
  getMisses = 0;
  getExpired = 0;
  getFlushed = 0;
  deleteMisses = 0;
  deleteHits = 0;
  incrMisses = 0;
  incrHits = 0;
  decrMisses = 0;
  decrHits = 0;
  casMisses = 0;
  casHits = 0;
  casBadval = 0;
  touchHits = 0;
  touchMisses = 0;
  storeTooLarge = 0;
  storeNoMemory = 0;
  bytesRead = 0;
  bytesWritten = 0;
  // Items (memcached's global stats).
  currItems = 0;
  totalItems = 0;
  bytes = 0;
  expiredUnfetched = 0;
  evictedUnfetched = 0;
  evictions = 0;
  reclaimed = 0;

  /** "stats reset": zeroes every counter except the current-state gauges. */
  reset(): void {
    const keep = {
      currConnections: this.currConnections,
      currItems: this.currItems,
      bytes: this.bytes,
    };
    for (const k of Object.keys(this) as (keyof McStats)[]) {
      if (typeof this[k] === "number") (this as Record<string, unknown>)[k] = 0;
    }
    this.currConnections = keep.currConnections;
    this.currItems = keep.currItems;
    this.bytes = keep.bytes;
  }
}

/** "STAT pointer_size": memcached reports the build's pointer width; a 64-bit build. */
const POINTER_SIZE_BITS = 64;

/** Server facts the general "stats" output needs besides the counters. */
export interface StatsContext {
  readonly pid: number;
  readonly uptimeSec: number;
  readonly unixTime: number;
  readonly version: string;
  readonly limitMaxbytes: number;
  readonly threads: number;
}

/** The general "stats" lines in memcached's order (without the final END). */
export function generalStats(s: McStats, c: StatsContext): [string, string | number][] {
  return [
    ["pid", c.pid],
    ["uptime", c.uptimeSec],
    ["time", c.unixTime],
    ["version", c.version],
    ["pointer_size", POINTER_SIZE_BITS],
    ["curr_connections", s.currConnections],
    ["total_connections", s.totalConnections],
    ["cmd_get", s.cmdGet],
    ["cmd_set", s.cmdSet],
    ["cmd_flush", s.cmdFlush],
    ["cmd_touch", s.cmdTouch],
    ["get_hits", s.getHits],
    ["get_misses", s.getMisses],
    ["get_expired", s.getExpired],
    ["get_flushed", s.getFlushed],
    ["delete_misses", s.deleteMisses],
    ["delete_hits", s.deleteHits],
    ["incr_misses", s.incrMisses],
    ["incr_hits", s.incrHits],
    ["decr_misses", s.decrMisses],
    ["decr_hits", s.decrHits],
    ["cas_misses", s.casMisses],
    ["cas_hits", s.casHits],
    ["cas_badval", s.casBadval],
    ["touch_hits", s.touchHits],
    ["touch_misses", s.touchMisses],
    ["store_too_large", s.storeTooLarge],
    ["store_no_memory", s.storeNoMemory],
    ["bytes_read", s.bytesRead],
    ["bytes_written", s.bytesWritten],
    ["limit_maxbytes", c.limitMaxbytes],
    ["threads", c.threads],
    ["bytes", s.bytes],
    ["curr_items", s.currItems],
    ["total_items", s.totalItems],
    ["expired_unfetched", s.expiredUnfetched],
    ["evicted_unfetched", s.evictedUnfetched],
    ["evictions", s.evictions],
    ["reclaimed", s.reclaimed],
  ];
}

/** Renders "STAT name value\r\n" lines followed by "END\r\n". */
export function renderStats(lines: readonly [string, string | number][]): string {
  let out = "";
  for (const [k, v] of lines) out += `STAT ${k} ${v}\r\n`;
  return out + "END\r\n";
}
