/**
 * Starts a live run: opens the TAP, configures the kernel's side, creates the
 * shared regions, rings and doorbells of live/plan.ts, and starts the
 * Workers — one driver, N network Workers, and in DLibOS mode M application
 * Workers (in RTC mode each network Worker runs the app itself). Stopping sets
 * the stop flag, rings every doorbell, collects the Workers' reports and
 * closes the TAP (which removes it).
 */
import { absoluteMs } from "./clock.ts";
import { appMemoryBytes, type AppSpec } from "./apps.ts";
import { configureKernelSide } from "./netns.ts";
import { mergePcaps } from "./pcap_merge.ts";
import {
  type AppStart,
  type DriverStart,
  LISTENING,
  type LiveFaults,
  type LiveMode,
  MSG_RING_WORDS,
  type NetStart,
  RX_SLOT_BYTES,
  RX_SLOTS,
  STOP,
  type WorkerCommon,
  type WorkerReport,
  type WorkerStart,
} from "./plan.ts";
import { Doorbell, SpscRing } from "./spsc_ring.ts";
import { TapFd } from "./tap.ts";
import { parseIp } from "../stack/wire/ipv4.ts";

/** Our stack's MAC: locally administered, unicast (IEEE 802 U/L bit set). */
export const LIVE_MAC: readonly number[] = [0x02, 0x00, 0x5e, 0x10, 0x00, 0x02];
/** Words of a driver→stack ring: one 2-word record (+ length word) per slot, a power of two. */
const RX_RING_WORDS = 1 << Math.ceil(Math.log2(RX_SLOTS * 3 + 1));
/** Words of a free-slot ring: one 1-word record (+ length word) per slot. */
const FREE_RING_WORDS = 1 << Math.ceil(Math.log2(RX_SLOTS * 2 + 1));
/** Longest wait for every stack to listen on the app's port, ms. */
const LISTEN_TIMEOUT_MS = 10_000;
/** Poll interval while waiting for the stacks to listen, ms. */
const LISTEN_POLL_MS = 5;
/** Longest wait for a Worker's report after stop, ms. */
const STOP_TIMEOUT_MS = 5000;

export interface LiveOptions {
  readonly tap: string;
  /** Our stack's address and prefix length. */
  readonly ip: string;
  readonly prefixLen: number;
  /** The kernel's address on the TAP. */
  readonly peerIp: string;
  readonly mode: LiveMode;
  readonly netWorkers: number;
  readonly appWorkers: number;
  readonly app: AppSpec;
  readonly pcap: boolean;
  readonly faults?: LiveFaults | null;
  readonly seed?: number;
}

export interface LiveSummary {
  readonly reports: readonly WorkerReport[];
  /** The merged capture when `pcap` was set. */
  readonly pcap: Uint8Array | null;
  readonly errors: readonly string[];
}

export class LiveServer {
  private stopping: Promise<LiveSummary> | null = null;
  /** Resolves with the first Worker error (a Worker that stops by itself). */
  readonly failed: Promise<string>;
  private fail!: (msg: string) => void;

  private constructor(
    private readonly tap: TapFd,
    private readonly workers: Worker[],
    private readonly reports: Promise<WorkerReport>[],
    private readonly control: Int32Array,
    private readonly bells: Doorbell[],
  ) {
    this.failed = new Promise((r) => (this.fail = r));
    for (const p of reports) {
      p.then((rep) => {
        if (rep.error !== undefined) this.fail(`${rep.role} ${rep.index}: ${rep.error}`);
      });
    }
  }

