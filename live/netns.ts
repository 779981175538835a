/**
 * Keeping live traffic inside a network namespace the project creates
 * itself: the live command and its tests re-execute themselves under
 * `unshare -rn` (a new user namespace, where we are root, and a new network
 * namespace with only a loopback device), marked by {@link NETNS_ENV} so the
 * child knows it is inside. The TAP device, both addresses and every client
 * exist only there; nothing is ever configured in the host's namespace.
 */

/** Set to "1" in the environment of a process re-executed inside its own namespace. */
export const NETNS_ENV = "DLIBOS_LIVE_NETNS";

/** True when this process runs inside the namespace a live command created. */
export function inLiveNamespace(): boolean {
  return Deno.env.get(NETNS_ENV) === "1";
}

/** The namespace id of this process and of pid 1 (null when /proc does not say). */
export function netnsIds(): { self: string | null; init: string | null } {
  const read = (p: string) => {
    try {
      return Deno.readLinkSync(p);
    } catch {
      return null;
    }
  };
  return { self: read("/proc/self/ns/net"), init: read("/proc/1/ns/net") };
}

/** Why live mode cannot run here, or null when `unshare` and /dev/net/tun exist. */
export function liveUnavailable(): string | null {
  try {
    if (!Deno.statSync("/dev/net/tun").isCharDevice) return "/dev/net/tun is not a device";
  } catch {
    return "no /dev/net/tun (TUN/TAP driver missing)";
  }
  try {
    const r = new Deno.Command("unshare", { args: ["-rn", "true"], stderr: "null", stdout: "null" })
      .outputSync();
    if (!r.success) return "unshare -rn failed (unprivileged user namespaces disabled?)";
  } catch {
    return "no unshare command (util-linux)";
  }
  return null;
}

/**
 * Runs `deno <denoArgs>` again under `unshare -rn` with {@link NETNS_ENV}
 * set, stdio inherited and SIGINT/SIGTERM forwarded; resolves to its exit code.
 */
export async function reexecInNamespace(denoArgs: readonly string[]): Promise<number> {
  const child = new Deno.Command("unshare", {
    args: ["-rn", "--", Deno.execPath(), ...denoArgs],
    env: { [NETNS_ENV]: "1" },
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  const forward = (sig: Deno.Signal) => () => {
    try {
      child.kill(sig);
    } catch { /* already gone */ }
  };
  const onInt = forward("SIGINT"), onTerm = forward("SIGTERM");
  Deno.addSignalListener("SIGINT", onInt);
  Deno.addSignalListener("SIGTERM", onTerm);
  try {
    const st = await child.status;
    return st.code;
  } finally {
    Deno.removeSignalListener("SIGINT", onInt);
    Deno.removeSignalListener("SIGTERM", onTerm);
  }
}

/** Runs a command inside the current namespace; throws with its stderr on failure. */
export async function run(cmd: string, args: readonly string[]): Promise<string> {
  const r = await new Deno.Command(cmd, { args: [...args], stdout: "piped", stderr: "piped" })
    .output();
  if (!r.success) {
    const err = new TextDecoder().decode(r.stderr).trim();
    throw new Error(`${cmd} ${args.join(" ")}: ${err || `exit ${r.code}`}`);
  }
  return new TextDecoder().decode(r.stdout);
}

/**
 * Brings up loopback and puts `peer/prefix` on `dev` (link up): the kernel's
 * side of the TAP. Refuses outside a live namespace.
 */
export async function configureKernelSide(
  dev: string,
  peer: string,
  prefix: number,
): Promise<void> {
  if (!inLiveNamespace()) {
    throw new Error(`refusing to configure ${dev} outside the live network namespace`);
  }
  await run("ip", ["link", "set", "lo", "up"]);
  // No IPv6 chatter on the TAP (router solicitations, MLD): our stack drops it anyway.
  try {
    Deno.writeTextFileSync(`/proc/sys/net/ipv6/conf/${dev}/disable_ipv6`, "1");
  } catch { /* not writable here: harmless */ }
  await run("ip", ["addr", "add", `${peer}/${prefix}`, "dev", dev]);
  await run("ip", ["link", "set", dev, "up"]);
}
