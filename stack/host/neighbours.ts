/** Static neighbour (ARP) entries for the testbed's peers. */
import type { Stack } from "../stack.ts";
import type { Neighbour } from "./node.ts";

/** Installs permanent ARP entries for the testbed's peers. */
export function seedNeighbours(stack: Stack, neighbours: readonly Neighbour[]): void {
  for (const n of neighbours) stack.arp.insertStatic(n.ip, n.mac);
}
