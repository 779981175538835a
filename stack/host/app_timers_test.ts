/**
 * Application timers (SocketApi.timer / App.onTimer) in every hosting mode:
 * they fire at the asked time (never before; later only by the core's
 * queueing), in (time, order asked) order, with their tag, on the core that
 * asked, and cost what docs/HOSTING.md says.
 */
import assert from "node:assert/strict";
import { contextCore, type CoreContext } from "../../core/executor.ts";
import { Scheduler } from "../../core/scheduler.ts";
import { type Time, US } from "../../core/time.ts";
import type { WorkContext } from "../../core/work.ts";
import { GX36 } from "../../hw/board.ts";
import { LINUX_TILEGX_COSTS } from "../../hw/costs/linux.ts";
import type { App, SocketApi } from "../socket.ts";
import type { SocketEvent } from "../events.ts";
import { AppTimers } from "./app_timers.ts";
import type { Layout } from "./layout.ts";
import type { LinuxNode } from "./linux/mod.ts";
import { HOST_MODES, type HostedNode, type HostMode } from "./node.ts";
import { buildNode, testbedAddress } from "./testbed.ts";

/** Two application cores in every mode. */
const LAYOUTS: Record<HostMode, Layout> = {
  dlibos: { name: "1:2", net: 1, app: 2, policy: "all" },
  rtc: { name: "1:1", net: 1, app: 1, policy: "all" },
  linux: { name: "1:1", net: 1, app: 1, policy: "all" },
};

interface Fired {
  readonly t: Time;
  readonly tag: number;
  readonly core: string;
  readonly api: SocketApi;
}

/** Asks for the timers `plan(core)` gives on each core at start; records every expiry. */
class TimerApp implements App {
  readonly fired: Fired[] = [];
  readonly apis: SocketApi[] = [];
  readonly cores: string[] = [];
  private started = 0;

  constructor(
    private readonly now: () => Time,
    private readonly plan: (core: number) => readonly [Time, number][],
    private readonly busyCycles = 0,
    private readonly onFire?: (api: SocketApi, tag: number) => void,
  ) {}

  start(ctx: WorkContext, api: SocketApi): void {
    const k = this.started++;
    this.apis.push(api);
    this.cores.push(contextCore(ctx)!.name);
    if (this.busyCycles > 0) ctx.charge("app", this.busyCycles);
    for (const [at, tag] of this.plan(k)) api.timer(at, tag);
  }

  onEvent(_ctx: WorkContext, _api: SocketApi, _stack: number, _ev: SocketEvent): void {}

  onTimer(ctx: WorkContext, api: SocketApi, tag: number): void {
    this.fired.push({ t: this.now(), tag, core: contextCore(ctx)!.name, api });
    this.onFire?.(api, tag);
  }
}

function node(mode: HostMode, make: (now: () => Time) => TimerApp): {
  sched: Scheduler;
  node: HostedNode;
  app: TimerApp;
} {
  const sched = new Scheduler();
  let app: TimerApp | null = null;
  const n = buildNode(
    sched,
    {
      name: "n",
      mode,
      board: GX36,
      layout: LAYOUTS[mode],
      rxBuffers: 64,
      txBytes: 4096,
      app: (_tx, env) => (app = make(env.now)),
    },
    testbedAddress(1, 2),
    1,
  );
  n.start();
  return { sched, node: n, app: app! };
}

