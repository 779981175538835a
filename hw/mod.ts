/**
 * The machine model: boards and their tiles, the buffer types the hardware
 * shares with the software on it, protected memory regions, 10 GbE links
 * with fault injection, the mPIPE NIC, and the platform cost tables with the
 * stack operations they price.
 *
 * The NoC and shared-memory transports, the checksum and the classifier's
 * header fields are internal to the model (import their files directly).
 *
 * @example Boards and wire time
 * ```ts
 * import assert from "node:assert/strict";
 * import { GX36, makeBoard, wireTime } from "./mod.ts";
 *
 * const board = makeBoard(GX36);
 * assert.equal(board.tiles, 36);
 * // A 64-byte frame on 10 GbE: 64 + 4 FCS + 8 preamble + 12 IFG bytes.
 * assert.equal(wireTime(64), 70_400);
 * ```
 *
 * @module
 */
export { Board, type BoardSpec, customBoard, GX36, GX72, makeBoard } from "./board.ts";
export type { BufRef, Memory, RxBuffer, TxFrame, WritableMemory } from "./buffers.ts";
export {
  type Access,
  type AccessCounters,
  BufferPool,
  type BufferPoolConfig,
  MemoryRegion,
  type Permission,
  ProtectionFault,
  RegionView,
} from "./memory.ts";
export {
  type DirectionStats,
  EthernetLink,
  type FrameHandler,
  type LinkConfig,
  LinkEnd,
  TEN_GBE_BPS,
  wireTime,
} from "./link.ts";
export { type FaultConfig, FaultInjector, type FaultStats } from "./fault.ts";
export {
  Mpipe,
  type MpipeConfig,
  type MpipeLatencies,
  mpipeLatencies,
  MpipeRxBuffer,
  type MpipeStats,
  NotifRing,
  RX_DROP_REASONS,
  type RxDropReason,
  SlotRef,
  TX_DROP_REASONS,
  type TxDropReason,
} from "./mpipe.ts";
export { STACK_OPS, type StackOp } from "./costs/ops.ts";
export type { CostTable } from "./costs/table.ts";
export {
  type Calibration,
  CALIBRATION_PARAMS,
  type CalibrationParam,
  DEFAULT_CALIBRATION,
  FITTED_CALIBRATION,
  type ParamSpec,
  resolveCalibration,
} from "./costs/calibration.ts";
export {
  APP_OPS,
  type AppOp,
  MESSAGING_OPS,
  type MessagingOp,
  SCALED_STACK_OPS,
  TILEGX_BASE_COSTS,
  TILEGX_COSTS,
  type TileGxCosts,
  tilegxCosts,
  type TileGxOp,
} from "./costs/tilegx.ts";
export {
  LOADGEN_OPS,
  type LoadgenOp,
  X86_COSTS,
  X86_HOST,
  type X86Costs,
  type X86Host,
  type X86Op,
} from "./costs/x86.ts";
export {
  LINUX_OPS,
  LINUX_TILEGX_COSTS,
  LINUX_X86_COSTS,
  type LinuxCosts,
  type LinuxOp,
} from "./costs/linux.ts";
