/**
 * Machine-model throughput: NoC messages, link frames and NIC ingress frames
 * per second of wall time, each driven through the scheduler.
 * Figures: messages (or frames) per iteration / mean iteration time.
 */
import { Rng } from "../core/rng.ts";
import { Scheduler } from "../core/scheduler.ts";
import { NS, type Time } from "../core/time.ts";
import { Board, GX36 } from "../hw/board.ts";
import {
  ETH_HEADER_LEN,
  ETH_TYPE_OFFSET,
  ETHERTYPE_IPV4,
  HEADER_WORD_LEN,
  IPPROTO_TCP,
  IPV4_DST_OFFSET,
  IPV4_HEADER_LEN,
  IPV4_PROTOCOL_OFFSET,
  IPV4_SRC_OFFSET,
  IPV4_VER_IHL_OFFSET,
  IPV4_VERSION,
  L4_DST_PORT_OFFSET,
  L4_SRC_PORT_OFFSET,
} from "../hw/headers.ts";
import { ETH_MIN_FRAME, EthernetLink } from "../hw/link.ts";
import { MemoryRegion } from "../hw/memory.ts";
import { Mpipe } from "../hw/mpipe.ts";
import { NocTransport } from "../hw/noc.ts";
import {
  IPV4_TOTAL_LEN_OFFSET,
  IPV4_TTL_OFFSET,
  TCP_DATA_OFFSET_OFFSET,
  TCP_HEADER_MIN,
} from "../stack/wire/mod.ts";

/** Messages or frames per benchmark iteration. */
const N = 20_000;
/** Interval between injected NoC messages (an open-loop load of 1 message per 2 ns). */
const NOC_GAP: Time = 2 * NS;
/** Payload words per NoC message (a socket-layer record). */
const NOC_WORDS = 6;

function nocRun(): number {
  const sched = new Scheduler();
  const board = new Board(GX36);
  const noc = new NocTransport(sched, board);
  const rng = new Rng(1, "bench-noc");
  const src = new Int32Array(N), dst = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    src[i] = rng.int(board.tiles);
    dst[i] = rng.int(board.tiles);
  }
  let consumed = 0;
  const onArrive = (_t: Time, tile: number, q: number) => {
    if (noc.pop(tile, q) !== undefined) consumed++;
  };
  for (let t = 0; t < board.tiles; t++) noc.onArrival(t, 0, onArrive);
  let i = 0;
  const gen = (now: Time) => {
    noc.send(now, src[i], dst[i], 0, i, NOC_WORDS);
    if (++i < N) sched.at(now + NOC_GAP, gen);
  };
  sched.at(0, gen);
  sched.runUntilIdle();
  if (consumed !== N) throw new Error(`noc bench lost messages: ${consumed}/${N}`);
  return consumed;
}

function linkRun(): number {
  const sched = new Scheduler();
  const link = new EthernetLink(sched, { queueFrames: N });
  let got = 0;
  link.b.onFrame = () => got++;
  const frame = new Uint8Array(60);
  for (let i = 0; i < N; i++) link.a.send(0, frame);
  sched.runUntilIdle();
  if (got !== N) throw new Error(`link bench lost frames: ${got}/${N}`);
  return got;
}

/** Ethernet/IPv4/TCP headers of `flows` distinct client flows to port 80. */
function tcpFrames(flows: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let f = 0; f < flows; f++) {
    const ip = ETH_HEADER_LEN, tcp = ip + IPV4_HEADER_LEN;
    const h = new Uint8Array(ETH_MIN_FRAME); // headers and 6 zero bytes of payload
    const dv = new DataView(h.buffer);
    dv.setUint16(ETH_TYPE_OFFSET, ETHERTYPE_IPV4);
    h[ip + IPV4_VER_IHL_OFFSET] = (IPV4_VERSION << 4) | (IPV4_HEADER_LEN / HEADER_WORD_LEN);
    dv.setUint16(ip + IPV4_TOTAL_LEN_OFFSET, ETH_MIN_FRAME - ETH_HEADER_LEN);
    h[ip + IPV4_TTL_OFFSET] = 64;
    h[ip + IPV4_PROTOCOL_OFFSET] = IPPROTO_TCP;
    dv.setUint32(ip + IPV4_SRC_OFFSET, 0x0b000000 + f);
    dv.setUint32(ip + IPV4_DST_OFFSET, 0x0a000001);
    dv.setUint16(tcp + L4_SRC_PORT_OFFSET, 1024 + f);
    dv.setUint16(tcp + L4_DST_PORT_OFFSET, 80);
    h[tcp + TCP_DATA_OFFSET_OFFSET] = (TCP_HEADER_MIN / HEADER_WORD_LEN) << 4;
    out.push(h);
  }
  return out;
}

function nicRun(): number {
  const sched = new Scheduler();
  const workers = 12;
  const rx = new MemoryRegion("rx", 1024 * 2048, { nic: "read-write" });
  for (let w = 0; w < workers; w++) rx.grant(`stack:${w}`, "read");
  const nic = new Mpipe(sched, { workers, rxRegion: rx });
  const link = new EthernetLink(sched, { queueFrames: N });
  nic.attachPort(link.a);
  let got = 0;
  for (let w = 0; w < workers; w++) {
    const ring = nic.ring(w);
    nic.setWake(w, () => {
      const b = ring.pop();
      if (b !== undefined) {
        got++;
        b.release();
      }
    });
  }
  const frames = tcpFrames(256);
  for (let i = 0; i < N; i++) link.b.send(0, frames[i & 255]);
  sched.runUntilIdle();
  if (got !== N) throw new Error(`nic bench lost frames: ${got}/${N}`);
  return got;
}

Deno.bench({ name: `noc: ${N} random 6-word messages on a 6x6 mesh`, fn: () => void nocRun() });
Deno.bench({ name: `link: ${N} minimum-size frames over 10 GbE`, fn: () => void linkRun() });
Deno.bench({ name: `mpipe: ${N} TCP frames ingress to 12 workers`, fn: () => void nicRun() });
