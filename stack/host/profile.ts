/**
 * Where a node's cores spent a measurement window, how long received frames
 * waited for the stack, what the NIC dropped and which locks cost most: the
 * instrumentation behind the paper's Memcached profiling. It only reads what
 * the node already keeps (cores' busy time by category, the node's `rxWait`
 * histogram, NIC and stack counters, lock statistics), so profiling changes
 * nothing simulated.
 *
 * A window starts at the node's `resetStats()` (`Pair`/`Cluster.resetStats()`
 * for a testbed) and ends when {@link profileNode} is called. Everything it
 * returns is plain records; {@link profileRows} flattens a profile into rows
 * of scalars for results files and charts.
 *
 * Groups of categories (defined once here, used by every share):
 * - **network** ({@link NETWORK_CATEGORIES}): `nic`, `tcp-rx`, `tcp-tx`,
 *   `timers`, `irq` — driving the NIC and the protocol code, interrupts and
 *   softirq entry included;
 * - **application** ({@link APPLICATION_CATEGORIES}): `app`, `copy`,
 *   `lock-spin` — the application's own work, the bytes it copies (Linux's
 *   read/write copies) and spinning on locks. All DLibOS/RTC locks are the
 *   application's; on Linux nodes `lock-spin` also holds the kernel's socket
 *   and epoll lock operations and spins (softirq and system calls alike),
 *   which the lock table separates by owner;
 * - **interface** ({@link INTERFACE_CATEGORIES}): `messaging`, `syscall`,
 *   `sched` — crossing between stack and application: DLibOS's NoC events
 *   and commands, Linux's system calls, wakeups and context switches;
 * - **idle**.
 * The four add up to the cores' capacity (cores x window) exactly.
 */
import type { Core } from "../../core/executor.ts";
import type { Lock } from "../../core/lock.ts";
import type { CdfPoint, LatencySummary } from "../../core/stats.ts";
import { type Time, toUs } from "../../core/time.ts";
import { CATEGORIES, type Category } from "../../core/work.ts";
import { RX_DROP_REASONS } from "../../hw/mpipe.ts";
import { addLossCounters, emptyLossCounters, type LossCounters, totalLoss } from "./counters.ts";
import type { HostedNode, HostMode } from "./node.ts";
import { LinuxNode } from "./linux/mod.ts";

/** Categories counted as network processing. */
export const NETWORK_CATEGORIES: readonly Category[] = ["nic", "tcp-rx", "tcp-tx", "timers", "irq"];
/** Categories counted as application processing. */
export const APPLICATION_CATEGORIES: readonly Category[] = ["app", "copy", "lock-spin"];
/** Categories counted as the stack/application interface. */
export const INTERFACE_CATEGORIES: readonly Category[] = ["messaging", "syscall", "sched"];

/** A group of categories: see the module documentation. */
export type CategoryGroup = "network" | "application" | "interface" | "idle";

/** The group a category (or "idle") belongs to. */
export function categoryGroup(c: Category | "idle"): CategoryGroup {
  if (c === "idle") return "idle";
  if (NETWORK_CATEGORIES.includes(c)) return "network";
  if (APPLICATION_CATEGORIES.includes(c)) return "application";
  return "interface";
}

/**
 * What a core runs: "net" (DLibOS network core), "app" (DLibOS application
 * core) or "all" (RTC and Linux cores run stack and application).
 */
export type CoreRole = "net" | "app" | "all";

/** Time per category plus idle (ps). */
export type CategoryTimes = Record<Category | "idle", Time>;

/** One core over the window. */
export interface CoreProfile {
  /** Core name. */
  core: string;
  /** Core id (its tile). */
  id: number;
  /** What the core runs. */
  role: CoreRole;
  /** Window length (ps). */
  window: Time;
  /**
   * Time per category plus idle (ps); sums exactly to {@link window}. Idle
   * is the window minus the core's busy time; the categories are the
   * executor's per-category times, each rounded to a picosecond, with the
   * rounding residue ({@link rounding}) added to the largest category.
   */
  time: CategoryTimes;
  /** Busy time (ps): the window minus idle. */
  busy: Time;
  /** Residue (ps, either sign) added to the largest category so that the row sums exactly. */
  rounding: Time;
  /** Work items completed in the window. */
  itemsRun: number;
}

