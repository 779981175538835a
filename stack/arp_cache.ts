/**
 * A sans-IO ARP cache (RFC 826 address resolution, RFC 1122 section 2.3.2.2
 * queueing): IPv4 -> MAC entries that expire, plus, per unresolved address, a
 * bounded queue of packets waiting for the answer and the request retry state.
 *
 * The cache never sends anything itself. The owner asks {@link ArpCache.lookup};
 * on a miss it {@link ArpCache.enqueue}s the packet and sends a request when
 * told to; when a reply (or any ARP packet worth learning from) arrives it
 * calls {@link ArpCache.insert} and transmits the packets handed back; and it
 * calls {@link ArpCache.poll} at {@link ArpCache.nextDeadline} to resend
 * requests and, after the last one goes unanswered, drop the queued packets.
 *
 * Expired entries are removed lazily on lookup (no timers for them): the next
 * packet to an expired address simply starts a new resolution. Iteration is in
 * Map insertion order, so runs are deterministic.
 */
import { SEC, type Time } from "../core/time.ts";
import type { Ipv4Addr } from "./wire/ipv4.ts";
import { MAC_LEN, type MacAddr } from "./wire/ethernet.ts";

/** Entry lifetime: 60 s (the brief's default; Linux keeps entries reachable 15-45 s, then re-verifies). */
export const DEFAULT_ARP_ENTRY_TTL: Time = 60 * SEC;
/** Interval between requests for one address (Linux neigh retrans_time_ms = 1000). */
export const DEFAULT_ARP_RETRY_INTERVAL: Time = 1 * SEC;
/** Requests sent before giving up (Linux neigh mcast_solicit = 3). */
export const DEFAULT_ARP_MAX_REQUESTS = 3;
/** Packets queued per unresolved address (Linux neigh unres_qlen default 101). */
export const DEFAULT_ARP_MAX_PENDING_PER_IP = 101;
/** Entries kept before the oldest is evicted (Linux neigh gc_thresh3 = 1024). */
export const DEFAULT_ARP_MAX_ENTRIES = 1024;
/**
 * Addresses being resolved at once. A local choice: it bounds the memory a
 * flood of packets to many unreachable addresses can take.
 */
export const DEFAULT_ARP_MAX_UNRESOLVED = 256;

/** Lifetimes and bounds of an {@link ArpCache}. */
export interface ArpConfig {
  /** How long a learned entry is used before it must be resolved again. */
  entryTtl: Time;
  /** Time between requests for an unresolved address. */
  retryInterval: Time;
  /** Requests sent (the first plus retries) before queued packets are dropped. */
  maxRequests: number;
  /** Bound on packets queued per unresolved address; further ones are dropped. */
  maxPendingPerIp: number;
  /** Bound on learned entries; inserting beyond it evicts the least recently inserted/refreshed (permanent entries are never evicted). */
  maxEntries: number;
  /** Bound on addresses being resolved at once; packets for more are dropped. */
  maxUnresolved: number;
}

export const DEFAULT_ARP_CONFIG: Readonly<ArpConfig> = {
  entryTtl: DEFAULT_ARP_ENTRY_TTL,
  retryInterval: DEFAULT_ARP_RETRY_INTERVAL,
  maxRequests: DEFAULT_ARP_MAX_REQUESTS,
  maxPendingPerIp: DEFAULT_ARP_MAX_PENDING_PER_IP,
  maxEntries: DEFAULT_ARP_MAX_ENTRIES,
  maxUnresolved: DEFAULT_ARP_MAX_UNRESOLVED,
};

/** Fills in defaults and rejects nonsensical values (a programming error: throws). */
export function resolveArpConfig(p: Partial<ArpConfig> = {}): ArpConfig {
  const cfg: ArpConfig = { ...DEFAULT_ARP_CONFIG, ...p };
  const positiveInt = (v: number, name: string) => {
    if (!Number.isInteger(v) || v <= 0) {
      throw new RangeError(`ArpConfig.${name} must be a positive integer, got ${v}`);
    }
  };
  positiveInt(cfg.entryTtl, "entryTtl");
  positiveInt(cfg.retryInterval, "retryInterval");
  positiveInt(cfg.maxRequests, "maxRequests");
  positiveInt(cfg.maxPendingPerIp, "maxPendingPerIp");
  positiveInt(cfg.maxEntries, "maxEntries");
  positiveInt(cfg.maxUnresolved, "maxUnresolved");
  return cfg;
}

