import { deepEqual, equal, throws } from "node:assert/strict";
import type { SocketCommand, SocketEvent } from "../stack/events.ts";
import { Bytes } from "../stack/buf.ts";
import {
  decodeCommand,
  decodeEvent,
  encodeCommand,
  encodeEvent,
  MAX_RECORD_WORDS,
} from "./messages.ts";
import { RegionFault, viewsFor } from "./regions.ts";
import { mergePcaps, pcapRecords } from "./pcap_merge.ts";
import { PcapWriter } from "../stack/pcap.ts";

const table = {
  rx: [new SharedArrayBuffer(64), new SharedArrayBuffer(64)],
  tx: [new SharedArrayBuffer(32)],
};

/** A reference as plain fields (views differ per Worker). */
function plain(x: unknown): unknown {
  return JSON.parse(JSON.stringify(x, (k, v) => (k === "mem" ? v.name : v)));
}

Deno.test("messages: every event survives encode/decode, references re-pointed at the receiver's views", () => {
  const net = viewsFor({ kind: "net", index: 1 }, table);
  const app = viewsFor({ kind: "app", index: 0 }, table);
  const events: SocketEvent[] = [
    {
      kind: "new_conn",
      conn: 3,
      listenPort: 80,
      local: { addr: 0xc6120002, port: 80 },
      remote: { addr: 0xc6120001, port: 40000 },
    },
    { kind: "connected", conn: 4, local: { addr: 1, port: 2 } },
    { kind: "new_data", conn: 3, rxId: 9, bytes: 12, refs: [{ mem: net[1]!, off: 4, len: 12 }] },
    { kind: "data_acked", conn: 3, token: 77 },
    { kind: "remote_closed", conn: 3 },
    { kind: "cleanup", conn: 3, reason: "reset" },
  ];
  const rec = new Uint32Array(MAX_RECORD_WORDS);
  for (const ev of events) {
    const n = encodeEvent(ev, rec);
    const back = decodeEvent(rec, n, app);
    deepEqual(plain(back), plain(ev));
    if (back.kind === "new_data") equal(back.refs[0].mem, app[1]);
  }
});

Deno.test("messages: every command survives encode/decode", () => {
  const app = viewsFor({ kind: "app", index: 0 }, table);
  const net = viewsFor({ kind: "net", index: 0 }, table);
  const cmds: SocketCommand[] = [
    { kind: "listen", port: 11211, backlog: 1024 },
    { kind: "connect", remote: { addr: 5, port: 6 }, tag: 7 },
    { kind: "accept", conn: 1 },
    { kind: "recv_done", conn: 1, rxId: 2 },
    { kind: "send", conn: 1, token: 3, refs: [{ mem: app[2]!, off: 0, len: 8 }] },
    { kind: "shutdown", conn: 1 },
    { kind: "close", conn: 1 },
  ];
  const rec = new Uint32Array(MAX_RECORD_WORDS);
  for (const c of cmds) deepEqual(plain(decodeCommand(rec, encodeCommand(c, rec), net)), plain(c));
});

Deno.test("messages: memory that is not a shared region, or a region without a view, cannot cross", () => {
  const rec = new Uint32Array(MAX_RECORD_WORDS);
  const local = new Bytes(new Uint8Array(4), "private");
  throws(
    () =>
      encodeCommand(
        { kind: "send", conn: 1, token: 0, refs: [{ mem: local, off: 0, len: 4 }] },
        rec,
      ),
    RegionFault,
  );
  // Network Worker 0 has no view of network Worker 1's receive region.
  const app = viewsFor({ kind: "app", index: 0 }, table);
  const n = encodeCommand({
    kind: "send",
    conn: 1,
    token: 0,
    refs: [{ mem: app[1]!, off: 0, len: 4 }],
  }, rec);
  throws(() => decodeCommand(rec, n, viewsFor({ kind: "net", index: 0 }, table)), RegionFault);
});

Deno.test("regions: permissions: the app writes only its transmit memory, stacks only read", () => {
  const app = viewsFor({ kind: "app", index: 0 }, table);
  const net = viewsFor({ kind: "net", index: 0 }, table);
  const drv = viewsFor({ kind: "driver" }, table);
  app[2]!.write(0, Uint8Array.of(1, 2));
  equal(net[2]!.read(0, 2)[1], 2);
  throws(() => app[0]!.write(0, Uint8Array.of(1)), RegionFault);
  throws(() => net[2]!.write(0, Uint8Array.of(1)), RegionFault);
  throws(() => net[0]!.write(0, Uint8Array.of(1)), RegionFault);
  equal(net[1], null);
  equal(drv[2], null);
  drv[1]!.write(60, Uint8Array.of(9, 9, 9, 9));
  equal(app[1]!.read(60, 4)[3], 9);
  throws(() => app[1]!.read(62, 4), RegionFault);
});

Deno.test("pcap merge: records of several captures come out in time order", () => {
  const a = new PcapWriter(), b = new PcapWriter();
  a.record(1000, Uint8Array.of(1));
  a.record(5000, Uint8Array.of(3));
  b.record(3000, Uint8Array.of(2));
  const recs = pcapRecords(mergePcaps([a.toBytes(), b.toBytes()]));
  deepEqual(recs.map((r) => r.frame[0]), [1, 2, 3]);
  throws(() => pcapRecords(new Uint8Array(24)));
});
