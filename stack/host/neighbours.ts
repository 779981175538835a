/**
 * Static neighbours: permanent ARP entries for the testbed's peers, and the
 * NIC port each peer is cabled to (a board with several ports, one peer per
 * port, no switch).
 */
import type { Stack } from "../stack.ts";
import type { Neighbour } from "./node.ts";

/** Installs permanent ARP entries for the testbed's peers. */
export function seedNeighbours(stack: Stack, neighbours: readonly Neighbour[]): void {
  for (const n of neighbours) stack.arp.insertStatic(n.ip, n.mac);
}

/** Bytes of a MAC address. */
const MAC_LEN = 6;

/**
 * Egress port selection by destination MAC: the driver looks the frame's
 * Ethernet destination up among the static neighbours and sends it on that
 * neighbour's port. A MAC that is no neighbour's (and broadcast, e.g. an ARP
 * request) goes to port 0: the testbed configures every peer statically, so
 * neither happens in its runs, and flooding would need a copy of the frame
 * per port. The lookup is a scan of a few packed entries (a board has four
 * ports, so a handful of neighbours): four bytes compared as one 32-bit
 * word, then two, with no allocation per frame.
 */
export class EgressPorts {
  /** Low four bytes of each neighbour's MAC, as a 32-bit integer. */
  private readonly low: Int32Array;
  /** High two bytes of each neighbour's MAC. */
  private readonly high: Int32Array;
  private readonly ports: Int32Array;

  constructor(neighbours: readonly Neighbour[]) {
    const n = neighbours.length;
    this.low = new Int32Array(n);
    this.high = new Int32Array(n);
    this.ports = new Int32Array(n);
    neighbours.forEach((nb, i) => {
      const port = nb.port ?? 0;
      if (!Number.isInteger(port) || port < 0) {
        throw new RangeError(`neighbour port must be a non-negative integer, got ${port}`);
      }
      if (nb.mac.length !== MAC_LEN) throw new RangeError(`neighbour MAC must have 6 bytes`);
      this.low[i] = low32(nb.mac);
      this.high[i] = (nb.mac[0] << 8) | nb.mac[1];
      this.ports[i] = port;
    });
  }

  /**
   * The lookup for `neighbours`, or null when every neighbour is on port 0
   * (single-port nodes: the driver sends everything on port 0 without a lookup).
   */
  static of(neighbours: readonly Neighbour[]): EgressPorts | null {
    return neighbours.some((n) => (n.port ?? 0) !== 0) ? new EgressPorts(neighbours) : null;
  }

  /** The port for a frame whose Ethernet header starts `header` (unknown MACs: port 0). */
  portOf(header: Uint8Array): number {
    const lo = low32(header);
    const hi = (header[0] << 8) | header[1];
    for (let i = 0; i < this.low.length; i++) {
      if (this.low[i] === lo && this.high[i] === hi) return this.ports[i];
    }
    return 0;
  }
}

/** Bytes 2..5 of a MAC (the Ethernet destination at a frame's start) as a 32-bit integer. */
function low32(b: Uint8Array): number {
  return (b[2] << 24) | (b[3] << 16) | (b[4] << 8) | b[5];
}