/** The cores of one role, added up. */
export interface RoleTotals {
  /** The role. */
  role: CoreRole;
  /** Cores in the role. */
  cores: number;
  /** Cores times the window (ps): what the time below sums to. */
  capacity: Time;
  /** Time per category plus idle, summed over the role's cores (ps). */
  time: CategoryTimes;
  /** Time in the network categories (ps). */
  network: Time;
  /** Time in the application categories (ps). */
  application: Time;
  /** Time in the interface categories (ps). */
  interface: Time;
  /** Idle time (ps). */
  idle: Time;
  /** network / capacity. */
  networkShare: number;
  /** application / capacity. */
  applicationShare: number;
  /** interface / capacity. */
  interfaceShare: number;
  /** idle / capacity. */
  idleShare: number;
}

/** Who takes a lock: the application or (Linux) the kernel. */
export type LockOwnerKind = "app" | "kernel";

/** Statistics of one lock, or of a lock class added up. */
export interface LockProfile {
  /** Lock name, or the class name for a class row. */
  name: string;
  /** Lock class ({@link lockClass}). */
  class: string;
  /** Application or kernel lock. */
  owner: LockOwnerKind;
  /** Locks (1 for a lock row). */
  locks: number;
  /** Times granted. */
  acquisitions: number;
  /** Acquisitions that had to wait. */
  contended: number;
  /** Total time owners spun waiting, over waits that ended in the window (ps). */
  spin: Time;
  /** Longest single wait (ps). */
  maxSpin: Time;
  /** Total time held, over holds released in the window (ps). */
  hold: Time;
  /** Longest completed hold (ps). */
  maxHold: Time;
  /** Holds released in the window. */
  releases: number;
}

/** Receive-side counters of the window. */
export interface RxProfile {
  /** Frames that reached the NIC. */
  frames: number;
  /** Frames the NIC delivered onto a notification ring. */
  delivered: number;
  /** Frames the NIC dropped on receive (no buffer, full ring, runt, oversize). */
  drops: number;
  /** Frames the stacks took from the rings (recorded in the waiting-time histogram). */
  taken: number;
}

/** A node's profile over a measurement window. */
export interface NodeProfile {
  /** Node name. */
  node: string;
  /** Hosting mode. */
  mode: HostMode;
  /** Start of the window (ps; the cores' last reset). */
  windowStart: Time;
  /** Window length (ps). */
  window: Time;
  /** Every core of the node: network cores, then the other application cores. */
  cores: CoreProfile[];
  /** Totals per role present ("net" and "app" for DLibOS, "all" otherwise). */
  roles: RoleTotals[];
  /** How long received frames waited between the NIC's delivery and the stack taking them. */
  rxWait: LatencySummary;
  /** The same as a CDF (microseconds). */
  rxWaitCdf: CdfPoint[];
  /** Receive-side counters. */
  rx: RxProfile;
  /** Every drop by reason, retransmissions and RTO expiries (stack/host/counters.ts). */
  loss: LossCounters;
  /** Every lock, most spin time first (then by name). */
  locks: LockProfile[];
  /** Locks added up by owner and class, most spin time first. */
  lockClasses: LockProfile[];
}

/**
 * The class of a lock name: the name without its node prefix (up to the
 * last "/"), without an instance after ":" and without trailing numeric
 * components: `server/sock:3.17` → `sock`, `mc.item.12` → `mc.item`,
 * `mc.slabs` → `mc.slabs`.
 */
export function lockClass(name: string): string {
  let s = name.slice(name.lastIndexOf("/") + 1);
  const colon = s.indexOf(":");
  if (colon >= 0) s = s.slice(0, colon);
  return s.replace(/(\.\d+)+$/, "");
}

