/**
 * The socket API: the contract between the network stack and the
 * applications it serves, the same in every hosting mode (DLibOS messages,
 * RTC direct calls, Linux baseline).
 *
 * An application ({@link App}) reacts to the {@link SocketEvent}s of
 * stack/events.ts and issues commands (`listen`, `connect`, `accept`,
 * `recv_done`, `send`, `shutdown`, `close`) through a {@link SocketApi}. Each
 * callback runs inside a work item on an application core; the app charges its
 * own work and takes its locks through the {@link WorkContext}. Connections are
 * named by (stack, conn): the network core (stack instance) and its
 * connection id ({@link ConnRef}), never by a shared descriptor table.
 *
 * The hosting modes (stack/host/) implement {@link SocketApi} and drive
 * {@link App}s; the applications (apps/) implement {@link App}. It lives in
 * the stack, the lower of the two, so the stack never imports application
 * code (as smoltcp's sockets live in the library and examples import them).
 */
import type { Time } from "../core/time.ts";
import type { WorkContext } from "../core/work.ts";
import type { BufRef } from "../hw/buffers.ts";
import type { ConnId, Endpoint, SocketEvent } from "./events.ts";

/** A connection as the application names it: (network core / stack id, conn id). */
export interface ConnRef {
  /** Stack instance the connection is on. */
  readonly stack: number;
  /** Connection id within the stack. */
  readonly conn: ConnId;
}

/** A file-system call named by {@link SocketApi.fileOp}. */
export type FileOp = "open" | "fstat" | "close";

/** What an application can ask of the node hosting it. */
export interface SocketApi {
  /** Listen on `port` on every stack this application is served by. */
  listen(port: number, backlog: number): void;
  /** Active open; a `connected` (or `cleanup`) event follows carrying `tag`'s connection. */
  connect(remote: Endpoint, tag: number): void;
  /** Accepts a connection announced by `new_conn`. */
  accept(c: ConnRef): void;
  /** Releases the receive buffers delivered with `new_data` `rxId`. */
  recvDone(c: ConnRef, rxId: number): void;
  /** Sends the referenced bytes of the app's own memory without copying; `data_acked(token)` follows. */
  send(c: ConnRef, refs: readonly BufRef[], token: number): void;
  /**
   * Sends file bytes: `refs` point into the app's memory holding the file (a
   * ramdisk's page cache), which must stay unchanged until `data_acked(token)`.
   * Linux: sendfile(2), the kernel references the pages without a copy. DLibOS
   * and RTC: the same as {@link send} (already zero-touch).
   */
  sendFile(c: ConnRef, refs: readonly BufRef[], token: number): void;
  /**
   * A file-system call the application makes around {@link sendFile} (open,
   * fstat or close of the served file). Linux: a system call with its kernel
   * work; DLibOS and RTC: nothing (the app's files are its memory).
   */
  fileOp(op: FileOp): void;
  /** Sends FIN after the queued bytes (half close). */
  shutdown(c: ConnRef): void;
  /** Closes the connection (no more events after `cleanup`). */
  close(c: ConnRef): void;
  /**
   * Asks for `App.onTimer(ctx, api, tag)` on this application core at
   * simulated time `at` (at once, in a new work item, when `at` is not in the
   * future). One-shot: the app keeps its own schedule and asks again. What the
   * wait costs is the mode's: DLibOS and RTC application cores poll (no
   * wake-up cost); a Linux thread returns from epoll_wait's timeout
   * (busy-polling, as mutilate does by default: a syscall + epoll_wait charge,
   * no wakeup or context switch).
   */
  timer(at: Time, tag: number): void;
}

/** An application, written once against the socket API and hosted by any mode. */
export interface App {
  /** Called once on each application core at start-up. */
  start(ctx: WorkContext, api: SocketApi): void;
  /** Called for every socket event delivered to this application core. */
  onEvent(ctx: WorkContext, api: SocketApi, stack: number, ev: SocketEvent): void;
  /** A timer asked for with {@link SocketApi.timer} has expired. */
  onTimer?(ctx: WorkContext, api: SocketApi, tag: number): void;
}
