import assert from "node:assert/strict";
import { STACK_OPS } from "./ops.ts";
import { LINUX_OPS, LINUX_TILEGX_COSTS, LINUX_X86_COSTS } from "./linux.ts";
import { defineTable, withOverrides } from "./table.ts";
import { APP_OPS, isTileGxOp, MESSAGING_OPS, TILEGX_COSTS, tilegxCosts } from "./tilegx.ts";
import { DEFAULT_CALIBRATION } from "./calibration.ts";
import { LOADGEN_OPS, X86_COSTS, X86_HOST } from "./x86.ts";

Deno.test("costs: every table prices every stack op and its own ops", () => {
  for (const op of [...STACK_OPS, ...MESSAGING_OPS, ...APP_OPS]) {
    assert.ok(TILEGX_COSTS[op] >= 0, `tilegx ${op}`);
    assert.ok(isTileGxOp(op));
  }
  for (const op of [...STACK_OPS, ...LOADGEN_OPS]) assert.ok(X86_COSTS[op] >= 0, `x86 ${op}`);
  for (const t of [LINUX_TILEGX_COSTS, LINUX_X86_COSTS]) {
    for (const op of [...STACK_OPS, ...LINUX_OPS]) assert.ok(t[op] >= 0, `linux ${op}`);
  }
  assert.ok(!isTileGxOp("syscall"));
  assert.equal(X86_HOST.hz, 2_600_000_000);
});

Deno.test("costs: defaults are frozen; overrides copy and validate", () => {
  assert.ok(Object.isFrozen(TILEGX_COSTS));
  assert.throws(() => {
    (TILEGX_COSTS as Record<string, number>).tcp_rx = 1;
  });
  const t = withOverrides(TILEGX_COSTS, { tcp_rx: 1234, noc_send: 0 });
  assert.equal(t.tcp_rx, 1234);
  assert.equal(t.noc_send, 0);
  assert.equal(t.tcp_tx, TILEGX_COSTS.tcp_tx);
  assert.equal(TILEGX_COSTS.tcp_rx, tilegxCosts(DEFAULT_CALIBRATION).tcp_rx); // unchanged
  assert.ok(Object.isFrozen(t));
  assert.throws(() => withOverrides(TILEGX_COSTS, { tcp_recv: 5 }), /unknown cost key "tcp_recv"/);
  assert.throws(() => withOverrides(LINUX_X86_COSTS, { syscall: -1 }), /syscall/);
  assert.throws(() => withOverrides(X86_COSTS, { tcp_rx: NaN }), /tcp_rx/);
  assert.throws(() => withOverrides(X86_COSTS, { tcp_rx: "5" }), /tcp_rx/);
  assert.throws(() => defineTable({ a: Infinity }), /"a"/);
});

Deno.test("costs: the TileGX table fits the paper's per-request network-core budget", () => {
  // One request: a data segment in, a response segment out, an ACK in, four socket messages
  // of ~6 words. 4.2 M req/s over 12 network cores at 1.2 GHz leaves ~3,400 cycles.
  const c = TILEGX_COSTS;
  const rx = c.nic_poll + c.eth_rx + c.ip_rx + c.flow_lookup + c.tcp_rx + c.buf_free;
  const tx = c.tcp_tx + c.ip_tx + c.eth_tx;
  const msgs = 2 * (c.event_build + c.noc_send + 6 * c.noc_send_word) +
    2 * (c.command_handle + c.noc_recv + 6 * c.noc_recv_word);
  const perRequest = 2 * rx + tx + msgs;
  assert.ok(perRequest > 1000 && perRequest < 3400, `per request ${perRequest} cycles`);
});