/** What an {@link ArpCache} did. */
export interface ArpCacheStats {
  /** Lookups answered from the cache. */
  hits: number;
  /** Lookups that found no entry. */
  misses: number;
  /** New entries learned. */
  inserted: number;
  /** Existing entries updated (refreshed, possibly with a new MAC). */
  refreshed: number;
  /** Entries found expired on lookup and removed. */
  expired: number;
  /** Entries evicted to respect maxEntries. */
  evicted: number;
  /** Packets queued waiting for resolution. */
  queued: number;
  /** Packets dropped because a queue bound was hit. */
  queueDrops: number;
  /** Packets dropped because resolution failed after maxRequests. */
  unresolvedDrops: number;
  /** Resolutions abandoned. */
  failures: number;
  /** Requests the owner was told to send (first ones and retries). */
  requests: number;
}

/** What {@link ArpCache.poll} reports to its owner. */
export interface ArpTimerSink<P> {
  /** Send another request for `ip` now. */
  resend(ip: Ipv4Addr): void;
  /** `pkt` will never be sent (resolution failed); release whatever it holds. */
  drop(pkt: P): void;
}

/** Outcome of {@link ArpCache.enqueue}. */
export type EnqueueResult =
  /** First packet for this address: the owner must send a request now. */
  | "request"
  /** Queued behind a resolution already in progress. */
  | "queued"
  /** A bound was hit: the packet was not queued (the owner drops it). */
  | "dropped";

interface Entry {
  readonly mac: Uint8Array;
  expires: Time;
  /** Configured, not learned: never expires, never evicted, not changed by ARP traffic. */
  readonly permanent: boolean;
}

interface Pending<P> {
  readonly packets: P[];
  /** Requests sent so far. */
  requests: number;
  /** When the next retry (or the give-up) is due. */
  nextAt: Time;
}

/**
 * The ARP cache of one stack: entries with expiry, packets held while their address resolves, and
 * retries.
 */
export class ArpCache<P> {
  /** The configuration in use. */
  readonly cfg: ArpConfig;
  /** Counters. */
  readonly stats: ArpCacheStats = {
    hits: 0,
    misses: 0,
    inserted: 0,
    refreshed: 0,
    expired: 0,
    evicted: 0,
    queued: 0,
    queueDrops: 0,
    unresolvedDrops: 0,
    failures: 0,
    requests: 0,
  };
  private readonly entries = new Map<Ipv4Addr, Entry>();
  private readonly pending = new Map<Ipv4Addr, Pending<P>>();

  /** A cache with `cfg` over the defaults. */
  constructor(cfg: Partial<ArpConfig> = {}) {
    this.cfg = resolveArpConfig(cfg);
  }

  /** Entries currently held (including expired ones not yet looked up). */
  get size(): number {
    return this.entries.size;
  }

  /** Addresses currently being resolved. */
  get unresolved(): number {
    return this.pending.size;
  }

  /**
   * The MAC for `ip`, or null when unknown or expired. The returned array is
   * the cache's own: read it (or copy it) before the next insert, never write it.
   */
  lookup(now: Time, ip: Ipv4Addr): MacAddr | null {
    const e = this.entries.get(ip);
    if (e === undefined) {
      this.stats.misses++;
      return null;
    }
    if (e.expires <= now) {
      this.entries.delete(ip);
      this.stats.expired++;
      this.stats.misses++;
      return null;
    }
    this.stats.hits++;
    return e.mac;
  }

  /**
   * True when `ip` has an entry (even an expired one) or a resolution in
   * progress: RFC 826's "merge" test for updating from any ARP packet.
   */
  knows(ip: Ipv4Addr): boolean {
    return this.entries.has(ip) || this.pending.has(ip);
  }

  /** Packets queued for `ip` (0 when it is not being resolved). */
  queuedFor(ip: Ipv4Addr): number {
    return this.pending.get(ip)?.packets.length ?? 0;
  }