/**
 * Profiles `node` over its current measurement window, up to `now` (default:
 * the present, which must not be earlier than the last event run).
 *
 * @example Where a server's cores spent a window
 * ```ts
 * import assert from "node:assert/strict";
 * import { MS } from "../../core/time.ts";
 * import { GX36 } from "../../hw/board.ts";
 * import type { App } from "../socket.ts";
 * import { parseLayout } from "./layout.ts";
 * import { Pair, testbedIp } from "./testbed.ts";
 * import { profileNode, profileRows } from "./profile.ts";
 *
 * const server = (): App => ({
 *   start: (_ctx, api) => api.listen(7, 16),
 *   onEvent(_ctx, api, stack, ev) {
 *     if (ev.kind === "new_conn") api.accept({ stack, conn: ev.conn });
 *   },
 * });
 * const client = (): App => ({
 *   start: (_ctx, api) => api.connect({ addr: testbedIp(2), port: 7 }, 1),
 *   onEvent: () => {},
 * });
 * const layout = parseLayout("1:1");
 * const pair = new Pair(
 *   { name: "client", mode: "dlibos", board: GX36, layout, app: client },
 *   { name: "server", mode: "dlibos", board: GX36, layout, app: server },
 *   { seed: 1 },
 * );
 * pair.resetStats(); // the window starts now
 * pair.start();
 * pair.sched.runUntil(1 * MS);
 * const p = profileNode(pair.b);
 * assert.deepEqual(p.roles.map((r) => r.role), ["net", "app"]);
 * // Every core's categories and idle add up to the window, exactly.
 * for (const c of p.cores) {
 *   assert.equal(Object.values(c.time).reduce((a, b) => a + b, 0), p.window);
 * }
 * assert.ok(p.roles[0].network > 0); // the handshake
 * assert.ok(p.rxWait.count >= 2); // SYN and ACK waited on the ring
 * assert.equal(profileRows(p).summary.rxDrops, 0);
 * ```
 */
export function profileNode(node: HostedNode, now: Time = node.sched.now): NodeProfile {
  const cores = coreProfiles(node, now);
  const window = cores.reduce((w, c) => Math.max(w, c.window), 0);
  const roles: RoleTotals[] = [];
  for (const role of ["net", "app", "all"] as const) {
    const of = cores.filter((c) => c.role === role);
    if (of.length > 0) roles.push(roleProfile(role, of));
  }
  const st = node.nic.stats;
  let drops = 0;
  for (const r of RX_DROP_REASONS) drops += st.rxDrops[r];
  const locks: LockProfile[] = [
    ...node.appLocks.list().map((l) => lockProfile(l, "app")),
    ...(node instanceof LinuxNode ? node.locks.list().map((l) => lockProfile(l, "kernel")) : []),
  ];
  return {
    node: node.name,
    mode: node.mode,
    windowStart: now - window,
    window,
    cores,
    roles,
    rxWait: node.rxWait.summary(),
    rxWaitCdf: node.rxWait.cdf(),
    rx: { frames: st.rxFrames, delivered: st.rxDelivered, drops, taken: node.rxWait.count },
    loss: addLossCounters(emptyLossCounters(), node.stacks, node.nic),
    locks: locks.sort(bySpin),
    lockClasses: lockClasses(locks).sort(bySpin),
  };
}

function coreProfiles(node: HostedNode, now: Time): CoreProfile[] {
  const net = new Set<Core>(node.netCores);
  const app = new Set<Core>(node.appCores);
  const out: CoreProfile[] = [];
  for (const core of new Set<Core>([...node.netCores, ...node.appCores])) {
    const role: CoreRole = net.has(core) ? (app.has(core) ? "all" : "net") : "app";
    out.push(coreProfile(core, role, now));
  }
  return out;
}

