/**
 * `deno task live bench`: our servers and the kernel's, side by side, with
 * the same client in the same namespace. wrk loads our webserver (on the TAP)
 * and nginx (on the kernel's address, serving the same page); a closed-loop
 * memcached text-protocol client (ours, below) loads our memcached and the
 * real memcached. Each run lasts `seconds`; a missing server is reported as
 * such. Requests/s and p99 latency come from the clients' own measurements.
 */
import { equal } from "node:assert/strict";
import { US } from "../core/time.ts";
import { LatencyHistogram } from "../core/stats.ts";
import { defaultPort, LIVE_PAGE_BYTES } from "./apps.ts";
import { defaultSite } from "../apps/web/mod.ts";
import type { LiveMode } from "./plan.ts";
import { LiveServer } from "./server.ts";

const OUR_IP = "198.18.0.2";
const PEER_IP = "198.18.0.1";
/** Ports of the kernel-stack servers. */
const NGINX_PORT = 8080;
const KERNEL_MEMCACHED_PORT = 11311;
/** Value size of the memcached load (bench/apps_run.ts's DEFAULT_VALUE_BYTES). */
const VALUE_BYTES = 64;
/** Longest wait for a kernel server to accept connections, ms. */
const SERVER_START_MS = 5000;

export interface BenchRow {
  readonly what: string;
  readonly server: string;
  readonly requestsPerSec: number | null;
  readonly p99Us: number | null;
  readonly note: string;
}

