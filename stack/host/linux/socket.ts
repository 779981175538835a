/**
 * The Linux model's kernel socket: the state one connection has in the
 * kernel besides its protocol state (which lives in the core's stack).
 */
import type { Lock } from "../../../core/lock.ts";
import type { ConnId, SocketEvent } from "../../events.ts";
import type { Thread } from "./thread.ts";

/** A kernel socket: its lock, its queue of events for the owning thread, its kernel send copies. */
export class Socket {
  events: SocketEvent[] = [];
  /** On the owner's epoll ready list. */
  inReady = false;
  /** Kernel send copies in flight: kernel token -> socket buffers it occupies. */
  readonly inflight = new Map<number, number>();
  /** Tuple key in the per-core demultiplexing table (-1: not registered). */
  localPort = -1;
  remoteKey = -1;

  constructor(
    readonly stack: number,
    readonly conn: ConnId,
    readonly owner: Thread,
    readonly lock: Lock,
  ) {}
}