/** One core's row, summing exactly to its window (see {@link CoreProfile.time}). */
function coreProfile(core: Core, role: CoreRole, now: Time): CoreProfile {
  const st = core.stats(now);
  const busy = core.busyTimeAt(now);
  const time = {} as CategoryTimes;
  let sum = 0;
  let largest: Category = CATEGORIES[0];
  for (const c of CATEGORIES) {
    const t = core.timeIn(c, now);
    time[c] = t;
    sum += t;
    if (t > time[largest]) largest = c;
  }
  const rounding = busy - sum;
  time[largest] += rounding;
  time.idle = st.elapsed - busy;
  return {
    core: core.name,
    id: core.id,
    role,
    window: st.elapsed,
    time,
    busy,
    rounding,
    itemsRun: st.itemsRun,
  };
}

function roleProfile(role: CoreRole, cores: readonly CoreProfile[]): RoleTotals {
  const time = {} as CategoryTimes;
  for (const c of CATEGORIES) time[c] = 0;
  time.idle = 0;
  let capacity = 0;
  for (const p of cores) {
    capacity += p.window;
    for (const c of CATEGORIES) time[c] += p.time[c];
    time.idle += p.time.idle;
  }
  const sumOf = (cats: readonly Category[]) => cats.reduce((s, c) => s + time[c], 0);
  const network = sumOf(NETWORK_CATEGORIES);
  const application = sumOf(APPLICATION_CATEGORIES);
  const iface = sumOf(INTERFACE_CATEGORIES);
  const share = (t: Time) => capacity > 0 ? t / capacity : 0;
  return {
    role,
    cores: cores.length,
    capacity,
    time,
    network,
    application,
    interface: iface,
    idle: time.idle,
    networkShare: share(network),
    applicationShare: share(application),
    interfaceShare: share(iface),
    idleShare: share(time.idle),
  };
}

function lockProfile(l: Lock, owner: LockOwnerKind): LockProfile {
  return {
    name: l.name,
    class: lockClass(l.name),
    owner,
    locks: 1,
    acquisitions: l.acquisitions,
    contended: l.contended,
    spin: l.totalWait,
    maxSpin: l.maxWait,
    hold: l.totalHold,
    maxHold: l.maxHold,
    releases: l.releases,
  };
}

function lockClasses(locks: readonly LockProfile[]): LockProfile[] {
  const by = new Map<string, LockProfile>();
  for (const l of locks) {
    const key = `${l.owner}/${l.class}`;
    const c = by.get(key);
    if (c === undefined) {
      by.set(key, { ...l, name: l.class });
      continue;
    }
    c.locks++;
    c.acquisitions += l.acquisitions;
    c.contended += l.contended;
    c.spin += l.spin;
    c.maxSpin = Math.max(c.maxSpin, l.maxSpin);
    c.hold += l.hold;
    c.maxHold = Math.max(c.maxHold, l.maxHold);
    c.releases += l.releases;
  }
  return [...by.values()];
}

