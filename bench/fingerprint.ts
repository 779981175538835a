/**
 * A fingerprint of the simulator's results: NetPIPE in every mode, both
 * variants and both paper layouts (with a hash of the first run's pcap bytes),
 * and the Memcached and webserver closed-loop runs in every mode. Refactors
 * that must keep "results identical" compare this before and after:
 *
 *   deno task fingerprint            # prints one line per part and a total
 *
 * Only simulated figures enter the hash (no wall time, no provenance).
 */
import { runNetpipeExperiment } from "./netpipe_experiment.ts";
import { runAppLoad, SERVER_APPS } from "./apps_run.ts";
import { LAYOUT_PRESETS } from "../stack/host/layout.ts";
import { HOST_MODES } from "../stack/host/node.ts";
import { PcapWriter } from "../stack/pcap.ts";
import { MS, toUs } from "../core/time.ts";
import { type LoadgenResult, runMutilate, runWrk } from "./loadgen.ts";

/** Message sizes of the fingerprint run: small, one MSS, several segments. */
const SIZES = [1, 64, 1460, 4096, 65536];
const REPS = 20;
const WARMUP = 3;
const APP_CONNECTIONS = 24;
const APP_REQUESTS = 20;
/** wrk and mutilate: a small cluster run per mode (4 client hosts, a short window). */
const LOADGEN_CONNECTIONS = 256;
const LOADGEN_THREADS = 16;
const LOADGEN_WINDOW = MS / 2;
const WRK_TIMEOUT_MS = 2000;
const MUTILATE_QPS = 400_000;
const MUTILATE_RECORDS = 1000;
const MUTILATE_UPDATE = 0.0323;

async function sha256(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("")
    .slice(0, 16);
}

/** Computes the fingerprint parts (name -> short hash). */
export async function fingerprint(): Promise<[string, string][]> {
  const parts: [string, string][] = [];
  for (const layout of Object.values(LAYOUT_PRESETS)) {
    const pcap = new PcapWriter();
    const exp = runNetpipeExperiment({
      modes: HOST_MODES,
      variants: ["copy", "nocopy"],
      board: "gx36",
      layout,
      sizes: SIZES,
      reps: REPS,
      warmup: WARMUP,
      seed: 1,
      pcap,
    });
    parts.push([`netpipe ${layout.name}`, await sha256(JSON.stringify(exp.body))]);
    parts.push([`netpipe ${layout.name} events`, String(exp.events)]);
    parts.push([`netpipe ${layout.name} pcap`, await sha256(pcap.toBytes())]);
  }
  for (const app of SERVER_APPS) {
    for (const mode of HOST_MODES) {
      const o = runAppLoad({
        mode,
        app,
        board: "gx36",
        layout: LAYOUT_PRESETS["d12-all"],
        connections: APP_CONNECTIONS,
        requests: APP_REQUESTS,
        seed: 1,
      });
      const summary = JSON.stringify({
        completed: o.completed,
        errors: o.errors,
        rps: o.requestsPerSec,
        p50: toUs(o.latency.p50),
        p99: toUs(o.latency.p99),
        simTime: o.simTime,
        events: o.events,
        first: o.firstResponses.map((r) => r === null ? null : Array.from(r)),
      });
      parts.push([`${app} ${mode}`, await sha256(summary)]);
    }
  }
  for (const mode of HOST_MODES) {
    const common = { mode, board: "gx36", layout: LAYOUT_PRESETS["d12-all"], seed: 1 };
    const w = runWrk({
      ...common,
      connections: LOADGEN_CONNECTIONS,
      threads: LOADGEN_THREADS,
      duration: LOADGEN_WINDOW,
      warmup: LOADGEN_WINDOW / 2,
      timeoutMs: WRK_TIMEOUT_MS,
      latency: false,
    });
    parts.push([`wrk ${mode}`, await sha256(loadgenSummary(w))]);
    const m = runMutilate({
      ...common,
      qps: MUTILATE_QPS,
      connections: LOADGEN_CONNECTIONS / LOADGEN_THREADS,
      threads: LOADGEN_THREADS / 4,
      depth: 1,
      measureConns: 8,
      keySize: "fb_key",
      valueSize: "fb_value",
      interarrival: "fb_ia",
      records: MUTILATE_RECORDS,
      update: MUTILATE_UPDATE,
      duration: LOADGEN_WINDOW,
      warmup: LOADGEN_WINDOW / 2,
    });
    parts.push([`mutilate ${mode}`, await sha256(loadgenSummary(m))]);
  }
  return parts;
}

/** The simulated figures of a load-generator run (no wall time). */
function loadgenSummary(r: LoadgenResult): string {
  return JSON.stringify({
    rps: r.requestsPerSec,
    latency: r.latencyUs,
    bytes: r.transferBytes,
    errors: r.errors,
    misses: r.misses,
    loss: r.loss,
    simTime: r.simTime,
    events: r.events,
  });
}

if (import.meta.main) {
  const parts = await fingerprint();
  for (const [name, hash] of parts) console.log(`${name.padEnd(28)} ${hash}`);
  console.log(`${"total".padEnd(28)} ${await sha256(parts.map((p) => p.join("=")).join("\n"))}`);
}
