import assert from "node:assert/strict";
import { contextCore, Core, type CoreContext, GuestContext, Poller, Priority } from "./executor.ts";
import { Lock, LockTable } from "./lock.ts";
import { Rng } from "./rng.ts";
import { Scheduler } from "./scheduler.ts";
import { Clock, NS, type Time, US } from "./time.ts";
import { CATEGORIES, categoryIndex, type WorkContext } from "./work.ts";

/** 1 GHz: one cycle is exactly 1 ns, which keeps expected times readable. */
const GHZ = new Clock(1_000_000_000);

function setup(cores = 1, clock = GHZ) {
  const sched = new Scheduler();
  const cs = Array.from({ length: cores }, (_, i) => new Core(sched, clock, i));
  return { sched, cores: cs };
}

Deno.test("Core: busy time is accounted per category; idle is the rest", () => {
  const { sched, cores: [core] } = setup();
  core.submit((ctx) => {
    ctx.charge("app", 1000);
    ctx.charge("tcp-rx", 500);
    ctx.charge("app", 250);
  });
  sched.runUntil(10 * US);
  const b = core.breakdown();
  assert.equal(b.app, 1250 * NS);
  assert.equal(b["tcp-rx"], 500 * NS);
  assert.equal(b.idle, 10 * US - 1750 * NS);
  for (const c of CATEGORIES) if (c !== "app" && c !== "tcp-rx") assert.equal(b[c], 0);
  assert.equal(Object.values(b).reduce((x, y) => x + y, 0), 10 * US);
  assert.equal(core.cyclesIn("app"), 1250);
  assert.equal(core.busyTimeAt(), 1750 * NS);
  assert.equal(core.utilisation(), 0.175);
  assert.equal(core.itemsRun, 1);
  const s = core.stats();
  assert.equal(s.elapsed, 10 * US);
  assert.equal(s.busy, 1750 * NS);
  assert.equal(s.name, "core0");
});

Deno.test("Core: an item without locks costs exactly one scheduler event", () => {
  const { sched, cores: [core] } = setup();
  for (let i = 0; i < 5; i++) core.submit((ctx) => ctx.charge("app", 100));
  assert.equal(core.queueLength, 4);
  sched.runUntilIdle();
  assert.equal(sched.dispatched, 5);
  assert.equal(sched.now, 500 * NS);
  assert.equal(core.itemsRun, 5);
  assert.equal(core.idle, true);
});

Deno.test("Core: zero-cost items complete inline without events", () => {
  const { sched, cores: [core] } = setup();
  let runs = 0;
  for (let i = 0; i < 3; i++) core.submit(() => runs++);
  assert.equal(runs, 3);
  assert.equal(sched.pending, 0);
  assert.equal(core.itemsRun, 3);
});

Deno.test("Core: higher priority first, FIFO within a class, no preemption", () => {
  const { sched, cores: [core] } = setup();
  const order: [string, Time][] = [];
  const item = (tag: string) => (ctx: WorkContext) => {
    order.push([tag, sched.now]);
    ctx.charge("app", 10);
  };
  core.submit(item("first")); // dispatched at once
  core.submit(item("n1"));
  core.submit(item("low"), undefined, Priority.Low);
  core.submit(item("n2"));
  core.submit(item("h1"), undefined, Priority.High);
  core.submit(item("h2"), undefined, Priority.High);
  assert.equal(core.queueLength, 5);
  assert.equal(core.maxQueueLength, 5);
  sched.runUntilIdle();
  assert.deepEqual(order, [
    ["first", 0],
    ["h1", 10 * NS],
    ["h2", 20 * NS],
    ["n1", 30 * NS],
    ["n2", 40 * NS],
    ["low", 50 * NS],
  ]);
  // Queue length 5 for 10 ns, then 4, 3, 2, 1 for 10 ns each, then 0: mean over 60 ns.
  assert.ok(Math.abs(core.meanQueueLength() - (5 + 4 + 3 + 2 + 1) * 10 / 60) < 1e-12);
  assert.throws(() => core.submit(() => {}, undefined, 7 as Priority), RangeError);
});

