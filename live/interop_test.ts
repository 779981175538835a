/**
 * Interop with real peers: the kernel's TCP/IP stack, ping, curl, wrk,
 * tshark and Deno's own sockets talk to our stack through a TAP device.
 *
 * Everything runs inside a network namespace this test creates: started
 * normally, the file re-executes itself under `unshare -rn` (live/netns.ts)
 * and passes when the inner run passes. Skipped, with the reason, when
 * /dev/net/tun or unprivileged namespaces are missing. Optional tools (ping,
 * wrk, tshark) are used when installed. Every server stops by itself.
 */
import { equal, ok } from "node:assert/strict";
import { MS } from "../core/time.ts";
import { type AppSpec, bigPage, defaultPort, type LiveAppName } from "./apps.ts";
import { inLiveNamespace, liveUnavailable, NETNS_ENV } from "./netns.ts";
import type { LiveFaults, LiveMode } from "./plan.ts";
import { LiveServer, type LiveSummary, total } from "./server.ts";

const OUR_IP = "198.18.0.2";
const PEER_IP = "198.18.0.1";
/** Bound on the whole inner run (it takes a few seconds). */
const INNER_TIMEOUT_MS = 180_000;
/** Bound on one client operation. */
const CLIENT_TIMEOUT_MS = 20_000;

