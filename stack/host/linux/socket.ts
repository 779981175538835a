/**
 * The Linux model's kernel socket: the state one connection has in the
 * kernel besides its protocol state (which lives in the core's stack), and
 * the two pseudo-sockets a thread's epoll can also watch: a listening socket
 * (ready while its accept queue holds a connection) and the read end of a
 * notification pipe (ready while connections handed to the thread wait).
 */
import type { Lock } from "../../../core/lock.ts";
import type { ConnId, SocketEvent } from "../../events.ts";
import type { Thread } from "./thread.ts";

/** What a {@link Socket} stands for: a connection, a listening socket, a notification pipe. */
export type SocketKind = "conn" | "listen" | "pipe";

/** A kernel socket: its lock, its queue of events for the owning thread, its kernel send copies. */
export class Socket {
  events: SocketEvent[] = [];
  /** On the owner's epoll ready list. */
  inReady = false;
  /** Kernel send copies in flight: kernel token -> socket buffers it occupies. */
  readonly inflight = new Map<number, number>();
  /** Tuple key in the per-core demultiplexing table (-1: not registered); a listener's port. */
  localPort = -1;
  remoteKey = -1;
  /** accept() has already been paid for this connection (it came from an accept queue). */
  acceptDone = false;

  /**
   * `owner` is null while a connection waits in an accept queue or a pipe
   * (no epoll watches it yet); `queue` is the accept queue of a listener or
   * the connections waiting in a pipe (null for a connection).
   */
  constructor(
    readonly stack: number,
    readonly conn: ConnId,
    public owner: Thread | null,
    readonly lock: Lock,
    readonly kind: SocketKind = "conn",
    readonly queue: Socket[] | null = null,
  ) {}

  /** Something for the owner to do: an event (connection) or a queued connection. */
  get pending(): boolean {
    return this.queue === null ? this.events.length > 0 : this.queue.length > 0;
  }
}
