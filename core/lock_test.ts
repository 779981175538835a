import assert from "node:assert/strict";
import { Lock, type LockOwner, LockTable } from "./lock.ts";
import { NS } from "./time.ts";

class Owner implements LockOwner {
  readonly grants: [string, number][] = [];
  constructor(readonly id: number, readonly name = `owner${id}`) {}
  lockGranted(lock: Lock, t: number): void {
    this.grants.push([lock.name, t]);
  }
}

Deno.test("Lock: uncontended acquire and release", () => {
  const l = new Lock("l");
  const a = new Owner(1);
  assert.equal(l.acquire(a, 0), true);
  assert.equal(l.holder, a);
  assert.equal(l.isHeld, true);
  l.release(a, 100 * NS);
  assert.equal(l.holder, null);
  assert.equal(l.acquisitions, 1);
  assert.equal(l.contended, 0);
  assert.equal(l.totalHold, 100 * NS);
  assert.equal(l.meanHold, 100 * NS);
  assert.equal(a.grants.length, 0); // granted synchronously, not by callback
});

Deno.test("Lock: waiters are served FIFO at the release time, with wait statistics", () => {
  const l = new Lock("l");
  const [a, b, c, d] = [new Owner(1), new Owner(2), new Owner(3), new Owner(4)];
  assert.equal(l.acquire(a, 0), true);
  assert.equal(l.acquire(c, 10), false);
  assert.equal(l.acquire(b, 20), false);
  assert.equal(l.acquire(d, 30), false);
  assert.equal(l.waiting, 3);
  assert.equal(l.maxWaiters, 3);
  assert.equal(l.isWaiting(b), true);
  l.release(a, 100);
  assert.equal(l.holder, c);
  assert.deepEqual(c.grants, [["l", 100]]);
  l.release(c, 150);
  assert.equal(l.holder, b);
  l.release(b, 170);
  assert.equal(l.holder, d);
  l.release(d, 200);
  assert.deepEqual([b.grants, d.grants], [[["l", 150]], [["l", 170]]]);
  assert.equal(l.acquisitions, 4);
  assert.equal(l.contended, 3);
  assert.equal(l.totalWait, (100 - 10) + (150 - 20) + (170 - 30));
  assert.equal(l.maxWait, 140);
  assert.equal(l.totalHold, 200);
  assert.equal(l.maxHold, 100);
  assert.equal(l.waiting, 0);
  l.resetStats();
  assert.equal(l.acquisitions, 0);
  assert.equal(l.totalWait, 0);
});

Deno.test("Lock: misuse is a programming error", () => {
  const l = new Lock("l");
  const a = new Owner(1), b = new Owner(2);
  assert.throws(() => l.release(a, 0), /releases lock "l" held by nobody/);
  l.acquire(a, 0);
  assert.throws(() => l.acquire(a, 1), /re-acquires lock "l"/);
  assert.throws(() => l.release(b, 1), /held by owner1/);
  l.acquire(b, 2);
  assert.throws(() => l.acquire(b, 3), /already waiting/);
});

Deno.test("Lock: long waiter queues stay FIFO across compaction", () => {
  const l = new Lock("l");
  const owners = Array.from({ length: 300 }, (_, i) => new Owner(i));
  l.acquire(owners[0], 0);
  for (let i = 1; i < owners.length; i++) l.acquire(owners[i], i);
  for (let i = 0; i < owners.length - 1; i++) {
    l.release(owners[i], 1000 + i);
    assert.equal(l.holder, owners[i + 1]);
    if (i % 7 === 0) l.acquire(owners[i], 2000 + i); // re-queue some at the back
  }
  const requeued = owners.filter((o) => o.id % 7 === 0 && o.id < owners.length - 1);
  assert.equal(l.waiting, requeued.length);
  const served: number[] = [];
  let holder = l.holder as Owner;
  let t = 5000;
  while (l.waiting > 0) {
    l.release(holder, t++);
    holder = l.holder as Owner;
    served.push(holder.id);
  }
  assert.deepEqual(served, requeued.map((o) => o.id));
});

Deno.test("LockTable: one lock per name, listed in name order", () => {
  const t = new LockTable();
  const b = t.factory("b");
  const a = t.get("a");
  assert.equal(t.get("b"), b);
  assert.equal(t.factory("a"), a);
  assert.equal(t.size, 2);
  assert.deepEqual(t.list().map((l) => l.name), ["a", "b"]);
  const o = new Owner(1);
  a.acquire(o, 0);
  a.release(o, 5);
  t.resetStats();
  assert.equal(a.acquisitions, 0);
});
