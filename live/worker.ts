/**
 * Entry point of every live Worker: the first message says which role
 * (driver, network, application) to play; the Worker runs that role's loop
 * until the stop flag is set and posts its {@link WorkerReport}. Loops are
 * synchronous (they sleep with poll(2) or Atomics.wait), so the stop flag and
 * doorbells, not messages, reach a running Worker.
 */
import { AppWorker } from "./app_side.ts";
import { Driver } from "./driver.ts";
import { NetWorker } from "./net.ts";
import type { WorkerReport, WorkerStart } from "./plan.ts";
import { inWorker, workerScope } from "./worker_scope.ts";

function runRole(s: WorkerStart): WorkerReport {
  if (s.role === "driver") return new Driver(s).run();
  if (s.role === "net") return new NetWorker(s).run();
  return new AppWorker(s).run();
}

if (inWorker()) {
  const scope = workerScope();
  scope.onmessage = (e: MessageEvent<WorkerStart>) => {
    const s = e.data;
    const index = s.role === "driver" ? 0 : s.index;
    let report: WorkerReport;
    try {
      scope.postMessage({ ready: true });
      report = runRole(s);
    } catch (err) {
      const msg = err instanceof Error ? `${err.message}\n${err.stack ?? ""}` : String(err);
      report = { role: s.role, index, counters: {}, pcap: null, error: msg };
    }
    scope.postMessage(report);
  };
}
