/**
 * The machine model: the buffer types it shares with the software on it,
 * boards, the mesh NoC and shared-memory transports, protected memory,
 * Ethernet links with fault injection, the mPIPE NIC and the platform cost
 * tables with the stack operations they price.
 */
export * from "./board.ts";
export * from "./transport.ts";
export * from "./noc.ts";
export * from "./shmring.ts";
export * from "./buffers.ts";
export * from "./memory.ts";
export * from "./fault.ts";
export * from "./link.ts";
export * from "./checksum.ts";
export * from "./headers.ts";
export * from "./flowhash.ts";
export * from "./mpipe.ts";
export * from "./costs/ops.ts";
export * from "./costs/table.ts";
export * from "./costs/tilegx.ts";
export * from "./costs/x86.ts";
export * from "./costs/linux.ts";
