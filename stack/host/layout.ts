/**
 * Core layouts: how many network and application cores, where the network
 * cores sit, and which application cores serve a network core's connections.
 */
import { type Board, spreadTiles } from "../../hw/board.ts";

/** Which application cores a network core may hand connections to. */
export type PairingPolicy = "all" | "quadrant";

/** How many cores a node uses for what, and how network and application cores pair up. */
export interface Layout {
  /** Layout name ("d12-all", "8:4", ...). */
  readonly name: string;
  /** Network cores (DLibOS); in RTC and Linux every core runs the stack: net + app cores. */
  readonly net: number;
  /** Application cores (DLibOS). */
  readonly app: number;
  /** How connections of a network core are spread over application cores. */
  readonly policy: PairingPolicy;
}

/** The paper's layouts: 12 network : 24 application cores on a Gx36 (slides "Core layout"). */
export const LAYOUT_PRESETS: Readonly<Record<string, Layout>> = Object.freeze({
  "d12-all": { name: "d12-all", net: 12, app: 24, policy: "all" },
  "d12-q": { name: "d12-q", net: 12, app: 24, policy: "quadrant" },
});

/** Parses a preset name or "N:M" (all-to-all); throws a one-line Error when malformed. */
export function parseLayout(s: string): Layout {
  const preset = LAYOUT_PRESETS[s];
  if (preset !== undefined) return preset;
  const m = /^(\d+):(\d+)(-q)?$/.exec(s);
  if (m === null) {
    throw new Error(
      `layout "${s}" is not one of ${Object.keys(LAYOUT_PRESETS).join(", ")} or N:M[-q]`,
    );
  }
  const net = Number(m[1]), app = Number(m[2]);
  if (net < 1 || app < 1) throw new Error(`layout "${s}" needs at least one core of each kind`);
  return { name: s, net, app, policy: m[3] ? "quadrant" : "all" };
}

/** Tile placement of a layout on a board. */
export interface Placement {
  readonly netTiles: readonly number[];
  readonly appTiles: readonly number[];
  /** For each network core (index into netTiles), the app core indices it may use. */
  readonly servedBy: readonly (readonly number[])[];
}

/**
 * Places a layout: network cores spread to minimise hops (balanced over the
 * quadrants for the quadrant policy), application cores on the remaining
 * tiles in id order.
 */
export function placeLayout(board: Board, layout: Layout): Placement {
  if (layout.net + layout.app > board.tiles) {
    throw new Error(
      `layout ${layout.name} needs ${
        layout.net + layout.app
      } cores; ${board.name} has ${board.tiles}`,
    );
  }
  const netTiles = spreadTiles(board, layout.net, {
    balanceQuadrants: layout.policy === "quadrant",
  });
  const used = new Set(netTiles);
  const appTiles: number[] = [];
  for (let t = 0; t < board.tiles && appTiles.length < layout.app; t++) {
    if (!used.has(t)) appTiles.push(t);
  }
  const all = appTiles.map((_, i) => i);
  const servedBy = netTiles.map((nt) => {
    if (layout.policy === "all") return all;
    const q = board.quadrant(nt);
    const mine = all.filter((i) => board.quadrant(appTiles[i]) === q);
    return mine.length > 0 ? mine : all;
  });
  return { netTiles, appTiles, servedBy };
}
