/**
 * A libpcap capture-file writer (the classic format documented in
 * pcap-savefile(5) and draft-ietf-opsawg-pcap): a 24-byte global header, then
 * per frame a 16-byte record header and the captured bytes. We use the
 * nanosecond-resolution magic so simulated picosecond times survive to the
 * nanosecond, little-endian byte order, and link type 1 (Ethernet).
 *
 * Records are collected in memory (each frame is copied when recorded, since
 * the caller may reuse its buffer) and turned into a file with
 * {@link PcapWriter.toBytes} or {@link PcapWriter.writeFile}.
 */
import { NS, SEC, type Time } from "../core/time.ts";

/** Magic number of the nanosecond-timestamp variant (pcap-savefile(5)). */
export const PCAP_MAGIC_NS = 0xa1b23c4d;
/** Format version 2.4, the current (and only) version. */
export const PCAP_VERSION_MAJOR = 2;
export const PCAP_VERSION_MINOR = 4;
/** LINKTYPE_ETHERNET (tcpdump.org link-layer header types). */
export const LINKTYPE_ETHERNET = 1;
/** Default snapshot length: 65535 bytes, enough for any frame this project builds. */
export const DEFAULT_SNAPLEN = 65535;
/** Global header bytes. */
export const PCAP_GLOBAL_HEADER_LEN = 24;
/** Per-record header bytes. */
export const PCAP_RECORD_HEADER_LEN = 16;
/** Initial capacity of the in-memory file (grows by doubling). */
const INITIAL_CAPACITY = 64 * 1024;

/** Records frames in the pcap format (nanosecond timestamps, Ethernet link type) in memory. */
export class PcapWriter {
  /** Frames recorded so far. */
  records = 0;
  private buf: Uint8Array;
  private view: DataView;
  private len = 0;

  /** An empty capture keeping at most `snaplen` bytes of each frame. */
  constructor(readonly snaplen: number = DEFAULT_SNAPLEN) {
    if (!Number.isInteger(snaplen) || snaplen <= 0 || snaplen > 0xffffffff) {
      throw new RangeError(`pcap snaplen must be a positive 32-bit integer, got ${snaplen}`);
    }
    this.buf = new Uint8Array(INITIAL_CAPACITY);
    this.view = new DataView(this.buf.buffer);
    const v = this.view;
    v.setUint32(0, PCAP_MAGIC_NS, true);
    v.setUint16(4, PCAP_VERSION_MAJOR, true);
    v.setUint16(6, PCAP_VERSION_MINOR, true);
    v.setInt32(8, 0, true); // thiszone: GMT
    v.setUint32(12, 0, true); // sigfigs: always 0
    v.setUint32(16, snaplen, true);
    v.setUint32(20, LINKTYPE_ETHERNET, true);
    this.len = PCAP_GLOBAL_HEADER_LEN;
  }

  /** Records `frame` (an Ethernet frame without FCS) as seen at simulated time `t`. */
  record(t: Time, frame: Uint8Array): void {
    if (!(t >= 0) || !Number.isFinite(t)) {
      throw new RangeError(`pcap record time must be >= 0, got ${t}`);
    }
    const incl = Math.min(frame.length, this.snaplen);
    this.reserve(PCAP_RECORD_HEADER_LEN + incl);
    const v = this.view, o = this.len;
    v.setUint32(o, Math.floor(t / SEC), true);
    v.setUint32(o + 4, Math.floor((t % SEC) / NS), true);
    v.setUint32(o + 8, incl, true);
    v.setUint32(o + 12, frame.length, true);
    this.buf.set(
      incl === frame.length ? frame : frame.subarray(0, incl),
      o + PCAP_RECORD_HEADER_LEN,
    );
    this.len = o + PCAP_RECORD_HEADER_LEN + incl;
    this.records++;
  }

  /** The capture file so far (a copy). */
  toBytes(): Uint8Array {
    return this.buf.slice(0, this.len);
  }

  /** Writes the capture file to `path`. */
  async writeFile(path: string | URL): Promise<void> {
    await Deno.writeFile(path, this.buf.subarray(0, this.len));
  }

  /** Grows the buffer to hold `n` more bytes. */
  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const b = new Uint8Array(cap);
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
    this.view = new DataView(b.buffer);
  }
}