function have(tool: string): boolean {
  try {
    return new Deno.Command("sh", { args: ["-c", `command -v ${tool}`], stdout: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

/** wrk's "Latency" line unit to microseconds. */
function wrkUs(v: string, unit: string): number {
  const x = parseFloat(v);
  return unit === "us" ? x : unit === "ms" ? x * 1000 : unit === "s" ? x * 1e6 : NaN;
}

/** Parses wrk --latency output: requests/s and the 99% line. */
export function parseWrk(out: string): { rps: number; p99Us: number } | null {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const p99 = /^\s*99%\s+([\d.]+)(us|ms|s)\s*$/m.exec(out);
  if (rps === null || p99 === null) return null;
  return { rps: parseFloat(rps[1]), p99Us: wrkUs(p99[1], p99[2]) };
}

async function wrk(
  url: string,
  seconds: number,
  conns: number,
): Promise<{ rps: number; p99Us: number } | string> {
  const r = await new Deno.Command("wrk", {
    args: ["-t", "1", "-c", String(conns), "-d", `${seconds}s`, "--latency", url],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(r.stdout);
  return parseWrk(out) ?? `wrk failed: ${new TextDecoder().decode(r.stderr).trim() || out.trim()}`;
}

async function waitPort(host: string, port: number): Promise<boolean> {
  const deadline = Date.now() + SERVER_START_MS;
  while (Date.now() < deadline) {
    try {
      (await Deno.connect({ hostname: host, port })).close();
      return true;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return false;
}

/**
 * A closed-loop memcached load: `conns` connections each send `get` of one
 * key and wait for the answer, for `seconds`. Returns requests/s and p99 (µs).
 */
export async function memcachedLoad(
  host: string,
  port: number,
  seconds: number,
  conns: number,
): Promise<{ rps: number; p99Us: number }> {
  const enc = new TextEncoder();
  const value = "v".repeat(VALUE_BYTES);
  const setup = await Deno.connect({ hostname: host, port });
  await setup.write(enc.encode(`set key:0 0 0 ${VALUE_BYTES}\r\n${value}\r\n`));
  const buf = new Uint8Array(256);
  equal(new TextDecoder().decode(buf.subarray(0, (await setup.read(buf)) ?? 0)), "STORED\r\n");
  setup.close();
  const lat = new LatencyHistogram();
  const req = enc.encode("get key:0\r\n");
  const end = "END\r\n".length;
  const expect = `VALUE key:0 0 ${VALUE_BYTES}\r\n${value}\r\nEND\r\n`.length;
  const stopAt = performance.now() + seconds * 1000;
  let done = 0;
  const loop = async () => {
    const c = await Deno.connect({ hostname: host, port });
    c.setNoDelay(true);
    const b = new Uint8Array(4096);
    while (performance.now() < stopAt) {
      const t0 = performance.now();
      await c.write(req);
      let got = 0;
      while (got < expect) {
        const n = await c.read(b);
        if (n === null) throw new Error("memcached closed the connection");
        got += n;
      }
      if (got < end) break;
      lat.record(Math.round((performance.now() - t0) * 1000) * US);
      done++;
    }
    c.close();
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: conns }, loop));
  const span = (performance.now() - t0) / 1000;
  return { rps: done / span, p99Us: lat.summary().p99 / US };
}

async function withOurs<T>(
  app: "web" | "memcached",
  mode: LiveMode,
  fn: () => Promise<T>,
): Promise<T> {
  const server = await LiveServer.start({
    tap: "dlbench0",
    ip: OUR_IP,
    prefixLen: 24,
    peerIp: PEER_IP,
    mode,
    netWorkers: 1,
    appWorkers: 1,
    app: { name: app, port: defaultPort(app) },
    pcap: false,
  });
  try {
    return await fn();
  } finally {
    await server.stop();
  }
}

async function withProcess<T>(
  cmd: string,
  args: string[],
  port: number,
  fn: () => Promise<T>,
): Promise<T | string> {
  const child = new Deno.Command(cmd, { args, stdout: "null", stderr: "piped" }).spawn();
  try {
    if (!(await waitPort(PEER_IP, port))) return `${cmd} did not start`;
    return await fn();
  } finally {
    try {
      child.kill("SIGTERM");
    } catch { /* gone */ }
    await child.output();
  }
}

function row(what: string, server: string, r: { rps: number; p99Us: number } | string): BenchRow {
  return typeof r === "string"
    ? { what, server, requestsPerSec: null, p99Us: null, note: r }
    : { what, server, requestsPerSec: r.rps, p99Us: r.p99Us, note: "" };
}

/** Runs every comparison the installed tools allow (inside the live namespace). */
export async function benchRows(
  seconds: number,
  conns: number,
  mode: LiveMode,
): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  // The kernel's address lives on the TAP our server creates, so the kernel
  // servers run while ours is up (idle).
  const dir = await Deno.makeTempDir({ prefix: "dlibos-live-bench-" });
  try {
    const page = defaultSite(LIVE_PAGE_BYTES).get("/index.html") as Uint8Array;
    await Deno.writeFile(`${dir}/index.html`, page);
    await withOurs("web", mode, async () => {
      if (!have("wrk")) {
        rows.push(row("http GET 1 KiB", `dlibos live (${mode})`, "wrk not installed"));
        return;
      }
      rows.push(
        row(
          "http GET 1 KiB",
          `ours (${mode})`,
          await wrk(`http://${OUR_IP}/index.html`, seconds, conns),
        ),
      );
      if (!have("nginx")) {
        rows.push(row("http GET 1 KiB", "nginx (kernel)", "nginx not installed"));
        return;
      }
      // "user root root": the namespace maps only our uid (as 0), so nginx's default
      // user nobody does not exist there.
      const conf = `${dir}/nginx.conf`;
      await Deno.writeTextFile(
        conf,
        `user root root; daemon off; master_process off; worker_processes 1; pid ${dir}/nginx.pid;
error_log stderr error;
events { worker_connections 1024; }
http { access_log off; client_body_temp_path ${dir}; proxy_temp_path ${dir};
  fastcgi_temp_path ${dir}; uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
  server { listen ${PEER_IP}:${NGINX_PORT}; root ${dir}; } }
`,
      );
      rows.push(row(
        "http GET 1 KiB",
        "nginx (kernel)",
        await withProcess(
          "nginx",
          ["-c", conf, "-p", dir],
          NGINX_PORT,
          () => wrk(`http://${PEER_IP}:${NGINX_PORT}/index.html`, seconds, conns),
        ),
      ));
    });
    await withOurs("memcached", mode, async () => {
      rows.push(
        row(
          "memcached get 64 B",
          `ours (${mode})`,
          await memcachedLoad(OUR_IP, defaultPort("memcached"), seconds, conns),
        ),
      );
      if (!have("memcached")) {
        rows.push(row("memcached get 64 B", "memcached (kernel)", "memcached not installed"));
        return;
      }
      rows.push(row(
        "memcached get 64 B",
        "memcached (kernel)",
        await withProcess(
          "memcached",
          ["-u", "root", "-l", PEER_IP, "-p", String(KERNEL_MEMCACHED_PORT), "-U", "0", "-t", "1"],
          KERNEL_MEMCACHED_PORT,
          () => memcachedLoad(PEER_IP, KERNEL_MEMCACHED_PORT, seconds, conns),
        ),
      ));
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  return rows;
}

/** The rows as an aligned table. */
export function formatRows(rows: readonly BenchRow[]): string {
  const head = ["load", "server", "requests/s", "p99 (us)", ""];
  const cells = rows.map((r) => [
    r.what,
    r.server,
    r.requestsPerSec === null ? "-" : r.requestsPerSec.toFixed(0),
    r.p99Us === null ? "-" : r.p99Us.toFixed(0),
    r.note,
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  return [head, ...cells].map((c) =>
    c.map((x, i) => (i >= 2 && i < 4 ? x.padStart(w[i]) : x.padEnd(w[i]))).join("  ").trimEnd()
  ).join("\n");
}

/** The `bench` subcommand. */
export async function runBench(seconds: number, conns: number, mode: LiveMode): Promise<number> {
  console.log(`live bench: ${seconds} s per run, ${conns} connections, one client, one namespace`);
  console.log(formatRows(await benchRows(seconds, conns, mode)));
  return 0;
}