/** Most spin time first; ties by owner and name (deterministic). */
function bySpin(a: LockProfile, b: LockProfile): number {
  if (a.spin !== b.spin) return b.spin - a.spin;
  const ka = `${a.owner}/${a.name}`, kb = `${b.owner}/${b.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** A stacked-bar row: one role's time in one category (or idle). */
export interface ProfileBarRow {
  /** Node name. */
  node: string;
  /** Hosting mode. */
  mode: string;
  /** Core role. */
  role: string;
  /** Category, or "idle". */
  category: string;
  /** The category's group. */
  group: string;
  /** Time summed over the role's cores (us). */
  us: number;
  /** Share of the role's capacity (cores x window); a role's rows sum to 1. */
  share: number;
}

/** A lock-table row (times in us). */
export interface LockRow {
  /** Node name. */
  node: string;
  /** Application or kernel lock. */
  owner: string;
  /** Lock name (or class name in class rows). */
  name: string;
  /** Lock class. */
  class: string;
  /** Locks in the row. */
  locks: number;
  /** Times granted. */
  acquisitions: number;
  /** Acquisitions that waited. */
  contended: number;
  /** contended / acquisitions (0 when never taken). */
  contendedShare: number;
  /** Total spin (us). */
  spinUs: number;
  /** Longest single spin (us). */
  maxSpinUs: number;
  /** Total hold (us). */
  holdUs: number;
  /** Mean hold per release (us; 0 when none). */
  meanHoldUs: number;
  /** Longest hold (us). */
  maxHoldUs: number;
}

/** A one-row summary of a node's profile (times in us). */
export interface ProfileSummaryRow {
  /** Node name. */
  node: string;
  /** Hosting mode. */
  mode: string;
  /** Window length (us). */
  windowUs: number;
  /** Network share of all the node's cores' capacity. */
  networkShare: number;
  /** Application share of all the node's cores' capacity. */
  applicationShare: number;
  /** Interface share of all the node's cores' capacity. */
  interfaceShare: number;
  /** Idle share of all the node's cores' capacity. */
  idleShare: number;
  /** Frames that reached the NIC. */
  rxFrames: number;
  /** Frames the NIC dropped on receive. */
  rxDrops: number;
  /** Every drop on the node (NIC and stacks). */
  drops: number;
  /** Mean frame waiting time (us). */
  rxWaitMeanUs: number;
  /** Median frame waiting time (us). */
  rxWaitP50Us: number;
  /** 99th-percentile frame waiting time (us). */
  rxWaitP99Us: number;
  /** Longest frame waiting time (us). */
  rxWaitMaxUs: number;
}

/** A profile flattened into rows of scalars, ready for results files and charts. */
export interface ProfileRows {
  /** One row for the node. */
  summary: ProfileSummaryRow;
  /** Per role, per category plus idle: stacked bars of where the cores' time went. */
  bars: ProfileBarRow[];
  /** The frame waiting-time CDF (us, cumulative fraction). */
  rxWaitCdf: CdfPoint[];
  /** Every lock, most spin first. */
  locks: LockRow[];
  /** Lock classes, most spin first. */
  lockClasses: LockRow[];
}

/** Flattens a {@link NodeProfile} into {@link ProfileRows}. */
export function profileRows(p: NodeProfile): ProfileRows {
  const bars: ProfileBarRow[] = [];
  for (const r of p.roles) {
    for (const c of [...CATEGORIES, "idle"] as const) {
      bars.push({
        node: p.node,
        mode: p.mode,
        role: r.role,
        category: c,
        group: categoryGroup(c),
        us: toUs(r.time[c]),
        share: r.capacity > 0 ? r.time[c] / r.capacity : 0,
      });
    }
  }
  let capacity = 0, network = 0, application = 0, iface = 0, idle = 0;
  for (const r of p.roles) {
    capacity += r.capacity;
    network += r.network;
    application += r.application;
    iface += r.interface;
    idle += r.idle;
  }
  const share = (t: Time) => capacity > 0 ? t / capacity : 0;
  const drops = totalLoss(p.loss);
  const lockRow = (l: LockProfile): LockRow => ({
    node: p.node,
    owner: l.owner,
    name: l.name,
    class: l.class,
    locks: l.locks,
    acquisitions: l.acquisitions,
    contended: l.contended,
    contendedShare: l.acquisitions > 0 ? l.contended / l.acquisitions : 0,
    spinUs: toUs(l.spin),
    maxSpinUs: toUs(l.maxSpin),
    holdUs: toUs(l.hold),
    meanHoldUs: l.releases > 0 ? toUs(l.hold) / l.releases : 0,
    maxHoldUs: toUs(l.maxHold),
  });
  return {
    summary: {
      node: p.node,
      mode: p.mode,
      windowUs: toUs(p.window),
      networkShare: share(network),
      applicationShare: share(application),
      interfaceShare: share(iface),
      idleShare: share(idle),
      rxFrames: p.rx.frames,
      rxDrops: p.rx.drops,
      drops,
      rxWaitMeanUs: toUs(p.rxWait.mean),
      rxWaitP50Us: toUs(p.rxWait.p50),
      rxWaitP99Us: toUs(p.rxWait.p99),
      rxWaitMaxUs: toUs(p.rxWait.max),
    },
    bars,
    rxWaitCdf: p.rxWaitCdf,
    locks: p.locks.map(lockRow),
    lockClasses: p.lockClasses.map(lockRow),
  };
}
