/**
 * A Linux TAP device through Deno FFI on libc: `open("/dev/net/tun")`,
 * `ioctl(TUNSETIFF)` with IFF_TAP | IFF_NO_PI (whole Ethernet frames, no
 * packet-information prefix), then non-blocking `read`/`write` of one frame
 * per call and `poll` to wait for one (linux Documentation/networking/tuntap.rst).
 *
 * The descriptor is process-wide: a Worker attaches to it by number with
 * {@link TapFd.attach}, each Worker loading libc itself. A TAP device that is
 * not persistent disappears when its last descriptor is closed.
 */

/** open(2) flags (asm-generic/fcntl.h). */
const O_RDWR = 0x2;
const O_NONBLOCK = 0x800;
const O_CLOEXEC = 0x80000;
/** TUNSETIFF = _IOW('T', 202, int) (linux/if_tun.h). */
const TUNSETIFF = 0x400454ca;
/** linux/if_tun.h interface flags. */
const IFF_TAP = 0x0002;
const IFF_NO_PI = 0x1000;
/** struct ifreq: 16 name bytes then a union; 40 bytes on 64-bit Linux (net/if.h). */
const IFREQ_LEN = 40;
/** IFNAMSIZ, including the terminating NUL (net/if.h). */
export const IFNAMSIZ = 16;
/** Offset of ifr_flags in struct ifreq. */
const IFR_FLAGS_OFF = 16;
/** poll(2) event bits (asm-generic/poll.h). */
const POLLIN = 0x1;
/** struct pollfd: int fd, short events, short revents. */
const POLLFD_LEN = 8;
/** errno values (asm-generic/errno-base.h). */
export const EAGAIN = 11;
const EINTR = 4;
/** Largest frame read from the device: a 1500-byte MTU plus the Ethernet header, rounded up. */
export const TAP_FRAME_MAX = 2048;

const LIBC_SYMBOLS = {
  open: { parameters: ["buffer", "i32"], result: "i32" },
  ioctl: { parameters: ["i32", "u64", "buffer"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  poll: { parameters: ["buffer", "u64", "i32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  __errno_location: { parameters: [], result: "pointer" },
  strerror: { parameters: ["i32"], result: "pointer" },
} as const;

type Libc = Deno.DynamicLibrary<typeof LIBC_SYMBOLS>["symbols"];

let libc: Libc | null = null;

/** libc, loaded once per Worker. */
function loadLibc(): Libc {
  if (libc === null) {
    const names = ["libc.so.6", "libc.so"];
    let err: unknown = null;
    for (const n of names) {
      try {
        libc = Deno.dlopen(n, LIBC_SYMBOLS).symbols;
        break;
      } catch (e) {
        err = e;
      }
    }
    if (libc === null) throw new Error(`cannot load libc: ${String(err)}`);
  }
  return libc;
}

function errno(l: Libc): number {
  const p = l.__errno_location();
  return p === null ? 0 : new Deno.UnsafePointerView(p).getInt32();
}

function errorText(l: Libc, code: number): string {
  const p = l.strerror(code);
  return p === null ? `errno ${code}` : Deno.UnsafePointerView.getCString(p);
}

/** True when this machine has a TUN/TAP control device. */
export function tunAvailable(): boolean {
  try {
    return Deno.statSync("/dev/net/tun").isCharDevice === true;
  } catch {
    return false;
  }
}

/** An open TAP descriptor: frame-at-a-time non-blocking I/O. */
export class TapFd {
  readonly fd: number;
  readonly name: string;
  private readonly l: Libc;
  private readonly pollfd = new Uint8Array(POLLFD_LEN);
  private readonly pollView = new DataView(this.pollfd.buffer);
  /** errno of the last failed read or write. */
  lastErrno = 0;

  private constructor(l: Libc, fd: number, name: string) {
    this.l = l;
    this.fd = fd;
    this.name = name;
    this.pollView.setInt32(0, fd, true);
    this.pollView.setInt16(4, POLLIN, true);
  }

  /** Creates (or attaches to) TAP device `name` and opens it non-blocking. Throws with errno text. */
  static open(name: string): TapFd {
    const enc = new TextEncoder().encode(name);
    if (enc.length === 0 || enc.length >= IFNAMSIZ || enc.includes(0)) {
      throw new RangeError(`TAP name must be 1..${IFNAMSIZ - 1} bytes, got "${name}"`);
    }
    const l = loadLibc();
    const path = new TextEncoder().encode("/dev/net/tun\0");
    const fd = l.open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
      const e = errno(l);
      throw new Error(`open /dev/net/tun: ${errorText(l, e)}`);
    }
    const ifr = new Uint8Array(IFREQ_LEN);
    ifr.set(enc, 0);
    new DataView(ifr.buffer).setUint16(IFR_FLAGS_OFF, IFF_TAP | IFF_NO_PI, true);
    if (l.ioctl(fd, BigInt(TUNSETIFF), ifr) < 0) {
      const e = errno(l);
      l.close(fd);
      throw new Error(`ioctl TUNSETIFF ${name}: ${errorText(l, e)}`);
    }
    const end = ifr.indexOf(0);
    return new TapFd(l, fd, new TextDecoder().decode(ifr.subarray(0, end < 0 ? IFNAMSIZ : end)));
  }

  /** Uses descriptor `fd` opened by {@link open} in another Worker of this process. */
  static attach(fd: number, name: string): TapFd {
    return new TapFd(loadLibc(), fd, name);
  }

  /**
   * Reads one frame into `buf`; returns its length, 0 when none is waiting
   * (EAGAIN), or -1 on another error ({@link lastErrno}).
   */
  read(buf: Uint8Array): number {
    const n = Number(this.l.read(this.fd, buf, BigInt(buf.length)));
    if (n >= 0) return n;
    const e = errno(this.l);
    if (e === EAGAIN || e === EINTR) return 0;
    this.lastErrno = e;
    return -1;
  }

  /** Writes one whole frame; true when the kernel took it. */
  write(frame: Uint8Array, len = frame.length): boolean {
    const n = Number(this.l.write(this.fd, frame, BigInt(len)));
    if (n === len) return true;
    this.lastErrno = n < 0 ? errno(this.l) : 0;
    return false;
  }

  /** Blocks this thread up to `timeoutMs` (integer, >= 0) for a readable frame; true if one is ready. */
  waitReadable(timeoutMs: number): boolean {
    this.pollView.setInt16(6, 0, true);
    const r = this.l.poll(this.pollfd, 1n, timeoutMs | 0);
    return r > 0 && (this.pollView.getInt16(6, true) & POLLIN) !== 0;
  }

  /** Closes the descriptor (the device goes away with its last descriptor). */
  close(): void {
    this.l.close(this.fd);
  }

  /** Text of an errno value. */
  describe(code: number): string {
    return errorText(this.l, code);
  }
}
