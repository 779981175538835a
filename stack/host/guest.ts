/**
 * The socket API as a capability: what a hosting mode hands an application
 * instead of its own socket-layer object.
 *
 * A host's socket layer (DLibOS's application core, RTC's core, the Linux
 * model's thread) holds its node, its cores, its stacks and the NoC; handing
 * it to the application as the {@link SocketApi} would hand over all of
 * them. {@link GuestSocketApi} keeps it in a #private field (enforced at run
 * time, unlike TypeScript `private`) and forwards its calls, after
 * checking and copying what the application passes:
 *
 * - a {@link ConnRef} must name a stack the node has (`stack` an integer in
 *   [0, stacks)) and an integer connection id; the host gets a fresh record,
 *   so the application cannot change it afterwards.
 * - `send` references must be views of protected memory
 *   ({@link isRegionView}: genuine, unforgeable) the application's domain
 *   may read, in bounds. The host gets a fresh array of fresh records, so the
 *   application cannot swap a reference after the check.
 * - ports, backlogs, receive ids, tokens and tags must be integers in range.
 *
 * A call that fails a check raises a {@link ProtectionFault} in the
 * application's own work item (region {@link SOCKET_API_REGION}), as a bad
 * pointer passed to a system call would: the host contains it like any other
 * fault. The instance and the class are frozen, so no path leads from the
 * object to the host.
 */
import { isRegionView, ProtectionFault } from "../../hw/memory.ts";
import type { BufRef } from "../../hw/buffers.ts";
import type { Time } from "../../core/time.ts";
import type { ConnId, Endpoint } from "../events.ts";
import type { ConnRef, FileOp, SocketApi } from "../socket.ts";

/** The "region" named in a fault raised by a rejected socket call. */
export const SOCKET_API_REGION = "socket-api";
/** Largest TCP port (RFC 9293: a 16-bit field). */
const MAX_PORT = 0xffff;
/** Largest IPv4 address as an unsigned 32-bit number. */
const MAX_IPV4 = 0xffffffff;

export interface GuestSocketApiConfig {
  /** Stack instances the application may name in a {@link ConnRef}. */
  readonly stacks: number;
  /** The application's protection domain (named in the faults it raises). */
  readonly domain: string;
}

export class GuestSocketApi implements SocketApi {
  readonly #host: SocketApi;
  readonly #stacks: number;
  readonly #domain: string;

  constructor(host: SocketApi, cfg: GuestSocketApiConfig) {
    this.#host = host;
    this.#stacks = cfg.stacks;
    this.#domain = cfg.domain;
    Object.freeze(this);
  }

  listen(port: number, backlog: number): void {
    this.#int(port, 0, MAX_PORT, "port");
    this.#int(backlog, 0, Number.MAX_SAFE_INTEGER, "backlog");
    this.#host.listen(port, backlog);
  }

  connect(remote: Endpoint, tag: number): void {
    const addr = remote?.addr, port = remote?.port;
    this.#int(addr, 0, MAX_IPV4, "address");
    this.#int(port, 0, MAX_PORT, "port");
    this.#int(tag, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, "tag");
    this.#host.connect({ addr, port }, tag);
  }

  accept(c: ConnRef): void {
    this.#host.accept(this.#conn(c));
  }

  recvDone(c: ConnRef, rxId: number): void {
    const ref = this.#conn(c);
    this.#int(rxId, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, "rxId");
    this.#host.recvDone(ref, rxId);
  }

  send(c: ConnRef, refs: readonly BufRef[], token: number): void {
    const ref = this.#conn(c);
    this.#int(token, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, "token");
    this.#host.send(ref, this.#refs(refs), token);
  }

  /** Checked as {@link send}. */
  sendFile(c: ConnRef, refs: readonly BufRef[], token: number): void {
    const ref = this.#conn(c);
    this.#int(token, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, "token");
    this.#host.sendFile(ref, this.#refs(refs), token);
  }

  fileOp(op: FileOp): void {
    if (op !== "open" && op !== "fstat" && op !== "close") this.#reject("file operation", 0);
    this.#host.fileOp(op);
  }

  /** A send's references, checked and copied. */
  #refs(refs: readonly BufRef[]): BufRef[] {
    if (!Array.isArray(refs)) this.#reject("send references", 0);
    const n = refs.length;
    const out: BufRef[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const r = refs[i];
      const mem = r?.mem, off = r?.off, len = r?.len;
      if (!isRegionView(mem)) this.#reject("send reference memory", i);
      if (!mem.canRead) {
        throw new ProtectionFault(this.#domain, mem.name, off, "read", len, "permission");
      }
      if (
        !Number.isInteger(off) || !Number.isInteger(len) || off < 0 || len < 0 ||
        off + len > mem.size
      ) {
        throw new ProtectionFault(this.#domain, mem.name, off, "read", len, "bounds");
      }
      out[i] = { mem, off, len };
    }
    return out;
  }

  shutdown(c: ConnRef): void {
    this.#host.shutdown(this.#conn(c));
  }

  close(c: ConnRef): void {
    this.#host.close(this.#conn(c));
  }

  timer(at: Time, tag: number): void {
    if (!Number.isFinite(at)) this.#reject("timer time", at);
    this.#int(tag, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, "tag");
    this.#host.timer(at, tag);
  }

  /** A checked copy of `c`. */
  #conn(c: ConnRef): ConnRef {
    const stack = c?.stack, conn: ConnId = c?.conn;
    this.#int(stack, 0, this.#stacks - 1, "stack");
    this.#int(conn, 0, Number.MAX_SAFE_INTEGER, "connection");
    return { stack, conn };
  }

  #int(v: number, min: number, max: number, what: string): void {
    if (!Number.isInteger(v) || v < min || v > max) this.#reject(what, v);
  }

  #reject(what: string, v: unknown): never {
    const fault = new ProtectionFault(
      this.#domain,
      SOCKET_API_REGION,
      typeof v === "number" ? v : -1,
      "read",
      0,
      "bounds",
    );
    fault.message =
      `protection fault: domain "${this.#domain}" passed an invalid ${what} to the socket API`;
    throw fault;
  }
}
Object.freeze(GuestSocketApi.prototype);
Object.freeze(GuestSocketApi);