Deno.test("Core: work fn gets its argument", () => {
  const { sched, cores: [core] } = setup();
  const seen: number[] = [];
  const fn = (ctx: CoreContext, x: number) => {
    seen.push(x);
    ctx.charge("app", x);
  };
  core.submit(fn, 3);
  core.submit(fn, 4);
  sched.runUntilIdle();
  assert.deepEqual(seen, [3, 4]);
  assert.equal(sched.now, 7 * NS);
});

Deno.test("Core: then() callbacks fire at the recorded cursor times", () => {
  const { sched, cores: [core] } = setup();
  const log: [string, Time][] = [];
  sched.at(5 * US, () => {
    core.submit((ctx) => {
      ctx.then((t) => log.push(["start", t]));
      ctx.charge("tcp-rx", 100);
      ctx.then((t) => log.push(["mid", t]));
      ctx.charge("app", 200);
      ctx.thenCall((t, tag: string) => log.push([tag, t]), "end");
    });
    // The start callback ran inline, before submit returned.
    assert.deepEqual(log, [["start", 5 * US]]);
  });
  sched.runUntilIdle();
  assert.deepEqual(log, [
    ["start", 5 * US],
    ["mid", 5 * US + 100 * NS],
    ["end", 5 * US + 300 * NS],
  ]);
  // submit event + "mid" event + one event for "end" and completion together.
  assert.equal(sched.dispatched, 3);
});

Deno.test("Core: cumulative cycles convert exactly at 1.2 GHz", () => {
  const { sched, cores: [core] } = setup(1, new Clock(1_200_000_000));
  const times: Time[] = [];
  core.submit((ctx) => {
    for (let i = 0; i < 6; i++) {
      ctx.charge("app", 1);
      ctx.then((t) => times.push(t));
    }
  });
  sched.runUntilIdle();
  // 833.33 ps per cycle, rounded once per cursor position, never accumulated.
  assert.deepEqual(times, [833, 1667, 2500, 3333, 4167, 5000]);
  assert.equal(sched.now, 5000);
});

Deno.test("Core: then() may submit to this and other cores", () => {
  const { sched, cores: [a, b] } = setup(2);
  const log: [string, Time][] = [];
  a.submit((ctx) => {
    ctx.charge("app", 100);
    ctx.then(() => {
      a.submit((c) => {
        log.push(["a2", sched.now]);
        c.charge("app", 50);
      });
      b.submit((c) => {
        log.push(["b1", sched.now]);
        c.charge("app", 10);
        c.then(() => a.submit(() => log.push(["a3", sched.now])));
      });
    });
  });
  sched.runUntilIdle();
  assert.deepEqual(log, [["b1", 100 * NS], ["a2", 100 * NS], ["a3", 150 * NS]]);
  assert.equal(a.itemsRun, 3);
  assert.equal(b.itemsRun, 1);
});

Deno.test("Core: two cores contend; the second spins for the rest of the hold, charged to lock-spin", () => {
  const { sched, cores: [a, b] } = setup(2);
  const lock = new Lock("conn");
  let bGot = -1, bDone = -1, aDone = -1;
  a.submit((ctx) => {
    ctx.acquire(lock);
    ctx.charge("app", 1000);
    ctx.release(lock);
    ctx.charge("app", 100);
    ctx.then((t) => aDone = t);
  });
  b.submit((ctx) => {
    ctx.charge("tcp-rx", 200);
    ctx.acquire(lock);
    ctx.then((t) => bGot = t);
    ctx.charge("app", 300);
    ctx.release(lock);
    ctx.then((t) => bDone = t);
  });
  sched.runUntil(2 * US);
  assert.equal(aDone, 1100 * NS);
  assert.equal(bGot, 1000 * NS);
  assert.equal(bDone, 1300 * NS);
  assert.equal(b.timeIn("lock-spin"), 800 * NS);
  assert.equal(b.cyclesIn("lock-spin"), 800);
  assert.equal(a.timeIn("lock-spin"), 0);
  const bb = b.breakdown();
  assert.equal(bb["lock-spin"], 800 * NS);
  assert.equal(bb["tcp-rx"], 200 * NS);
  assert.equal(bb.app, 300 * NS);
  assert.equal(bb.idle, 2 * US - 1300 * NS);
  assert.equal(lock.acquisitions, 2);
  assert.equal(lock.contended, 1);
  assert.equal(lock.totalWait, 800 * NS);
  assert.equal(lock.totalHold, 1300 * NS);
  assert.equal(lock.holder, null);
});

