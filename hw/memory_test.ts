import assert from "node:assert/strict";
import type { BufRef } from "./buffers.ts";
import { BufferPool, isRegionView, MemoryRegion, ProtectionFault, regionOf } from "./memory.ts";

Deno.test("memory: a forbidden write raises ProtectionFault naming domain, region and offset", () => {
  const r = new MemoryRegion("rx", 1024, { nic: "read-write", "stack:0": "read", "app:3": "read" });
  const v = r.view("app:3");
  let fault: unknown;
  try {
    v.write(100, new Uint8Array([1, 2]));
  } catch (e) {
    fault = e;
  }
  assert.ok(fault instanceof ProtectionFault);
  assert.equal(fault.domain, "app:3");
  assert.equal(fault.region, "rx");
  assert.equal(fault.offset, 100);
  assert.equal(fault.access, "write");
  assert.match(fault.message, /app:3/);
  assert.match(fault.message, /"rx"/);
  assert.match(fault.message, /offset 100/);
  assert.equal(r.backing[100], 0, "nothing written");
  assert.equal(v.counters.faults, 1);
  assert.throws(() => v.set8(5, 1), ProtectionFault);
  assert.throws(() => v.fill(0, 4, 9), ProtectionFault);
});

Deno.test("memory: read-only views read; no-permission views fault on read", () => {
  const r = new MemoryRegion("tx:app", 64, { "app:0": "read-write", nic: "read" });
  r.view("app:0").write(8, new Uint8Array([7, 8, 9]));
  const nic = r.view("nic");
  assert.deepEqual([...nic.read(8, 3)], [7, 8, 9]);
  assert.equal(nic.get8(9), 8);
  assert.ok(nic.canRead && !nic.canWrite);
  assert.throws(
    () => r.view("stack:0").read(0, 1),
    (e: unknown) => e instanceof ProtectionFault && e.access === "read",
  );
  assert.equal(r.permission("stack:0"), "none");
});

Deno.test("memory: out-of-bounds accesses fault", () => {
  const r = new MemoryRegion("small", 16, { a: "read-write" });
  const v = r.view("a");
  assert.throws(
    () => v.read(10, 7),
    (e: unknown) => e instanceof ProtectionFault && e.reason === "bounds",
  );
  assert.throws(() => v.write(15, new Uint8Array(2)), ProtectionFault);
  assert.throws(() => v.read(-1, 1), ProtectionFault);
  assert.equal(v.read(16, 0).length, 0);
});

Deno.test("memory: counters prove who touched the bytes; views work as stack Memory", () => {
  const r = new MemoryRegion("app-tx", 256, {
    "app:1": "read-write",
    "stack:0": "read",
    nic: "read",
  });
  r.view("app:1").fill(0, 100, 0x41);
  const ref: BufRef = { mem: r.view("nic"), off: 10, len: 50 };
  assert.equal(ref.mem.read(ref.off, ref.len).length, 50);
  assert.deepEqual(r.counters("stack:0"), {
    reads: 0,
    readBytes: 0,
    writes: 0,
    writeBytes: 0,
    faults: 0,
  });
  assert.equal(r.counters("nic").readBytes, 50);
  assert.equal(r.counters("app:1").writeBytes, 100);
  assert.equal(r.view("nic"), r.view("nic"), "one view per domain");
  assert.deepEqual(r.viewDomains(), ["app:1", "nic"]);
  // Permissions can change at run time (e.g. revoked).
  r.grant("nic", "none");
  assert.throws(() => r.view("nic").read(0, 1), ProtectionFault);
  assert.throws(() => r.grant("x", "rw" as never), /unknown permission/);
});

Deno.test("memory: buffer pool hands out fixed buffers LIFO and detects double free", () => {
  const r = new MemoryRegion("pool", 4096);
  const p = new BufferPool(r, { bufSize: 512, count: 4, offset: 1024 });
  assert.equal(p.available, 4);
  const got = [p.alloc(), p.alloc(), p.alloc(), p.alloc()];
  assert.deepEqual(got, [0, 1, 2, 3]);
  assert.equal(p.alloc(), -1);
  assert.equal(p.failures, 1);
  assert.equal(p.offsetOf(2), 1024 + 1024);
  p.free(2);
  assert.equal(p.alloc(), 2);
  p.free(1);
  assert.throws(() => p.free(1), /twice/);
  assert.throws(() => p.free(9), /no buffer/);
  assert.equal(p.lowWater, 0);
  assert.throws(() => new BufferPool(r, { bufSize: 2048, count: 3 }), /do not fit/);
});

Deno.test("memory: readInto copies like read, with the same counters and checks", () => {
  const r = new MemoryRegion("tx", 256).grant("app", "read-write").grant("nic", "read");
  const src = new Uint8Array(100).map((_, i) => i + 1);
  r.view("app").write(0, src);
  const nic = r.view("nic");
  for (const len of [0, 5, 16, 17, 100]) {
    const out = new Uint8Array(len + 3);
    nic.readInto(0, len, out, 3);
    assert.deepEqual(out.subarray(3), nic.read(0, len));
  }
  assert.deepEqual(r.counters("nic"), {
    reads: 10,
    readBytes: 2 * (5 + 16 + 17 + 100),
    writes: 0,
    writeBytes: 0,
    faults: 0,
  });
  assert.throws(() => nic.readInto(250, 10, new Uint8Array(10), 0), ProtectionFault);
  r.grant("nic", "none");
  assert.throws(() => nic.readInto(0, 1, new Uint8Array(1), 0), ProtectionFault);
  assert.equal(r.counters("nic").faults, 2);
});

Deno.test("memory: a view is a capability: no path to its region, read-only domains read copies", () => {
  const r = new MemoryRegion("rx", 16, { nic: "read-write", app: "read" });
  const nic = r.view("nic"), app = r.view("app");
  nic.write(0, Uint8Array.of(7));
  const v = app as unknown as Record<string, unknown>;
  for (const k of ["region", "backing", "view", "grant"]) assert.ok(v[k] === undefined, k);
  assert.ok(isRegionView(app) && !isRegionView({ ...app }));
  assert.equal(regionOf(app), r);
  // A read-only domain's read is a copy; a read-write one's is the bytes.
  app.read(0, 1)[0] = 9;
  assert.equal(r.backing[0], 7);
  nic.read(0, 1)[0] = 8;
  assert.equal(r.backing[0], 8);
  assert.throws(() => (v.size = 99), TypeError);
  const View = app.constructor as new (region: unknown, domain: string) => unknown;
  assert.throws(() => new View({ backing: new Uint8Array(4), grantCount: 0 }, "nic"), TypeError);
  assert.equal(r.counters("app").reads, 1);
});