  static async start(o: LiveOptions): Promise<LiveServer> {
    const ip = parseIp(o.ip);
    if (ip === null) throw new Error(`bad address ${o.ip}`);
    const tap = TapFd.open(o.tap);
    try {
      await configureKernelSide(tap.name, o.peerIp, o.prefixLen);
    } catch (e) {
      tap.close();
      throw e;
    }
    const nNet = o.netWorkers;
    const nApp = o.mode === "dlibos" ? o.appWorkers : 0;
    const epochMs = absoluteMs();
    const txBytes = appMemoryBytes(o.app, () => 0);
    const common: WorkerCommon = {
      mode: o.mode,
      nNet,
      nApp,
      epochMs,
      control: new SharedArrayBuffer(4 * 4),
      bells: Doorbell.allocate(nNet + nApp),
      regions: {
        rx: range(nNet).map(() => new SharedArrayBuffer(RX_SLOTS * RX_SLOT_BYTES)),
        tx: range(nApp).map(() => new SharedArrayBuffer(Math.max(txBytes, 1))),
      },
      app: o.app,
      pcap: o.pcap,
      tapFd: tap.fd,
      tapName: tap.name,
    };
    const rxRings = range(nNet).map(() => SpscRing.allocate(RX_RING_WORDS));
    const freeRings = range(nNet).map(() => SpscRing.allocate(FREE_RING_WORDS));
    // ev[i][j]: net i -> app j; cmd[j][i]: app j -> net i.
    const ev = range(nNet).map(() => range(nApp).map(() => SpscRing.allocate(MSG_RING_WORDS)));
    const cmd = range(nApp).map(() => range(nNet).map(() => SpscRing.allocate(MSG_RING_WORDS)));
    const starts: WorkerStart[] = [
      {
        ...common,
        role: "driver",
        rxRings,
        freeRings,
        faults: o.faults ?? null,
      } satisfies DriverStart,
      ...range(nNet).map((i) => ({
        ...common,
        role: "net",
        index: i,
        ip,
        prefixLen: o.prefixLen,
        mac: LIVE_MAC,
        seed: o.seed ?? 1,
        rxRing: rxRings[i],
        freeRing: freeRings[i],
        evRings: ev[i],
        cmdRings: cmd.map((row) => row[i]),
      } satisfies NetStart)),
      ...range(nApp).map((j) => ({
        ...common,
        role: "app",
        index: j,
        evRings: ev.map((row) => row[j]),
        cmdRings: cmd[j],
      } satisfies AppStart)),
    ];
    const workers: Worker[] = [];
    const readies: Promise<void>[] = [];
    const reports: Promise<WorkerReport>[] = [];
    for (const s of starts) {
      const w = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
      workers.push(w);
      let ready!: () => void, report!: (r: WorkerReport) => void;
      readies.push(new Promise((r) => (ready = r)));
      reports.push(new Promise((r) => (report = r)));
      w.onmessage = (e) => {
        if (e.data?.ready === true) ready();
        else report(e.data as WorkerReport);
      };
      w.onerror = (e) => {
        e.preventDefault();
        ready();
        report({ role: s.role, index: 0, counters: {}, pcap: null, error: e.message });
      };
      w.postMessage(s);
    }
    await Promise.all(readies);
    const bells = range(nNet + nApp).map((k) => new Doorbell(common.bells, k));
    const control = new Int32Array(common.control);
    const server = new LiveServer(tap, workers, reports, control, bells);
    // Ready when every stack listens on the app's port (or a Worker failed).
    let failed: string | null = null;
    server.failed.then((e) => (failed = e));
    const deadline = Date.now() + LISTEN_TIMEOUT_MS;
    while (Atomics.load(control, LISTENING) < nNet && failed === null && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, LISTEN_POLL_MS));
    }
    if (Atomics.load(control, LISTENING) < nNet) {
      const s = await server.stop();
      throw new Error(
        `live server did not start: ${failed ?? "stacks not listening"}` +
          (s.errors.length > 0 ? ` (${s.errors.join("; ")})` : ""),
      );
    }
    return server;
  }

  /** Stops every Worker, collects their reports and closes the TAP. Idempotent. */
  stop(): Promise<LiveSummary> {
    if (this.stopping === null) this.stopping = this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<LiveSummary> {
    Atomics.store(this.control, STOP, 1);
    for (const b of this.bells) b.ring();
    const timeout = (i: number) =>
      new Promise<WorkerReport>((r) => {
        const id = setTimeout(
          () => r({ role: "net", index: i, counters: {}, pcap: null, error: "no report" }),
          STOP_TIMEOUT_MS,
        );
        this.reports[i].then(() => clearTimeout(id));
      });
    const reports = await Promise.all(this.reports.map((p, i) => Promise.race([p, timeout(i)])));
    for (const w of this.workers) w.terminate();
    this.tap.close();
    const pcaps = reports.map((r) => r.pcap).filter((p): p is Uint8Array => p !== null);
    return {
      reports: reports.map((r) => ({ ...r, pcap: null })),
      pcap: pcaps.length > 0 ? mergePcaps(pcaps) : null,
      errors: reports.filter((r) => r.error !== undefined).map((r) =>
        `${r.role} ${r.index}: ${r.error}`
      ),
    };
  }
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Sums one counter over the reports of a role. */
export function total(s: LiveSummary, role: WorkerReport["role"], key: string): number {
  let n = 0;
  for (const r of s.reports) if (r.role === role) n += r.counters[key] ?? 0;
  return n;
}

/** The reports as text: one line per Worker, non-zero counters only. */
export function formatSummary(s: LiveSummary): string {
  const lines: string[] = [];
  for (const r of s.reports) {
    const kv = Object.entries(r.counters).filter(([, v]) => v !== 0).map(([k, v]) => `${k}=${v}`);
    lines.push(`${r.role}${r.role === "driver" ? "" : ` ${r.index}`}: ${kv.join(" ")}`);
  }
  for (const e of s.errors) lines.push(`error: ${e}`);
  return lines.join("\n");
}
