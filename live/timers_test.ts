import { deepEqual, equal } from "node:assert/strict";
import { AppTimers } from "./timers.ts";

Deno.test("AppTimers: due timers fire in time order, later ones wait", () => {
  const t = new AppTimers();
  t.add(30, 3);
  t.add(10, 1);
  t.add(20, 2);
  equal(t.next(), 10);
  const fired: number[] = [];
  equal(t.fireDue(20, (tag) => fired.push(tag)), 2);
  deepEqual(fired, [1, 2]);
  equal(t.next(), 30);
  t.fireDue(100, (tag) => fired.push(tag));
  deepEqual(fired, [1, 2, 3]);
  equal(t.next(), Infinity);
});
