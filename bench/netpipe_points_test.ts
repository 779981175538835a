/** NetPIPE as points: the same body as runNetpipeExperiment; several seeds give means. */
import assert from "node:assert/strict";
import { makeResults, type ResultsMeta, serializeResults } from "../report/results.ts";
import { parseLayout } from "../stack/host/layout.ts";
import { HOST_MODES } from "../stack/host/node.ts";
import { NETPIPE_EXPERIMENT, netpipeScaleConfig } from "./netpipe_points.ts";
import { runNetpipeExperiment } from "./netpipe_experiment.ts";
import { runPoints } from "./pool.ts";

const META: ResultsMeta = { commit: "test", wallSeconds: 0, deno: "test", date: "test" };

Deno.test("netpipe points: one seed assembles today's runNetpipeExperiment body, byte for byte", () => {
  const specs = NETPIPE_EXPERIMENT.plan("quick", [3]);
  assert.deepEqual(specs.map((s) => s.id), [
    "dlibos/copy/seed3",
    "dlibos/nocopy/seed3",
    "rtc/copy/seed3",
    "rtc/nocopy/seed3",
    "linux/copy/seed3",
    "linux/nocopy/seed3",
  ]);
  const body = NETPIPE_EXPERIMENT.assemble(
    specs,
    specs.map((s) => NETPIPE_EXPERIMENT.runPoint(s)),
    "quick",
  );
  const c = netpipeScaleConfig("quick");
  const today = runNetpipeExperiment({
    modes: HOST_MODES,
    variants: ["copy", "nocopy"],
    board: c.board,
    layout: parseLayout(c.layout),
    sizes: c.sizes,
    reps: c.reps,
    warmup: c.warmup,
    seed: 3,
  }).body;
  const text = (b: typeof body) => serializeResults(makeResults(b, META), { withMeta: false });
  assert.equal(text(body), text(today));
});

Deno.test("netpipe points: the Worker pool gives the same results with 1 and 2 jobs", async () => {
  const specs = NETPIPE_EXPERIMENT.plan("quick", [1, 2]).filter((s) => s.id.startsWith("rtc/"));
  const one = await runPoints(specs, { jobs: 1 });
  let ticks = 0;
  const two = await runPoints(specs, {
    jobs: 2,
    onProgress: (done, total) => {
      ticks++;
      assert.equal(total, specs.length);
      assert.ok(done <= total);
    },
  });
  assert.equal(ticks, specs.length);
  assert.deepEqual(two.map((r) => r.id), specs.map((s) => s.id), "plan order");
  assert.deepEqual(two.map((r) => r.data), one.map((r) => r.data));
});

Deno.test("netpipe points: several seeds give means with a 95% interval", () => {
  const specs = NETPIPE_EXPERIMENT.plan("quick", [1, 2, 3]).filter((s) =>
    s.id.startsWith("dlibos/nocopy/") || s.id.startsWith("linux/nocopy/")
  );
  const results = specs.map((s) => NETPIPE_EXPERIMENT.runPoint(s));
  const body = NETPIPE_EXPERIMENT.assemble(specs, results, "quick");
  assert.deepEqual(body.config.seeds, [1, 2, 3]);
  assert.equal(body.config.seed, undefined);
  assert.deepEqual(body.series.map((s) => s.name), [
    "dlibos/nocopy",
    "linux/nocopy",
    "profile/dlibos/nocopy",
    "profile/linux/nocopy",
  ]);
  for (const s of body.series) {
    for (const p of s.points) {
      for (const f of ["oneWayLatencyUs", "nsPerExchange"].filter((f) => f in p)) {
        const [v, lo, hi] = [p[f], p[f + "Lo"], p[f + "Hi"]] as number[];
        assert.ok(lo <= v && v <= hi, `${s.name}: ${lo} <= ${v} <= ${hi}`);
      }
    }
  }
  // The mean is the mean of the single-seed figures.
  const at64 = (b: typeof body, name: string) =>
    b.series.find((s) => s.name === name)!.points.find((p) => p.bytes === 64)!
      .oneWayLatencyUs as number;
  const single = [0, 1, 2].map((k) =>
    at64(NETPIPE_EXPERIMENT.assemble([specs[k]], [results[k]], "quick"), "dlibos/nocopy")
  );
  assert.ok(Math.abs(at64(body, "dlibos/nocopy") - (single[0] + single[1] + single[2]) / 3) < 1e-9);
  assert.equal(body.claims?.length, 2);
  assert.match(body.claims![0].note, /mean over 3 seeds/);
});
