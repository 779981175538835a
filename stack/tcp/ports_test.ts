import assert from "node:assert/strict";
import { EphemeralPorts } from "./ports.ts";
import { Rng } from "../../core/rng.ts";

Deno.test("ports: seeded start, sequential walk, skips unusable, reports exhaustion", () => {
  const a = new EphemeralPorts(49152, 49161, new Rng(1, "p"));
  const b = new EphemeralPorts(49152, 49161, new Rng(1, "p"));
  const used = new Set<number>();
  const got: number[] = [];
  for (let i = 0; i < 10; i++) {
    const p = a.alloc((x) => !used.has(x));
    assert.ok(p >= 49152 && p <= 49161);
    used.add(p);
    got.push(p);
  }
  assert.equal(new Set(got).size, 10);
  assert.equal(a.alloc((x) => !used.has(x)), -1);
  // same seed, same sequence
  const used2 = new Set<number>();
  for (let i = 0; i < 10; i++) {
    const p = b.alloc((x) => !used2.has(x));
    used2.add(p);
    assert.equal(p, got[i]);
  }
  assert.throws(() => new EphemeralPorts(10, 5, new Rng(1)));
});
