import assert from "node:assert/strict";
import { US } from "../core/time.ts";
import type { PointResult, PointSpec } from "./plan.ts";
import { WEB_SMALLEST_PAGE, webserverExperiment as web } from "./webserver_experiment.ts";
import { linkLimitPerSec, wireBytesOfPayload } from "./point_support.ts";

Deno.test("webserver: plan is deterministic, ids unique, one point per configuration and seed", () => {
  for (const scale of ["quick", "paper"] as const) {
    const a = web.plan(scale, [1, 2]);
    assert.deepEqual(a, web.plan(scale, [1, 2]));
    assert.equal(new Set(a.map((s) => s.id)).size, a.length);
    assert.ok(a.every((s) => s.experiment === "webserver"));
    assert.equal(a.filter((s) => s.seed === 1).length, a.length / 2);
  }
  const ids = web.plan("paper", [1]).map((s) => s.id);
  assert.ok(ids.includes("size/dlibos/d12-all/64B/s1"));
  assert.ok(ids.includes("cores/rtc/12:24/s1"));
});

Deno.test("webserver: the link limit counts framing per MSS segment", () => {
  // 168 B response: one frame of 168 + 54 headers + 4 FCS + 8 preamble + 12 gap.
  assert.equal(wireBytesOfPayload(168), 168 + 78);
  assert.equal(wireBytesOfPayload(1461), 1461 + 2 * 78);
  assert.equal(linkLimitPerSec(168, 4), 40e9 / (8 * 246));
});

Deno.test("webserver: runPoint on a tiny point gives identical data for the same spec", () => {
  const base = web.plan("quick", [3]).find((s) => s.id === "size/dlibos/d12-all/64B/s3")!;
  const spec: PointSpec = {
    ...base,
    params: { ...base.params, connections: 8, threads: 4, warmupPs: 50 * US, durationPs: 100 * US },
  };
  const a = web.runPoint(spec), b = web.runPoint(spec);
  assert.equal(a.id, spec.id);
  assert.equal(JSON.stringify(a.data), JSON.stringify(b.data));
  assert.equal(a.simTime, b.simTime);
  assert.equal(a.events, b.events);
  assert.ok((a.data.requestsPerSec as number) > 0);
});

function synthetic(
  specs: readonly PointSpec[],
  dlibosRate: number,
  rtcRate: number,
): PointResult[] {
  return specs.map((s) => {
    const p = s.params;
    const rate = p.mode === "rtc" ? rtcRate : p.mode === "dlibos" ? dlibosRate : 1e6;
    const small = p.pageBytes === WEB_SMALLEST_PAGE;
    return {
      id: s.id,
      data: {
        requestsPerSec: small ? rate : rate / 10,
        gbps: 1,
        serverTxGbps: 1,
        responseBytes: (p.pageBytes as number) + 104,
        p50Us: 10,
        p99Us: 20,
        errors: 0,
        drops: 0,
      },
      simTime: 1,
      events: 1,
      wallSeconds: 0,
    };
  });
}

Deno.test("webserver: assemble builds the series and decides the claims from the figures", () => {
  const specs = web.plan("quick", [1]);
  const verdicts = (d: number, r: number) => {
    const body = web.assemble(specs, synthetic(specs, d, r), "quick");
    return Object.fromEntries((body.claims ?? []).map((c) => [c.id, c.verdict]));
  };
  const body = web.assemble(specs, synthetic(specs, 4.0e6, 4.1e6), "quick");
  assert.deepEqual(body.series.map((s) => s.name), [
    "size/dlibos/d12-all",
    "size/dlibos/d12-q",
    "size/rtc/36",
    "size/linux/36",
    "cores/dlibos",
    "cores/rtc",
  ]);
  const pt = body.series[0].points[0];
  assert.equal(pt.pageBytes, WEB_SMALLEST_PAGE);
  assert.equal(pt.linkLimitPerSec, linkLimitPerSec(WEB_SMALLEST_PAGE + 104, 4));
  assert.deepEqual(verdicts(4.0e6, 4.1e6), {
    "webserver-dlibos": "reproduced",
    "rtc-vs-dlibos-web": "reproduced",
    "protection-cost": "reproduced",
  });
  assert.deepEqual(verdicts(3.3e6, 3.0e6), {
    "webserver-dlibos": "near",
    "rtc-vs-dlibos-web": "contradicted",
    "protection-cost": "reproduced",
  });
  assert.deepEqual(verdicts(1e6, 2e6), {
    "webserver-dlibos": "contradicted",
    "rtc-vs-dlibos-web": "reproduced",
    "protection-cost": "contradicted",
  });
});

Deno.test("webserver: seeds of one configuration fold into a mean with an interval", () => {
  const specs = web.plan("quick", [1, 2]);
  const results = synthetic(specs, 4e6, 5e6).map((r, i) => ({
    ...r,
    data: { ...r.data, requestsPerSec: (r.data.requestsPerSec as number) + (i % 2 ? 1e5 : -1e5) },
  }));
  const body = web.assemble(specs, results, "quick");
  const pt = body.series[0].points[0];
  assert.equal(pt.requestsPerSec, 4e6);
  assert.ok((pt.requestsPerSecCi95 as number) > 0);
});