Deno.test("Core: simultaneous acquires are served in submission order", () => {
  const { sched, cores: [a, b] } = setup(2);
  const lock = new Lock("l");
  const got: [string, Time][] = [];
  for (const [core, tag] of [[a, "a"], [b, "b"]] as const) {
    core.submit((ctx) => {
      ctx.acquire(lock);
      ctx.then((t) => got.push([tag, t]));
      ctx.charge("app", 100);
      ctx.release(lock);
    });
  }
  sched.runUntilIdle();
  assert.deepEqual(got, [["a", 0], ["b", 100 * NS]]);
  assert.equal(b.timeIn("lock-spin"), 100 * NS);
});

Deno.test("Core: lock waiters are granted in FIFO order of their acquire times", () => {
  const { sched, cores } = setup(4);
  const lock = new Lock("l");
  const got: [number, Time][] = [];
  const user = (delay: number, hold: number) => (ctx: CoreContext) => {
    ctx.charge("app", delay);
    ctx.acquire(lock);
    ctx.thenCall((t, id: number) => got.push([id, t]), delay);
    ctx.charge("app", hold);
    ctx.release(lock);
  };
  cores[0].submit(user(0, 1000)); // holds 0..1000 ns
  cores[1].submit(user(200, 10)); // arrives second
  cores[2].submit(user(100, 10)); // arrives first
  cores[3].submit(user(300, 10)); // arrives third
  sched.runUntilIdle();
  assert.deepEqual(got, [[0, 0], [100, 1000 * NS], [200, 1010 * NS], [300, 1020 * NS]]);
  assert.equal(lock.maxWaiters, 3);
  assert.equal(lock.contended, 3);
  assert.equal(cores[3].timeIn("lock-spin"), 720 * NS);
});

Deno.test("Core: nested locks and contention on the inner one", () => {
  const { sched, cores: [a, b] } = setup(2);
  const outer = new Lock("outer"), inner = new Lock("inner");
  const log: [string, Time][] = [];
  a.submit((ctx) => {
    ctx.acquire(outer);
    ctx.charge("app", 100);
    ctx.acquire(inner);
    ctx.charge("app", 100);
    ctx.release(inner);
    ctx.charge("app", 100);
    ctx.release(outer);
    ctx.then((t) => log.push(["a", t]));
  });
  b.submit((ctx) => {
    ctx.charge("app", 150);
    ctx.acquire(inner);
    ctx.then((t) => log.push(["b-inner", t]));
    ctx.charge("app", 10);
    ctx.release(inner);
  });
  sched.runUntilIdle();
  assert.deepEqual(log, [["b-inner", 200 * NS], ["a", 300 * NS]]);
  assert.equal(b.timeIn("lock-spin"), 50 * NS);
  assert.equal(outer.holder, null);
  assert.equal(inner.holder, null);
});

Deno.test("Core: lock misuse is a programming error", () => {
  const { cores: [a] } = setup(1);
  const lock = new Lock("l");
  assert.throws(
    () => a.submit((ctx) => (ctx.acquire(lock), ctx.acquire(lock))),
    /re-acquires lock "l"/,
  );
  const s2 = setup(1);
  s2.cores[0].submit((ctx) => ctx.acquire(lock)); // held across items
  s2.cores[0].submit((ctx) => ctx.acquire(lock));
  assert.throws(() => s2.sched.runUntilIdle(), /re-acquires lock "l"/);
  const s3 = setup(1);
  // A release at the item's start replays inline, so the error surfaces from submit.
  assert.throws(
    () => s3.cores[0].submit((ctx) => ctx.release(new Lock("m"))),
    /releases lock "m" held by nobody/,
  );
  const s5 = setup(1);
  s5.cores[0].submit((ctx) => (ctx.charge("app", 5), ctx.release(new Lock("n"))));
  assert.throws(() => s5.sched.runUntilIdle(), /releases lock "n" held by nobody/);
  const s4 = setup(1);
  assert.throws(() => s4.cores[0].submit((ctx) => ctx.acquire({ name: "fake" })), TypeError);
});