for (const mode of HOST_MODES) {
  Deno.test(`timers (${mode}): fire at their time, in order, with their tag, on the asking core`, () => {
    const plan = (k: number): [Time, number][] =>
      k === 0
        ? [[30 * US, 3], [10 * US, 1], [20 * US, 2], [20 * US, 22], [0, 0], [-5 * US, -1]]
        : [[15 * US, 100]];
    const { sched, app } = node(mode, (now) => new TimerApp(now, plan));
    sched.runUntil(1000 * US);
    const mine = app.fired.filter((f) => f.core === app.cores[0]);
    // A past time fires at once (in a new item, after start's); equal times in asking order.
    assert.deepEqual(mine.map((f) => f.tag), [-1, 0, 1, 2, 22, 3]);
    assert.deepEqual(mine.map((f) => f.t), [0, 0, 10 * US, 20 * US, 20 * US, 30 * US]);
    for (const f of mine) assert.equal(f.api, app.apis[0], "the asking core's api");
    const other = app.fired.filter((f) => f.core === app.cores[1]);
    assert.deepEqual(other.map((f) => [f.t, f.tag]), [[15 * US, 100]]);
    assert.equal(other[0].api, app.apis[1]);
  });

  Deno.test(`timers (${mode}): a busy core fires late by its queueing only; re-asking works`, () => {
    const busyUs = 50;
    // A chain: every expiry asks again 5 us later until tag 3.
    const { sched, app } = node(mode, (now) =>
      new TimerApp(
        now,
        (k) => (k === 0 ? [[10 * US, 1]] : []),
        busyUs * 1_200, // cycles at 1.2 GHz
        (api, tag) => {
          if (tag < 3) api.timer(now() + 5 * US, tag + 1);
        },
      ));
    sched.runUntil(1000 * US);
    const mine = app.fired.filter((f) => f.core === app.cores[0]);
    // The start item keeps the core busy for 50 us: the 10 us timer waits for it.
    assert.deepEqual(mine.map((f) => [f.t, f.tag]), [
      [busyUs * US, 1],
      [(busyUs + 5) * US, 2],
      [(busyUs + 10) * US, 3],
    ]);
  });

  Deno.test(`timers (${mode}): cost what the mode's docs say`, () => {
    const { sched, node: n, app } = node(
      mode,
      (now) =>
        new TimerApp(now, (k) => (k === 0 ? [[10 * US, 1], [20 * US, 2], [20 * US, 3]] : [])),
    );
    sched.runUntil(100 * US);
    assert.equal(app.fired.length, 3);
    const core = n.appCores.find((c) => c.name === app.cores[0])!;
    const b = core.breakdown();
    let busy = 0;
    for (const [k, v] of Object.entries(b)) if (k !== "idle") busy += v;
    if (mode === "linux") {
      // Two epoll_wait returns (the two 20 us timers share one): syscall + epoll_wait each.
      const c = LINUX_TILEGX_COSTS;
      const ln = n as LinuxNode;
      assert.equal(core.cyclesIn("syscall"), 2 * (c.syscall + c.epoll_wait));
      assert.equal(busy, b.syscall);
      assert.equal(ln.counters.timerReturns, 2);
      assert.equal(ln.counters.contextSwitches, 0);
      assert.equal(ln.counters.wakeupsLocal + ln.counters.wakeupsRemote, 0);
    } else {
      // The core polls: no cost beyond the application's own work (none here).
      assert.equal(busy, 0);
    }
  });
}

Deno.test("AppTimers: a heap of many timers pops in (time, order) order", () => {
  const sched = new Scheduler();
  const ran: number[] = [];
  // A stand-in core: submit runs the item at once.
  const core = {
    submit: (fn: (ctx: CoreContext, a: unknown) => void, a: unknown) =>
      fn(null as unknown as CoreContext, a),
  };
  const timers: AppTimers<null> = new AppTimers<null>(
    sched,
    core as never,
    () => {
      timers.begin();
      while (timers.popDue(sched.now)) ran.push(timers.tag);
      timers.end();
    },
    null,
  );
  const want: [number, number][] = [];
  for (let i = 0; i < 200; i++) {
    const at = ((i * 7919) % 50) * US;
    timers.add(at, i);
    want.push([at, i]);
  }
  want.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  sched.runUntil(100 * US);
  assert.deepEqual(ran, want.map((w) => w[1]));
  assert.equal(timers.pending, 0);
  assert.equal(timers.fired, 200);
});
