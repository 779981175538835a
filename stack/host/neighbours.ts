/** Static neighbour (ARP) entries for the testbed's peers. */
import type { Stack } from "../stack.ts";
import type { Neighbour } from "./node.ts";

/**
 * Installs permanent ARP entries: an entry learned "at the end of time" never
 * expires (ArpCache computes expiry as insertion time plus TTL).
 */
export function seedNeighbours(stack: Stack, neighbours: readonly Neighbour[]): void {
  for (const n of neighbours) stack.arp.insert(Number.POSITIVE_INFINITY, n.ip, n.mac);
}