Deno.test("Core: using a context after its item returned throws", () => {
  const { sched, cores: [core] } = setup();
  let saved: WorkContext | null = null;
  core.submit((ctx) => {
    saved = ctx;
    ctx.charge("app", 10);
  });
  sched.runUntilIdle();
  assert.throws(() => saved!.charge("app", 1), /outside its work item/);
  assert.throws(() => core.submit((ctx) => ctx.charge("app", -1)), RangeError);
});

Deno.test("Core: chargeIndex accounts like charge and rejects bad indices", () => {
  const { sched, cores: [a, b] } = setup(2);
  const items: [string, number][] = [["app", 100], ["nic", 30], ["app", 5], ["copy", 7]];
  for (const [c, n] of items) {
    a.submit((ctx) => ctx.charge(c as never, n));
    b.submit((ctx: CoreContext) => ctx.chargeIndex(categoryIndex(c), n));
  }
  sched.runUntilIdle();
  assert.deepEqual(b.breakdown(), a.breakdown());
  assert.equal(b.cyclesIn("app"), 105);
  for (const k of [-1, CATEGORIES.length, 1.5, NaN]) {
    const { cores: [c] } = setup(); // an item that throws leaves its core stuck
    assert.throws(() => c.submit((ctx: CoreContext) => ctx.chargeIndex(k, 1)), RangeError);
  }
});

Deno.test("Core: a running item is accounted pro rata; resetStats splits it between windows", () => {
  const { sched, cores: [core] } = setup();
  core.submit((ctx) => {
    ctx.charge("app", 600);
    ctx.charge("tcp-tx", 400);
  });
  sched.runUntil(400 * NS);
  assert.equal(core.busy, true);
  assert.equal(core.busyTimeAt(), 400 * NS);
  assert.equal(core.utilisation(), 1);
  assert.equal(core.timeIn("app"), 240 * NS);
  assert.equal(core.timeIn("tcp-tx"), 160 * NS);
  core.resetStats();
  sched.runUntil(2000 * NS);
  assert.equal(core.busyTimeAt(), 600 * NS);
  assert.equal(core.utilisation(), 600 / 1600);
  assert.equal(core.timeIn("app"), 360 * NS);
  assert.equal(core.timeIn("tcp-tx"), 240 * NS);
  assert.equal(core.breakdown().idle, 1000 * NS);
  assert.equal(core.itemsRun, 1);
});

Deno.test("Core: spin in progress counts as lock-spin before the grant", () => {
  const { sched, cores: [a, b] } = setup(2);
  const lock = new Lock("l");
  a.submit((ctx) => (ctx.acquire(lock), ctx.charge("app", 1000), ctx.release(lock)));
  b.submit((ctx) => (ctx.acquire(lock), ctx.charge("app", 1000), ctx.release(lock)));
  sched.runUntil(300 * NS);
  assert.equal(b.spinningOnLock, true);
  assert.equal(b.timeIn("lock-spin"), 300 * NS);
  assert.equal(b.timeIn("app"), 0);
  assert.equal(b.utilisation(), 1);
});

Deno.test("Poller: one pass per wake-up, re-armed by wakes during a pass", () => {
  const { sched, cores: [core] } = setup();
  const ring: number[] = [];
  const handled: [number, Time][] = [];
  const poller = new Poller(core, (ctx, r: number[]) => {
    while (r.length > 0) {
      handled.push([r.shift()!, sched.now]);
      ctx.charge("nic", 100);
    }
  }, ring);
  ring.push(1);
  assert.equal(poller.wake(), true); // runs at once: core idle
  ring.push(2);
  assert.equal(poller.wake(), true); // queued behind the first pass
  assert.equal(poller.wake(), false); // already pending
  assert.equal(poller.pending, true);
  sched.at(150 * NS, () => (ring.push(3), poller.wake()));
  sched.runUntilIdle();
  assert.deepEqual(handled, [[1, 0], [2, 100 * NS], [3, 200 * NS]]);
  assert.equal(poller.passes, 3);
  assert.equal(poller.pending, false);
});

Deno.test("Core: onIdle hook and submitIfIdle", () => {
  const { sched, cores: [core] } = setup();
  const idleAt: Time[] = [];
  let refills = 2;
  core.onIdle = (c, now) => {
    idleAt.push(now);
    if (refills-- > 0) c.submit((ctx) => ctx.charge("app", 10));
  };
  assert.equal(core.submitIfIdle((ctx) => ctx.charge("app", 10)), true);
  assert.equal(core.submitIfIdle((ctx) => ctx.charge("app", 10)), false);
  sched.runUntilIdle();
  assert.deepEqual(idleAt, [10 * NS, 20 * NS, 30 * NS]);
  assert.equal(core.itemsRun, 3);
  assert.equal(core.idle, true);
});

