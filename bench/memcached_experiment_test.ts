import assert from "node:assert/strict";
import { US } from "../core/time.ts";
import { CATEGORIES } from "../core/work.ts";
import type { JsonObject } from "../report/results.ts";
import type { PointResult, PointSpec } from "./plan.ts";
import { memcachedExperiment as mc } from "./memcached_experiment.ts";

Deno.test("memcached: plan is deterministic, ids unique, searches one point each", () => {
  for (const scale of ["quick", "paper"] as const) {
    const a = mc.plan(scale, [1, 2]);
    assert.deepEqual(a, mc.plan(scale, [1, 2]));
    assert.equal(new Set(a.map((s) => s.id)).size, a.length);
  }
  const ids = mc.plan("paper", [1]).map((s) => s.id);
  assert.ok(ids.includes("search/dlibos/d12-all/99:500/s1"));
  assert.ok(ids.includes("search/linux/36/99:5000/s1"));
  assert.ok(!ids.includes("search/rtc/36/99:5000/s1"));
  const paper = mc.plan("paper", [1])[0].params;
  // 4 hosts x -T 4 x -c 85 + 32 measuring = the paper's 1392 connections.
  assert.equal(
    4 * (paper.threads as number) * (paper.connections as number) +
      (paper.measureConns as number),
    1392,
  );
});

function tiny(id: string): PointSpec {
  const base = mc.plan("quick", [5]).find((s) => s.id === id)!;
  return {
    ...base,
    params: {
      ...base.params,
      threads: 1,
      connections: 2,
      measureConns: 2,
      records: 50,
      warmupPs: 100 * US,
      durationPs: 300 * US,
    },
  };
}

Deno.test("memcached: runPoint is deterministic and its profile adds up per core", () => {
  const spec = tiny("sweep/rtc/36/500000/s5");
  const a = mc.runPoint(spec), b = mc.runPoint(spec);
  assert.equal(JSON.stringify(a.data), JSON.stringify(b.data));
  assert.equal(a.events, b.events);
  assert.ok((a.data.achievedQps as number) > 0);
  const prof = a.data.profile as JsonObject;
  const cores = prof.cores as JsonObject[];
  assert.equal(cores.length, 36);
  for (const c of cores) {
    let sum = c.idle as number;
    for (const k of CATEGORIES) sum += c[k] as number;
    assert.equal(sum, c.window, `core ${c.id}`);
  }
  const t = a.data.throughputJain as number;
  assert.ok(t > 0 && t <= 1);
});

/** A synthetic run's data: SLA QPS per mode, saturation frame waits and spin share. */
function fakeRun(mode: string, qps: number, p99: number, extra: JsonObject = {}): JsonObject {
  const rtc = mode === "rtc";
  return {
    achievedQps: qps,
    p50Us: p99 / 4,
    p99Us: p99,
    drops: 0,
    throughputJain: 1,
    p99Jain: 1,
    steps: [{ targetQps: 0, achievedQps: qps, latencyUs: p99 }],
    profile: {
      summary: { networkShare: 0.3, rxWaitP99Us: rtc ? 40 : 3, rxDrops: 0 },
      bars: [{ role: "all", category: "app", group: "application", us: 1, share: 0.5 }],
      cores: [{ id: 0, role: "all", window: 10, busy: 5, app: 5, idle: 5 }],
      rxWaitCdf: [{ us: 1, fraction: 1 }],
      locks: [],
      kernelSpinShare: mode === "linux" ? 0.24 : 0,
      lockSpinShare: 0,
    },
    ...extra,
  };
}

Deno.test("memcached: assemble builds sweeps, the SLA table, profiles and verdicts", () => {
  const specs = mc.plan("quick", [1]);
  const sla: Record<string, number> = { dlibos: 2.9e6, rtc: 2.0e6, linux: 4e5 };
  const results: PointResult[] = specs.map((s) => {
    const p = s.params;
    const mode = p.mode as string;
    const data = p.kind === "search"
      ? fakeRun(mode, sla[mode], 450, {
        slaQps: sla[mode],
        peakQps: 2 * sla[mode],
        met: mode !== "linux" || p.boundUs === 5000,
      })
      : fakeRun(mode, p.qps as number, (p.qps as number) / 1000);
    return { id: s.id, data, simTime: 1, events: 1, wallSeconds: 0 };
  });
  const body = mc.assemble(specs, results, "quick");
  assert.ok(body.series.some((s) => s.name === "sweep/dlibos/d12-all"));
  assert.ok(body.series.some((s) => s.name === "rxwait/rtc/36@saturation"));
  assert.ok(body.series.some((s) => s.name === "profile/dlibos/d12-all@sla"));
  assert.equal(body.tables?.find((t) => t.name === "sla")?.rows.length, 5);
  const v = Object.fromEntries((body.claims ?? []).map((c) => [c.id, c.verdict]));
  assert.equal(v["memcached-dlibos"], "reproduced"); // 2.9M within 10% of 3.1M
  assert.equal(v["rtc-vs-dlibos-memcached"], "reproduced");
  assert.equal(v["linux-sla"], "reproduced");
  assert.equal(v["kernel-lock-25pct"], "reproduced"); // 24%
  assert.equal(v["fairness"], "reproduced"); // RTC frames wait longer
  assert.equal(v["kernel-memcached-tail"], "contradicted"); // 3 ms worst p99
  sla.dlibos = 2.4e6; // -22.6%: near
  sla.rtc = 3e6;
  const again = mc.assemble(
    specs,
    results.map((r, i) => {
      const p = specs[i].params;
      if (p.kind !== "search" || p.mode === "linux") return r;
      const q = sla[p.mode as string];
      return { ...r, data: { ...r.data, slaQps: q } };
    }),
    "quick",
  );
  const w = Object.fromEntries((again.claims ?? []).map((c) => [c.id, c.verdict]));
  assert.equal(w["memcached-dlibos"], "near");
  assert.equal(w["rtc-vs-dlibos-memcached"], "contradicted");
});
