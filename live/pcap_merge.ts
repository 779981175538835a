/**
 * Merges the pcap files the live Workers wrote (the driver's received frames,
 * each network Worker's transmitted ones) into one, in time order. The input
 * is what stack/pcap.ts's PcapWriter produces (nanosecond magic, little-endian).
 */
import { NS, SEC, type Time } from "../core/time.ts";
import {
  PCAP_GLOBAL_HEADER_LEN,
  PCAP_MAGIC_NS,
  PCAP_RECORD_HEADER_LEN,
  PcapWriter,
} from "../stack/pcap.ts";

interface Rec {
  readonly t: Time;
  readonly frame: Uint8Array;
}

/** The records of one PcapWriter file; throws on anything else. */
export function pcapRecords(file: Uint8Array): Rec[] {
  const v = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (file.length < PCAP_GLOBAL_HEADER_LEN || v.getUint32(0, true) !== PCAP_MAGIC_NS) {
    throw new Error("not a nanosecond little-endian pcap file");
  }
  const out: Rec[] = [];
  let o = PCAP_GLOBAL_HEADER_LEN;
  while (o + PCAP_RECORD_HEADER_LEN <= file.length) {
    const t = v.getUint32(o, true) * SEC + v.getUint32(o + 4, true) * NS;
    const incl = v.getUint32(o + 8, true);
    const start = o + PCAP_RECORD_HEADER_LEN;
    if (start + incl > file.length) throw new Error("truncated pcap record");
    out.push({ t, frame: file.subarray(start, start + incl) });
    o = start + incl;
  }
  return out;
}

/** One pcap file holding every record of `files`, ordered by time (stable). */
export function mergePcaps(files: readonly Uint8Array[]): Uint8Array {
  const all: Rec[] = [];
  for (const f of files) for (const r of pcapRecords(f)) all.push(r);
  all.sort((a, b) => a.t - b.t);
  const w = new PcapWriter();
  for (const r of all) w.record(r.t, r.frame);
  return w.toBytes();
}
