import assert from "node:assert/strict";
import { Board, customBoard, GX36, GX72, meanNearestHops, spreadTiles } from "./board.ts";

Deno.test("board: presets have the documented sizes and clocks", () => {
  const a = new Board(GX36);
  assert.equal(a.tiles, 36);
  assert.equal(a.clock.hz, 1_200_000_000);
  assert.equal(a.ports, 4);
  const b = new Board(GX72);
  assert.equal(b.tiles, 72);
  assert.equal(b.width, 9);
  assert.equal(b.height, 8);
  assert.equal(b.clock.cycles(1), 1000);
  assert.equal(customBoard(3, 2, 2e9).tiles, 6);
  assert.throws(() => customBoard(0, 2, 1e9), /size/);
});

Deno.test("board: tile ids round-trip and hops are Manhattan", () => {
  const b = new Board(GX36);
  for (let t = 0; t < b.tiles; t++) assert.equal(b.tile(b.x(t), b.y(t)), t);
  assert.equal(b.tile(2, 3), 20);
  assert.equal(b.hops(b.tile(0, 0), b.tile(5, 5)), 10);
  assert.equal(b.hops(b.tile(1, 4), b.tile(3, 1)), 5);
  assert.equal(b.hops(7, 7), 0);
  assert.throws(() => b.tile(6, 0), /not a tile/);
  assert.throws(() => b.hops(0, 36), /not on/);
});

Deno.test("board: quadrants, including odd sizes", () => {
  const b = new Board(GX36);
  assert.equal(b.quadrant(b.tile(0, 0)), 0);
  assert.equal(b.quadrant(b.tile(3, 0)), 1);
  assert.equal(b.quadrant(b.tile(2, 3)), 2);
  assert.equal(b.quadrant(b.tile(5, 5)), 3);
  for (let q = 0; q < 4; q++) assert.equal(b.quadrantTiles(q).length, 9);
  const g = new Board(GX72); // 9 wide: middle column (x=4) is on the left
  assert.equal(g.quadrant(g.tile(4, 0)), 0);
  assert.equal(g.quadrant(g.tile(5, 0)), 1);
  assert.deepEqual([0, 1, 2, 3].map((q) => g.quadrantTiles(q).length), [20, 16, 20, 16]);
});

Deno.test("board: spreadTiles places cores to minimise hops, deterministically", () => {
  const b = new Board(GX36);
  const net = spreadTiles(b, 12);
  assert.equal(net.length, 12);
  assert.equal(new Set(net).size, 12);
  assert.deepEqual(spreadTiles(b, 12), net);
  // Every non-chosen tile is at most 2 hops from a chosen one, and the placement
  // beats a naive block of the first 12 tiles.
  for (let t = 0; t < b.tiles; t++) {
    if (net.includes(t)) continue;
    assert.ok(Math.min(...net.map((c) => b.hops(t, c))) <= 2);
  }
  const block = Array.from({ length: 12 }, (_, i) => i);
  assert.ok(meanNearestHops(b, net) < meanNearestHops(b, block));
  // One core goes to a central tile.
  const one = spreadTiles(b, 1);
  assert.ok([14, 15, 20, 21].includes(one[0]), `central tile, got ${one}`);
});

Deno.test("board: spreadTiles balances quadrants and honours exclusions", () => {
  const b = new Board(GX36);
  const net = spreadTiles(b, 12, { balanceQuadrants: true, exclude: [0] });
  assert.ok(!net.includes(0));
  const perQ = [0, 0, 0, 0];
  for (const t of net) perQ[b.quadrant(t)]++;
  assert.deepEqual(perQ, [3, 3, 3, 3]);
  const g = new Board(GX72);
  const odd = spreadTiles(g, 10, { balanceQuadrants: true });
  const q2 = [0, 0, 0, 0];
  for (const t of odd) q2[g.quadrant(t)]++;
  assert.deepEqual(q2, [3, 3, 2, 2]);
  assert.throws(() => spreadTiles(b, 40), /cannot place/);
});
