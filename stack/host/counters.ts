/**
 * What went wrong on a node, summed over its stacks, its NIC and the links it
 * sends on: every drop by reason, TCP retransmissions and RTO expiries. The
 * command line prints these after every run and the results files carry
 * them, so a run that lost frames says so.
 */
import type { Mpipe } from "../../hw/mpipe.ts";
import { RX_DROP_REASONS, TX_DROP_REASONS } from "../../hw/mpipe.ts";
import type { Stack } from "../stack.ts";
import { DROP_REASONS } from "../stack.ts";
import { TCP_DROP_REASONS } from "../tcp/stats.ts";

/** Loss and recovery counters of one node (or several, added up). */
export interface LossCounters {
  /** Segments sent again (fast retransmit and RTO alike). */
  retransmits: number;
  /** Retransmission-timer expiries. */
  rtoExpiries: number;
  /** Frames that waited for room in a NIC egress ring (back-pressure; not lost). */
  txDeferred: number;
  /** Drops by reason, keyed `layer:reason` (nic-rx, nic-tx, ip/eth/arp, tcp); zero reasons omitted. */
  drops: Record<string, number>;
}

/** A fresh, all-zero set of counters. */
export function emptyLossCounters(): LossCounters {
  return { retransmits: 0, rtoExpiries: 0, txDeferred: 0, drops: {} };
}

function add(drops: Record<string, number>, key: string, n: number): void {
  if (n !== 0) drops[key] = (drops[key] ?? 0) + n;
}

/** Adds a node's stacks' and NIC's counters to `into` (returned). */
export function addLossCounters(
  into: LossCounters,
  stacks: readonly Stack[],
  nic: Mpipe,
): LossCounters {
  for (const s of stacks) {
    const t = s.tcp.stats;
    into.retransmits += t.retransmits;
    into.rtoExpiries += t.rtos;
    for (const r of DROP_REASONS) add(into.drops, `stack:${r}`, s.stats.drops[r]);
    for (const r of TCP_DROP_REASONS) add(into.drops, `tcp:${r}`, t.drops(r));
  }
  const n = nic.stats;
  into.txDeferred += n.txDeferred;
  for (const r of RX_DROP_REASONS) add(into.drops, `nic-rx:${r}`, n.rxDrops[r]);
  for (const r of TX_DROP_REASONS) add(into.drops, `nic-tx:${r}`, n.txDrops[r]);
  return into;
}

/** Total of all drops. */
export function totalLoss(c: LossCounters): number {
  let n = 0;
  for (const k in c.drops) n += c.drops[k];
  return n;
}

/**
 * The counters as flat result-point fields: `retransmits`, `rtoExpiries`,
 * `txDeferred`, `drops` (the total) and `drops.<layer:reason>` per reason.
 */
export function lossFields(c: LossCounters): Record<string, number> {
  const out: Record<string, number> = {
    retransmits: c.retransmits,
    rtoExpiries: c.rtoExpiries,
    txDeferred: c.txDeferred,
    drops: totalLoss(c),
  };
  for (const k of Object.keys(c.drops).sort()) out[`drops.${k}`] = c.drops[k];
  return out;
}

/** One line for a terminal summary, e.g. `drops 0, retransmits 0, RTO expiries 0`. */
export function formatLoss(c: LossCounters): string {
  const reasons = Object.entries(c.drops).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)
    .map(([k, v]) => `${k} ${v}`);
  return `drops ${totalLoss(c)}${reasons.length > 0 ? ` (${reasons.join(", ")})` : ""}, ` +
    `retransmits ${c.retransmits}, RTO expiries ${c.rtoExpiries}, egress waits ${c.txDeferred}`;
}