/** Random cores, items and locks; returns a log of observable events. */
function randomRun(seed: number): { log: string[]; sched: Scheduler; cores: Core[] } {
  const { sched, cores } = setup(6, new Clock(1_200_000_000));
  const rng = new Rng(seed, "executor-stress");
  const locks = [new Lock("l0"), new Lock("l1"), new Lock("l2")];
  const log: string[] = [];
  const holders = new Map<Lock, number>();
  for (let i = 0; i < 400; i++) {
    const core = cores[rng.int(cores.length)];
    const at = rng.int(50_000) * NS;
    const nLocks = rng.int(3);
    const chosen = rng.shuffle([...locks]).slice(0, nLocks).sort((x, y) =>
      x.name < y.name ? -1 : 1
    ); // global order: no deadlock
    const pre = rng.range(1, 500), hold = rng.range(1, 500), post = rng.range(0, 200);
    sched.at(at, () =>
      core.submit((ctx) => {
        ctx.charge("tcp-rx", pre);
        for (const l of chosen) {
          ctx.acquire(l);
          ctx.then((t) => {
            assert.equal(holders.has(l), false, "lock held twice");
            holders.set(l, core.id);
            log.push(`${t} c${core.id} +${l.name}`);
          });
        }
        ctx.charge("app", hold);
        for (const l of [...chosen].reverse()) {
          ctx.then(() => holders.delete(l));
          ctx.release(l);
        }
        ctx.charge("tcp-tx", post);
        ctx.then((t) => log.push(`${t} c${core.id} done ${i}`));
      }));
  }
  sched.runUntilIdle();
  sched.runUntil(sched.now + US);
  return { log, sched, cores };
}

Deno.test("Core: randomized contention is deterministic and keeps accounting consistent", () => {
  const r1 = randomRun(1), r2 = randomRun(1), r3 = randomRun(2);
  assert.deepEqual(r1.log, r2.log);
  assert.notDeepEqual(r1.log, r3.log);
  assert.equal(r1.log.filter((l) => l.includes("done")).length, 400);
  let spin = 0;
  for (const c of r1.cores) {
    const b = c.breakdown();
    const total = Object.values(b).reduce((x, y) => x + y, 0);
    assert.ok(Math.abs(total - r1.sched.now) <= 1, `${c.name} breakdown sums to ${total}`);
    // Busy time agrees with the category sum up to per-item cycle rounding.
    assert.ok(Math.abs(c.busyTimeAt() - (r1.sched.now - b.idle)) <= c.itemsRun);
    spin += b["lock-spin"];
  }
  assert.ok(spin > 0, "the scenario should contend");
});

Deno.test("executor: a guest context holding a lock handle; a fault's release frees the lock for other cores", () => {
  const sched = new Scheduler();
  const clock = new Clock(1e9);
  const a = new Core(sched, clock, 0), b = new Core(sched, clock, 1);
  const table = new LockTable();
  const h = table.handle("l");
  assert.equal(table.handle("l"), h);
  const lock = table.get("l");
  let released = -1;
  a.submit((ctx: CoreContext) => {
    const g = new GuestContext(ctx, (e) => {
      throw e;
    });
    assert.equal(contextCore(g), a);
    assert.equal((g as unknown as { core?: Core }).core, undefined);
    const mark = ctx.heldCount;
    g.acquire(h);
    g.charge("app", 100);
    // The guest "faults" here: the host releases what it still holds.
    released = ctx.releaseAfterFault(mark);
    assert.equal(ctx.heldCount, 0);
  });
  b.submit((ctx: CoreContext) => {
    ctx.charge("app", 10);
    ctx.acquire(h);
    ctx.release(h);
  });
  sched.runUntilIdle();
  assert.equal(released, 1);
  assert.equal(lock.acquisitions, 2);
  assert.equal(lock.faultReleases, 1);
  assert.equal(lock.releases, 2);
  assert.equal(lock.holder, null);
  assert.ok(lock.maxWait > 0, "core b waited for core a's fault release");
});
