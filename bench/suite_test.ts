/** The bench suites' scale and report (the cases themselves run under `deno bench`). */
import assert from "node:assert/strict";
import { writeResults } from "../report/results.ts";
import { NETPIPE_EXPERIMENT } from "./netpipe_points.ts";
import { experimentResults } from "./runs.ts";
import { SCALE_ENV, suiteScale, writeBenchReport } from "./suite.ts";

Deno.test("suite: DLIBOS_SCALE picks the scale, quick by default, a bad value is refused", () => {
  const before = Deno.env.get(SCALE_ENV);
  try {
    Deno.env.delete(SCALE_ENV);
    assert.equal(suiteScale(), "quick");
    Deno.env.set(SCALE_ENV, "paper");
    assert.equal(suiteScale(), "paper");
    Deno.env.set(SCALE_ENV, "huge");
    assert.throws(() => suiteScale(), /DLIBOS_SCALE=huge: expected one of quick, paper/);
  } finally {
    if (before === undefined) Deno.env.delete(SCALE_ENV);
    else Deno.env.set(SCALE_ENV, before);
  }
});

Deno.test("suite: the report shows each point's speed and the experiment's charts", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "dlibos-suite-" });
  try {
    const specs = NETPIPE_EXPERIMENT.plan("quick", [1]).filter((s) => s.id.startsWith("rtc/"));
    const results = specs.map((s) => NETPIPE_EXPERIMENT.runPoint(s));
    const r = await experimentResults(
      { experiment: NETPIPE_EXPERIMENT, specs, results },
      "quick",
      [1],
    );
    assert.deepEqual(r.meta.speed?.map((p) => [p.id, p.unit]), [
      ["rtc/copy/seed1", "round trips"],
      ["rtc/nocopy/seed1", "round trips"],
    ]);
    await writeResults(`${tmp}/results/netpipe.json`, r);
    await writeBenchReport(tmp, "quick");
    const html = await Deno.readTextFile(`${tmp}/index.html`);
    assert.match(html, /netpipe: simulator speed/);
    assert.match(html, /rtc\/nocopy\/seed1/);
    assert.match(html, /round trips per wall-second/);
    assert.match(html, /NetPIPE one-way latency/);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
