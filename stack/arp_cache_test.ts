import assert from "node:assert/strict";
import { MS, SEC } from "../core/time.ts";
import {
  ArpCache,
  type ArpTimerSink,
  DEFAULT_ARP_ENTRY_TTL,
  DEFAULT_ARP_RETRY_INTERVAL,
} from "./arp_cache.ts";
import { localMac } from "./wire/ethernet.ts";

const IP1 = 0x0a000001, IP2 = 0x0a000002;

/** Records what poll asks for. */
class Sink implements ArpTimerSink<string> {
  resent: number[] = [];
  dropped: string[] = [];
  resend(ip: number): void {
    this.resent.push(ip);
  }
  drop(pkt: string): void {
    this.dropped.push(pkt);
  }
}

Deno.test("arp cache: miss queues and asks for one request; the reply releases the queue in order", () => {
  const c = new ArpCache<string>();
  assert.equal(c.lookup(0, IP1), null);
  assert.equal(c.enqueue(0, IP1, "a"), "request");
  assert.equal(c.enqueue(1, IP1, "b"), "queued");
  assert.equal(c.queuedFor(IP1), 2);
  assert.ok(c.knows(IP1));
  assert.ok(!c.knows(IP2));
  assert.equal(c.nextDeadline(), DEFAULT_ARP_RETRY_INTERVAL);
  const mac = localMac(5);
  assert.deepEqual(c.insert(10, IP1, mac), ["a", "b"]);
  mac[5] = 99; // the cache copied the MAC
  assert.deepEqual(c.lookup(11, IP1), localMac(5));
  assert.equal(c.unresolved, 0);
  assert.equal(c.nextDeadline(), Infinity);
  assert.equal(c.insert(12, IP1, localMac(5)), null);
  assert.equal(c.stats.inserted, 1);
  assert.equal(c.stats.refreshed, 1);
});

Deno.test("arp cache: entries expire after the TTL; refresh extends them", () => {
  const c = new ArpCache<string>();
  c.insert(0, IP1, localMac(1));
  assert.ok(c.lookup(DEFAULT_ARP_ENTRY_TTL - 1, IP1));
  assert.equal(c.lookup(DEFAULT_ARP_ENTRY_TTL, IP1), null);
  assert.equal(c.stats.expired, 1);
  assert.equal(c.size, 0);
  const d = new ArpCache<string>({ entryTtl: 10 * SEC });
  d.insert(0, IP1, localMac(1));
  d.insert(8 * SEC, IP1, localMac(2)); // refreshed with a new MAC (e.g. gratuitous ARP)
  assert.deepEqual(d.lookup(15 * SEC, IP1), localMac(2));
  assert.equal(d.lookup(18 * SEC, IP1), null);
});

Deno.test("arp cache: retries at the interval, gives up after maxRequests and drops the queue", () => {
  const c = new ArpCache<string>({ retryInterval: 100 * MS, maxRequests: 3 });
  const s = new Sink();
  c.enqueue(0, IP1, "x");
  c.enqueue(0, IP1, "y");
  c.poll(50 * MS, s);
  assert.deepEqual(s.resent, []);
  c.poll(100 * MS, s);
  assert.deepEqual(s.resent, [IP1]);
  assert.equal(c.nextDeadline(), 200 * MS);
  c.poll(200 * MS, s);
  assert.deepEqual(s.resent, [IP1, IP1]);
  assert.deepEqual(s.dropped, []);
  c.poll(300 * MS, s); // third request unanswered for an interval: give up
  assert.deepEqual(s.dropped, ["x", "y"]);
  assert.equal(c.unresolved, 0);
  assert.equal(c.stats.requests, 3);
  assert.equal(c.stats.unresolvedDrops, 2);
  assert.equal(c.stats.failures, 1);
  // A later packet starts a fresh resolution.
  assert.equal(c.enqueue(400 * MS, IP1, "z"), "request");
});

Deno.test("arp cache: per-address queue, unresolved-address and entry bounds", () => {
  const c = new ArpCache<number>({ maxPendingPerIp: 2, maxUnresolved: 1, maxEntries: 2 });
  assert.equal(c.enqueue(0, IP1, 1), "request");
  assert.equal(c.enqueue(0, IP1, 2), "queued");
  assert.equal(c.enqueue(0, IP1, 3), "dropped");
  assert.equal(c.enqueue(0, IP2, 4), "dropped");
  assert.equal(c.stats.queueDrops, 2);
  assert.deepEqual(c.insert(1, IP1, localMac(1)), [1, 2]);
  c.insert(1, IP2, localMac(2));
  c.insert(2, IP1, localMac(1)); // refresh moves IP1 behind IP2
  c.insert(3, 0x0a000003, localMac(3)); // evicts IP2
  assert.equal(c.size, 2);
  assert.equal(c.stats.evicted, 1);
  assert.equal(c.lookup(4, IP2), null);
  assert.ok(c.lookup(4, IP1));
});

Deno.test("arp cache: bad configuration throws clearly", () => {
  assert.throws(() => new ArpCache({ maxRequests: 0 }), /maxRequests/);
  assert.throws(() => new ArpCache({ entryTtl: 1.5 }), /entryTtl/);
  assert.throws(() => new ArpCache().insert(0, IP1, new Uint8Array(4)), RangeError);
});

Deno.test("arp cache: static entries never expire, are never evicted and ignore ARP updates", () => {
  const c = new ArpCache<string>({ maxEntries: 2, entryTtl: 1 * SEC });
  c.enqueue(0, IP1, "waiting");
  assert.deepEqual(c.insertStatic(IP1, localMac(1)), ["waiting"]);
  c.insert(0, IP2, localMac(2));
  c.insert(0, 0x0a000003, localMac(3)); // evicts IP2, not the static IP1
  c.insert(0, 0x0a000004, localMac(4));
  assert.equal(c.lookup(0, IP2), null);
  c.insert(5, IP1, localMac(9)); // learned traffic does not override it
  assert.deepEqual(c.lookup(1000 * SEC, IP1), localMac(1));
  c.insertStatic(IP1, localMac(7));
  assert.deepEqual(c.lookup(0, IP1), localMac(7));
  assert.ok(c.remove(IP1));
  assert.equal(c.lookup(0, IP1), null);
});