function have(tool: string): boolean {
  try {
    return new Deno.Command("sh", { args: ["-c", `command -v ${tool}`], stdout: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

/** Runs a client; `out` is its standard output, `err` its standard error. */
async function sh(
  cmd: string,
  args: string[],
): Promise<{ code: number; out: string; err: string }> {
  const r = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout), err: dec.decode(r.stderr) };
}

let tapSeq = 0;

async function withServer(
  name: LiveAppName,
  mode: LiveMode,
  workers: { net: number; app: number },
  body: (server: LiveServer) => Promise<void>,
  extra: { faults?: LiveFaults; pcap?: boolean } = {},
): Promise<LiveSummary> {
  const app: AppSpec = { name, port: defaultPort(name) };
  const server = await LiveServer.start({
    tap: `dlt${tapSeq++}`,
    ip: OUR_IP,
    prefixLen: 24,
    peerIp: PEER_IP,
    mode,
    netWorkers: workers.net,
    appWorkers: workers.app,
    app,
    pcap: extra.pcap ?? false,
    faults: extra.faults ?? null,
  });
  try {
    await Promise.race([
      body(server),
      server.failed.then((e) => Promise.reject(new Error(e))),
    ]);
  } finally {
    const s = await server.stop();
    equal(s.errors.length, 0, s.errors.join("\n"));
    summaries.push(s);
  }
  return summaries[summaries.length - 1];
}
const summaries: LiveSummary[] = [];

function withTimeout<T>(p: Promise<T>, what: string, ms = CLIENT_TIMEOUT_MS): Promise<T> {
  let id: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(id)),
    new Promise<T>((_, rej) => {
      id = setTimeout(() => rej(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]);
}

/** Writes `data` and reads exactly `data.length` bytes back, concurrently. */
async function echoTransfer(data: Uint8Array, port: number): Promise<Uint8Array> {
  const conn = await Deno.connect({ hostname: OUR_IP, port });
  const got = new Uint8Array(data.length);
  const reader = (async () => {
    let n = 0;
    const buf = new Uint8Array(65536);
    while (n < got.length) {
      const r = await conn.read(buf);
      if (r === null) break;
      got.set(buf.subarray(0, Math.min(r, got.length - n)), n);
      n += r;
    }
    return n;
  })();
  for (let o = 0; o < data.length;) o += await conn.write(data.subarray(o, o + 65536));
  const n = await reader;
  conn.close();
  equal(n, data.length);
  return got;
}

function pattern(len: number, seed: number): Uint8Array {
  const b = new Uint8Array(len);
  let x = seed;
  for (let i = 0; i < len; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** One memcached text-protocol exchange over a kernel socket: sends `req`, reads until `end`. */
async function mcExchange(conn: Deno.Conn, req: string, end: string): Promise<string> {
  await conn.write(new TextEncoder().encode(req));
  let text = "";
  const buf = new Uint8Array(4096);
  while (!text.endsWith(end)) {
    const n = await conn.read(buf);
    if (n === null) break;
    text += new TextDecoder().decode(buf.subarray(0, n));
  }
  return text;
}

/** Both hosting modes live mode offers: curl, wrk, memcached and faulty transfers run in each. */
const LIVE_TEST_MODES = ["rtc", "dlibos"] as const;

if (!inLiveNamespace()) {
  const why = liveUnavailable();
  Deno.test({
    name: `live interop (inside unshare -rn)${why === null ? "" : ` skipped: ${why}`}`,
    ignore: why !== null,
    fn: async () => {
      const child = new Deno.Command("unshare", {
        args: [
          "-rn",
          "--",
          Deno.execPath(),
          "test",
          "-A",
          "--quiet",
          new URL(import.meta.url).pathname,
        ],
        env: { [NETNS_ENV]: "1" },
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const timer = setTimeout(() => child.kill("SIGKILL"), INNER_TIMEOUT_MS);
      const r = await child.output();
      clearTimeout(timer);
      const dec = new TextDecoder();
      const text = dec.decode(r.stdout) + dec.decode(r.stderr);
      ok(r.success, `inner run failed:\n${text}`);
    },
  });
} else {
  for (const mode of LIVE_TEST_MODES) {
    Deno.test(`live: ping, curl GETs, keep-alive, parallel connections, wrk, tshark (web, ${mode})`, async () => {
      const pcapPath = await Deno.makeTempFile({ suffix: ".pcap" });
      const s = await withServer("web", mode, { net: 1, app: 1 }, async () => {
        if (have("ping")) {
          const p = await sh("ping", ["-c", "3", "-i", "0.2", "-W", "2", OUR_IP]);
          ok(p.out.includes("3 received"), p.out);
        }
        const get = await sh("curl", ["-s", "-m", "5", `http://${OUR_IP}/index.html`]);
        equal(get.code, 0);
        ok(get.out.startsWith("<!DOCTYPE html>"), get.out);
        // Two requests on one connection: curl reuses it (num_connects 0 on the second).
        const ka = await sh("curl", [
          "-s",
          "-m",
          "5",
          "-o",
          "/dev/null",
          "-o",
          "/dev/null",
          "-w",
          "%{http_code}:%{num_connects} ",
          `http://${OUR_IP}/index.html`,
          `http://${OUR_IP}/index.html`,
        ]);
        equal(ka.out.trim(), "200:1 200:0");
        const big = await new Deno.Command("curl", {
          args: ["-s", "-m", "10", `http://${OUR_IP}/big.bin`],
          stdout: "piped",
        }).output();
        ok(sameBytes(big.stdout, bigPage()), "big.bin differs");
        const par = await Promise.all(
          [0, 1, 2, 3, 4, 5].map(() =>
            sh("curl", [
              "-s",
              "-m",
              "5",
              "-o",
              "/dev/null",
              "-w",
              "%{http_code}",
              `http://${OUR_IP}/`,
            ])
          ),
        );
        for (const p of par) equal(p.out, "200");
        const missing = await sh("curl", [
          "-s",
          "-o",
          "/dev/null",
          "-w",
          "%{http_code}",
          `http://${OUR_IP}/nope`,
        ]);
        equal(missing.out, "404");
        if (have("wrk")) {
          const w = await sh("wrk", [
            "-t",
            "1",
            "-c",
            "4",
            "-d",
            "1s",
            `http://${OUR_IP}/index.html`,
          ]);
          equal(w.code, 0, w.out);
          ok(/Requests\/sec:\s+[1-9]/.test(w.out), w.out);
          ok(!/Socket errors|Non-2xx/.test(w.out), w.out);
        }
      }, { pcap: true });
      equal(total(s, "net", "drops"), total(s, "net", "drop.eth-unknown-type"));
      ok(s.pcap !== null);
      await Deno.writeFile(pcapPath, s.pcap!);
      if (have("tshark")) {
        const t = await sh("tshark", [
          "-r",
          pcapPath,
          "-Y",
          "_ws.malformed || _ws.expert.severity >= error",
        ]);
        equal(t.code, 0, t.err);
        equal(t.out.trim(), "", `malformed or erroneous frames:\n${t.out}`);
        const all = await sh("tshark", ["-r", pcapPath]);
        ok(all.out.includes("HTTP"), all.out.slice(0, 500));
      }
      await Deno.remove(pcapPath);
    });

    Deno.test(`live: memcached text protocol set/get/delete over a kernel socket (${mode})`, async () => {
      await withServer("memcached", mode, { net: 1, app: 1 }, async () => {
        const conn = await Deno.connect({ hostname: OUR_IP, port: 11211 });
        const io = (req: string, end: string) => withTimeout(mcExchange(conn, req, end), req);
        equal(await io("set greeting 5 0 11\r\nhello world\r\n", "\r\n"), "STORED\r\n");
        equal(
          await io("get greeting\r\n", "END\r\n"),
          "VALUE greeting 5 11\r\nhello world\r\nEND\r\n",
        );
        equal(await io("delete greeting\r\n", "\r\n"), "DELETED\r\n");
        equal(await io("get greeting\r\n", "END\r\n"), "END\r\n");
        ok((await io("version\r\n", "\r\n")).startsWith("VERSION "));
        conn.close();
      });
    });
  }

  Deno.test("live: 4 MB each way through echo, byte for byte (dlibos, 2 net + 2 app Workers)", async () => {
    const s = await withServer("echo", "dlibos", { net: 2, app: 2 }, async () => {
      const sent = [pattern(4 << 20, 1), pattern(1 << 20, 2), pattern(1 << 20, 3)];
      const got = await withTimeout(Promise.all(sent.map((d) => echoTransfer(d, 7))), "echo");
      for (let k = 0; k < sent.length; k++) ok(sameBytes(got[k], sent[k]), `stream ${k} differs`);
    });
    ok(total(s, "app", "events") > 0);
  });

  for (const mode of LIVE_TEST_MODES) {
    Deno.test(`live: 2 MB each way with loss, duplication and reordering injected (${mode})`, async () => {
      const faults: LiveFaults = {
        drop: 0.01,
        duplicate: 0.01,
        reorder: 0.02,
        reorderDelay: MS,
        seed: 7,
      };
      const s = await withServer("echo", mode, { net: 1, app: 1 }, async () => {
        const data = pattern(2 << 20, 9);
        const got = await withTimeout(echoTransfer(data, 7), "echo with faults", 60_000);
        ok(sameBytes(got, data), "echoed bytes differ");
      }, { faults });
      ok(total(s, "driver", "faultDropped") > 0);
      ok(total(s, "driver", "faultDuplicated") > 0);
      ok(total(s, "driver", "faultReordered") > 0);
    });
  }
}