  /**
   * Learns or refreshes `ip` -> `mac` (copied). Returns the packets that were
   * waiting for `ip`, in the order they were queued, for the owner to send
   * now; null when none were waiting.
   */
  insert(now: Time, ip: Ipv4Addr, mac: MacAddr): P[] | null {
    if (mac.length !== MAC_LEN) throw new RangeError(`MAC must be ${MAC_LEN} bytes`);
    const e = this.entries.get(ip);
    if (e !== undefined) {
      if (!e.permanent) {
        e.mac.set(mac);
        e.expires = now + this.cfg.entryTtl;
        // Move to the back of the eviction order.
        this.entries.delete(ip);
        this.entries.set(ip, e);
        this.stats.refreshed++;
      }
    } else {
      this.add(ip, mac, now + this.cfg.entryTtl, false);
    }
    return this.takePending(ip);
  }

  /**
   * Installs a permanent entry (like `ip neigh add ... nud permanent`): it
   * never expires, is never evicted and ARP traffic does not change it; only
   * another `insertStatic` or {@link remove} does. Returns packets that were
   * waiting for `ip`, like {@link insert}.
   */
  insertStatic(ip: Ipv4Addr, mac: MacAddr): P[] | null {
    if (mac.length !== MAC_LEN) throw new RangeError(`MAC must be ${MAC_LEN} bytes`);
    this.entries.delete(ip);
    this.add(ip, mac, Infinity, true);
    return this.takePending(ip);
  }

  /** Records `ip` at `mac`, evicting the oldest learned entry when full. */
  private add(ip: Ipv4Addr, mac: MacAddr, expires: Time, permanent: boolean): void {
    if (!permanent && this.entries.size >= this.cfg.maxEntries) {
      for (const [k, v] of this.entries) {
        if (v.permanent) continue;
        this.entries.delete(k);
        this.stats.evicted++;
        break;
      }
    }
    this.entries.set(ip, { mac: Uint8Array.from(mac), expires, permanent });
    this.stats.inserted++;
  }

  /** Removes and returns the packets held for `ip` (null when none). */
  private takePending(ip: Ipv4Addr): P[] | null {
    const p = this.pending.get(ip);
    if (p === undefined) return null;
    this.pending.delete(ip);
    return p.packets;
  }

  /** Forgets `ip` (entry only; a resolution in progress continues). */
  remove(ip: Ipv4Addr): boolean {
    return this.entries.delete(ip);
  }

  /**
   * Queues `pkt` until `ip` is resolved. See {@link EnqueueResult}; on
   * "request" the owner sends the first request immediately.
   */
  enqueue(now: Time, ip: Ipv4Addr, pkt: P): EnqueueResult {
    const p = this.pending.get(ip);
    if (p === undefined) {
      if (this.pending.size >= this.cfg.maxUnresolved) {
        this.stats.queueDrops++;
        return "dropped";
      }
      this.pending.set(ip, { packets: [pkt], requests: 1, nextAt: now + this.cfg.retryInterval });
      this.stats.queued++;
      this.stats.requests++;
      return "request";
    }
    if (p.packets.length >= this.cfg.maxPendingPerIp) {
      this.stats.queueDrops++;
      return "dropped";
    }
    p.packets.push(pkt);
    this.stats.queued++;
    return "queued";
  }

  /** Earliest time {@link poll} has work (a retry or a give-up), or Infinity. */
  nextDeadline(): Time {
    // Usually nothing is being resolved: skip creating an iterator.
    if (this.pending.size === 0) return Infinity;
    let t = Infinity;
    for (const p of this.pending.values()) if (p.nextAt < t) t = p.nextAt;
    return t;
  }

  /** Resends due requests and abandons resolutions whose last request went unanswered. */
  poll(now: Time, sink: ArpTimerSink<P>): void {
    for (const [ip, p] of this.pending) {
      if (p.nextAt > now) continue;
      if (p.requests >= this.cfg.maxRequests) {
        this.pending.delete(ip);
        this.stats.failures++;
        this.stats.unresolvedDrops += p.packets.length;
        for (const pkt of p.packets) sink.drop(pkt);
      } else {
        p.requests++;
        p.nextAt = now + this.cfg.retryInterval;
        this.stats.requests++;
        sink.resend(ip);
      }
    }
  }
}
