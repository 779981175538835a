/** Whole NetPIPE experiments: same seed, same bytes, in every mode. */
import assert from "node:assert/strict";
import { makeResults, type ResultsMeta, serializeResults } from "../report/results.ts";
import { parseLayout } from "../stack/host/layout.ts";
import type { HostMode } from "../stack/host/node.ts";
import { runNetpipeExperiment } from "./netpipe_experiment.ts";

const META: ResultsMeta = { commit: "test", wallSeconds: 0, deno: "test", date: "test" };

function netpipeText(modes: readonly HostMode[], seed: number): string {
  const exp = runNetpipeExperiment({
    modes,
    variants: ["nocopy", "copy"],
    board: "gx36",
    layout: parseLayout("2:2"),
    sizes: [1, 64, 1500, 4096],
    reps: 3,
    warmup: 1,
    seed,
  });
  return serializeResults(makeResults(exp.body, META), { withMeta: false });
}

Deno.test("modes: the same seed gives byte-identical NetPIPE results in dlibos and rtc", () => {
  const a = netpipeText(["dlibos", "rtc"], 11);
  const b = netpipeText(["dlibos", "rtc"], 11);
  assert.equal(a, b);
  // Runs do not leak state into each other: each mode alone gives its part of the file.
  const both = JSON.parse(a);
  for (const mode of ["dlibos", "rtc"] as const) {
    const alone = JSON.parse(netpipeText([mode], 11));
    for (const s of alone.series) {
      const twin = both.series.find((x: { name: string }) => x.name === s.name);
      assert.deepEqual(s, twin, `${s.name} alone vs with the other mode`);
    }
  }
  // The comparison is not vacuous: the modes measure different latencies.
  const lat = (name: string) =>
    both.series.find((s: { name: string }) => s.name === name).points.find((
      p: { bytes: number },
    ) => p.bytes === 64).oneWayLatencyUs;
  assert.notEqual(lat("dlibos/nocopy"), lat("rtc/nocopy"));
});
