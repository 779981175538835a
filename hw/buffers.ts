/**
 * The buffer types the machine model and the software running on it share:
 * the device-facing half of the zero-copy contract (the part smoltcp's
 * `phy::Device` plays).
 *
 * - {@link Memory}: something bytes can be read from without copying; a
 *   {@link WritableMemory} can also be written. The protected regions of
 *   hw/memory.ts implement both (with permission checks); stack/buf.ts's
 *   `Bytes` and apps/common/arena.ts's `ByteArena` are plain ones.
 * - {@link BufRef}: a slice of some memory. The stack passes these instead of
 *   copying bytes and reads through them only when it must.
 * - {@link RxBuffer}: a received frame the NIC wrote into a receive buffer,
 *   handed to the stack and released exactly once.
 * - {@link TxFrame}: headers built by the stack plus payload references the
 *   NIC gathers by egress DMA, with the checksum-offload fields.
 *
 * The NIC (hw/mpipe.ts) and the memory model need these first, so they live
 * here, below the stack; stack/buf.ts has the stack-side helpers over them
 * (`Bytes`, `refOf`, `gather`, `SharedRx`). Types only: this module has no
 * runtime code.
 */

/** Something bytes can be read from. Implementations may check permissions. */
export interface Memory {
  /** Human-readable name (region name) for errors and reports. */
  readonly name: string;
  /** Size in bytes. */
  readonly size: number;
  /**
   * `len` bytes at `off`. Memory the caller may write is returned without a
   * copy; a read-only protection domain gets a copy (a Uint8Array cannot be
   * made read-only; see hw/memory.ts). May throw ProtectionFault.
   */
  read(off: number, len: number): Uint8Array;
}

/** A slice of memory: `len` bytes at `off` in `mem`. */
export interface BufRef {
  /** The memory the bytes are in. */
  readonly mem: Memory;
  /** Offset of the first byte in `mem`. */
  readonly off: number;
  /** Number of bytes. */
  readonly len: number;
}

/** Memory the application can write as well as read. */
export interface WritableMemory extends Memory {
  /** Copies `bytes` to `off`. May throw ProtectionFault. */
  write(off: number, bytes: Uint8Array): void;
}

/**
 * A received frame in a receive buffer. The stack (and, through new_data, the
 * application) hold parts of it; `release` returns the buffer to its pool and
 * must be called exactly once, when nobody references it any more.
 */
export interface RxBuffer {
  /** Where the frame's bytes are. */
  readonly ref: BufRef;
  /** Gives the buffer back to its owner (exactly once). */
  release(): void;
}

/**
 * A frame handed to the NIC for transmission: headers built by the stack in its
 * own memory, followed by payload references gathered by egress DMA. When
 * `l4ChecksumOffload` is set the NIC computes the TCP/UDP checksum: the stack
 * has stored the pseudo-header sum in the checksum field (as real NICs expect)
 * and `csumStart` is the offset of the L4 header within the frame,
 * `csumField` the offset of the checksum field within the frame.
 */
export interface TxFrame {
  /** Ethernet, IPv4 and TCP headers, in one buffer owned by the frame. */
  readonly header: Uint8Array;
  /** Payload, gathered from application memory after the header. */
  readonly payload: readonly BufRef[];
  /** True when the NIC is to compute the L4 checksum. */
  readonly l4ChecksumOffload: boolean;
  /** Offset in the frame where the checksummed L4 bytes start. */
  readonly csumStart: number;
  /** Offset of the checksum field in the frame. */
  readonly csumField: number;
  /** Called once the frame has left (payload may be reused by its owner then). */
  readonly onSent?: () => void;
}
