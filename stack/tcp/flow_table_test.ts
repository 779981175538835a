import assert from "node:assert/strict";
import { FlowTable } from "./flow_table.ts";
import { Rng } from "../../core/rng.ts";

Deno.test("flow table: insert, get, remove", () => {
  const t = new FlowTable<string>();
  t.insert(0x0a000001, 80, 0x0a000002, 50000, "a");
  t.insert(0x0a000001, 80, 0x0a000002, 50001, "b");
  t.insert(0x0a000001, 81, 0x0a000002, 50000, "c");
  assert.equal(t.get(0x0a000001, 80, 0x0a000002, 50000), "a");
  assert.equal(t.get(0x0a000001, 80, 0x0a000002, 50001), "b");
  assert.equal(t.get(0x0a000001, 81, 0x0a000002, 50000), "c");
  assert.equal(t.get(0x0a000001, 80, 0x0a000003, 50000), undefined);
  assert.throws(() => t.insert(0x0a000001, 80, 0x0a000002, 50000, "dup"));
  assert.ok(t.remove(0x0a000001, 80, 0x0a000002, 50000));
  assert.ok(!t.remove(0x0a000001, 80, 0x0a000002, 50000));
  assert.equal(t.get(0x0a000001, 80, 0x0a000002, 50000), undefined);
  assert.equal(t.get(0x0a000001, 80, 0x0a000002, 50001), "b");
  assert.equal(t.size, 2);
});

Deno.test("flow table: matches a reference map under random churn (growth, deletion)", () => {
  const rng = new Rng(7, "flow");
  const t = new FlowTable<number>();
  const ref = new Map<string, number>();
  const keys: [number, number, number, number][] = [];
  for (let i = 0; i < 20000; i++) {
    const op = rng.int(3);
    if (op < 2 || keys.length === 0) {
      const k: [number, number, number, number] = [
        0xc0a80000 + rng.int(4),
        rng.int(8),
        0xc0a80100 + rng.int(16),
        rng.int(2000),
      ];
      const s = k.join(",");
      if (!ref.has(s)) {
        t.insert(k[0], k[1], k[2], k[3], i);
        ref.set(s, i);
        keys.push(k);
      }
    } else {
      const idx = rng.int(keys.length);
      const k = keys[idx];
      keys[idx] = keys[keys.length - 1];
      keys.pop();
      assert.ok(t.remove(k[0], k[1], k[2], k[3]));
      ref.delete(k.join(","));
    }
  }
  assert.equal(t.size, ref.size);
  for (const k of keys) assert.equal(t.get(k[0], k[1], k[2], k[3]), ref.get(k.join(",")));
});
