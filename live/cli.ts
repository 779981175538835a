/**
 * `deno task live web|memcached|echo [options]` serves real clients through
 * a TAP device with our stack, in real time, on Workers; `deno task live
 * bench` compares our servers with the kernel's (live/bench.ts).
 *
 * Started outside its own network namespace, the command re-executes itself
 * under `unshare -rn` (live/netns.ts); every address it configures exists
 * only there. It stops on SIGINT/SIGTERM or after `--duration` seconds and
 * prints every Worker's counters. With `--pcap FILE` it writes what crossed
 * the TAP.
 */
import {
  command,
  dispatch,
  opt,
  parseIntIn,
  type Program,
  runCli,
  UsageError,
} from "../core/cli.ts";
import { parseIp } from "../stack/wire/ipv4.ts";
import { type AppSpec, defaultPort, LIVE_APPS, type LiveAppName } from "./apps.ts";
import { inLiveNamespace, liveUnavailable, reexecInNamespace } from "./netns.ts";
import { LIVE_MODES } from "./plan.ts";
import { formatSummary, LiveServer } from "./server.ts";
import { runBench } from "./bench.ts";

/** Default TAP name. */
export const DEFAULT_TAP = "dlibos0";
/** Our default address: RFC 2544 benchmarking space (198.18.0.0/15). */
export const DEFAULT_IP = "198.18.0.2/24";
export const DEFAULT_PEER_IP = "198.18.0.1";
/** Most Workers of either kind (a small machine runs a handful). */
const MAX_WORKERS = 64;

function parseCidr(raw: string): { ip: string; prefix: number } {
  const [ip, p, extra] = raw.split("/");
  if (extra !== undefined || p === undefined || parseIp(ip) === null) {
    throw new Error(`expected ADDR/PREFIX like ${DEFAULT_IP}, got "${raw}"`);
  }
  return { ip, prefix: parseIntIn(p, 1, 30) };
}

function parseAddr(raw: string): string {
  if (parseIp(raw) === null) throw new Error(`expected an IPv4 address, got "${raw}"`);
  return raw;
}

const serveOptions = {
  tap: opt.string("TAP device to create", { default: DEFAULT_TAP, placeholder: "NAME" }),
  ip: {
    ...opt.string("our stack's address", { default: DEFAULT_IP, placeholder: "ADDR/PREFIX" }),
    parse: (r: string) => (parseCidr(r), r),
  },
  "peer-ip": {
    ...opt.string("the kernel's address on the TAP", {
      default: DEFAULT_PEER_IP,
      placeholder: "ADDR",
    }),
    parse: parseAddr,
  },
  mode: opt.oneOf("hosting mode", LIVE_MODES, "dlibos"),
  "net-workers": opt.int("network Workers (stacks)", { default: 1, min: 1, max: MAX_WORKERS }),
  "app-workers": opt.int("application Workers (dlibos)", { default: 1, min: 1, max: MAX_WORKERS }),
  port: opt.int("listen port (default: the app's)", { min: 1, max: 65535 }),
  pcap: opt.string("write the frames crossing the TAP to FILE", { placeholder: "FILE" }),
  duration: opt.number("stop after this many seconds", { min: 0.1, max: 86400 }),
};

const NEEDS_ONE_WORKER =
  "memcached keeps one cache per Worker: use --app-workers 1 (dlibos) or --net-workers 1 (rtc)";

function serveCommand(name: LiveAppName) {
  return command({
    name,
    summary: `serve the ${name} app through a TAP device`,
    options: serveOptions,
    run: async (v) => {
      const { ip, prefix } = parseCidr(v.ip);
      if (ip === v["peer-ip"]) throw new UsageError("--ip and --peer-ip must differ");
      const shards = v.mode === "dlibos" ? v["app-workers"] : v["net-workers"];
      if (name === "memcached" && shards > 1) throw new UsageError(NEEDS_ONE_WORKER);
      const app: AppSpec = { name, port: v.port ?? defaultPort(name) };
      return await serve(
        {
          tap: v.tap,
          ip,
          prefixLen: prefix,
          peerIp: v["peer-ip"],
          mode: v.mode,
          netWorkers: v["net-workers"],
          appWorkers: v["app-workers"],
          app,
          pcap: v.pcap !== undefined,
        },
        v.pcap,
        v.duration,
      );
    },
  });
}

async function serve(
  o: Parameters<typeof LiveServer.start>[0],
  pcapPath: string | undefined,
  duration: number | undefined,
): Promise<number> {
  const server = await LiveServer.start(o);
  console.log(
    `live ${o.app.name} (${o.mode}, ${o.netWorkers} net` +
      (o.mode === "dlibos" ? ` + ${o.appWorkers} app` : "") +
      ` Workers) on ${o.ip}:${o.app.port} via ${o.tap}, kernel at ${o.peerIp}; ` +
      (duration === undefined ? "Ctrl-C stops" : `stopping after ${duration} s`),
  );
  let wake!: (why: string) => void;
  const stopped = new Promise<string>((r) => (wake = r));
  const onSig = () => wake("signal");
  Deno.addSignalListener("SIGINT", onSig);
  Deno.addSignalListener("SIGTERM", onSig);
  const timer = duration === undefined ? null : setTimeout(() => wake("duration"), duration * 1000);
  server.failed.then((e) => wake(`error: ${e}`));
  const why = await stopped;
  if (timer !== null) clearTimeout(timer);
  Deno.removeSignalListener("SIGINT", onSig);
  Deno.removeSignalListener("SIGTERM", onSig);
  const summary = await server.stop();
  console.log(`stopped (${why})`);
  console.log(formatSummary(summary));
  if (pcapPath !== undefined && summary.pcap !== null) {
    await Deno.writeFile(pcapPath, summary.pcap);
    console.log(`pcap: ${pcapPath}`);
  }
  return summary.errors.length > 0 ? 1 : 0;
}

const benchCommand = command({
  name: "bench",
  summary: "wrk and a memcached load against our servers and the kernel's (nginx, memcached)",
  options: {
    seconds: opt.number("seconds per load run", { default: 2, min: 0.5, max: 60 }),
    connections: opt.int("client connections", { default: 8, min: 1, max: 1000 }),
    mode: opt.oneOf("hosting mode of our servers", LIVE_MODES, "dlibos"),
  },
  run: async (v) => await runBench(v.seconds, v.connections, v.mode),
});

export const LIVE_PROGRAM: Program = {
  name: "live",
  summary: "Our stack and apps serving real clients through a TAP device (inside its own " +
    "network namespace).",
  commands: [...LIVE_APPS.map(serveCommand), benchCommand],
};

/** Runs the live program, re-executing inside a fresh namespace first when needed. */
export async function main(args: readonly string[]): Promise<number> {
  const wantsHelp = args.length === 0 || args.includes("--help") || args.includes("-h") ||
    args[0] === "help";
  if (!inLiveNamespace() && !wantsHelp) {
    // Parse first so bad options fail here, with one line, before any re-exec.
    const probe = LIVE_PROGRAM.commands.find((c) => c.name === args[0]);
    if (probe === undefined) return await runCli(() => dispatch(LIVE_PROGRAM, args));
    const why = liveUnavailable();
    if (why !== null) {
      console.error(`error: live mode unavailable: ${why}`);
      return 1;
    }
    return await reexecInNamespace(["run", "-A", new URL(import.meta.url).pathname, ...args]);
  }
  return await runCli(() => dispatch(LIVE_PROGRAM, args));
}

if (import.meta.main) {
  const code = await main(Deno.args);
  if (code !== 0) Deno.exit(code);
}
