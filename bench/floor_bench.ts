/**
 * The floor under bench/netpipe_bench.ts: the same 64-byte TCP ping-pong run
 * by the same Stack code (Ethernet, IPv4, TCP on real frame bytes, software
 * checksums, delayed ACKs) with none of the modelled machine: no scheduler,
 * cores, work items, NoC, mPIPE, link or memory regions. A frame is copied
 * straight into a receive buffer of the other stack, and a loop delivers
 * frames and then socket events until the exchange is over; the clock moves a
 * fixed step per delivered frame so timers stay meaningful.
 *
 * Read it as an upper bound: a simulated NetPIPE round trip does all of this
 * protocol work plus the machine model, so the full simulation cannot run more
 * round trips per wall-second than this. One iteration runs
 * {@link ROUND_TRIPS} round trips on an established connection:
 *
 *   round trips per wall-second = ROUND_TRIPS / (time per iteration).
 */
import { Rng } from "../core/rng.ts";
import { NS, type Time } from "../core/time.ts";
import { FREE_ACCOUNTING } from "../stack/accounting.ts";
import { Bytes, refOf } from "../stack/buf.ts";
import type { BufRef, RxBuffer, TxFrame } from "../hw/buffers.ts";
import type { ConnId, SocketEvent } from "../stack/events.ts";
import { Stack } from "../stack/stack.ts";
import { ETH_MIN_FRAME, localMac } from "../stack/wire/ethernet.ts";

/** Round trips per iteration. */
const ROUND_TRIPS = 2000;
/** NetPIPE's quoted message size, as in bench/netpipe_bench.ts. */
const MESSAGE_BYTES = 64;
const CLIENT_IP = 0x0a000001;
const SERVER_IP = 0x0a000002;
const PORT = 5002;
/** Prefix length of the two stacks' subnet. */
const PREFIX_LEN = 24;
/** Receive buffers per stack and their size (a frame in flight needs one). */
const RX_BUFFERS = 64;
const RX_BUFFER_BYTES = 2048;
/** Simulated time per delivered frame (an arbitrary small "wire" step). */
const STEP: Time = 1000 * NS;
/** Deliveries allowed per round trip before the loop gives up (a stuck exchange). */
const MAX_DELIVERIES_PER_RT = 16;

/** A receive buffer of a {@link Side}: a fixed slice of its memory (the "wire" writes `len`). */
class RxSlot implements RxBuffer {
  ref: BufRef;
  constructor(readonly bytes: Bytes, readonly off: number) {
    this.ref = { mem: bytes, off, len: 0 };
  }
  release(): void {}
}

/**
 * One stack with its receive buffers, used as a ring. The harness around the
 * stacks is kept minimal (preallocated buffers, byte loops, no per-frame
 * objects but the stack's own) so that this bench measures the stack.
 */
class Side {
  readonly stack: Stack;
  readonly mem: Uint8Array = new Uint8Array(RX_BUFFERS * RX_BUFFER_BYTES);
  readonly bytes: Bytes = new Bytes(this.mem, "rx");
  readonly slots: RxSlot[] = [];
  next = 0;
  conn: ConnId = -1;

  constructor(readonly pump: Pump, readonly index: number, ip: number) {
    for (let i = 0; i < RX_BUFFERS; i++) {
      this.slots.push(new RxSlot(this.bytes, i * RX_BUFFER_BYTES));
    }
    this.stack = new Stack(
      { id: index, mac: localMac(index + 1), ip, prefixLen: PREFIX_LEN },
      {
        transmit: (frame) => pump.transmit(this, frame),
        event: (ev) => pump.queueEvent(this, ev),
        acct: FREE_ACCOUNTING,
      },
      new Rng(1, `floor-${index}`),
    );
  }
}

class Pump {
  readonly sides: Side[];
  now: Time = 0;
  /** Frames waiting for delivery, as receive slots (their side is `slot.bytes`' owner). */
  private readonly frames: { side: Side; slot: RxSlot }[] = [];
  private readonly events: { side: Side; ev: SocketEvent }[] = [];
  private readonly msg: BufRef[] = [refOf(new Uint8Array(MESSAGE_BYTES))];
  private remaining = 0;
  private token = 0;

  constructor() {
    this.sides = [new Side(this, 0, CLIENT_IP), new Side(this, 1, SERVER_IP)];
    const [client, server] = this.sides;
    client.stack.arp.insertStatic(SERVER_IP, localMac(2));
    server.stack.arp.insertStatic(CLIENT_IP, localMac(1));
    server.stack.listen(PORT, 1);
    client.conn = client.stack.connect(this.now, { addr: SERVER_IP, port: PORT });
    this.loop(MAX_DELIVERIES_PER_RT);
    if (server.conn < 0) throw new Error("floor bench: connection not established");
  }

  /** Runs `n` round trips to completion. */
  run(n: number): void {
    this.remaining = n;
    const client = this.sides[0];
    client.stack.send(this.now, client.conn, this.msg, this.token++);
    this.loop(n * MAX_DELIVERIES_PER_RT);
    if (this.remaining !== 0) throw new Error(`floor bench: ${this.remaining} round trips left`);
  }

  /** Copies a transmitted frame into the peer's next receive buffer (the "wire"). */
  transmit(from: Side, frame: TxFrame): void {
    const to = this.sides[1 - from.index];
    const slot = to.slots[to.next];
    to.next = (to.next + 1) % RX_BUFFERS;
    const mem = to.mem;
    let o = slot.off;
    const h = frame.header;
    for (let i = 0; i < h.length; i++) mem[o++] = h[i];
    for (let k = 0; k < frame.payload.length; k++) {
      const r = frame.payload[k];
      const src = (r.mem as Bytes).data;
      for (let i = 0; i < r.len; i++) mem[o++] = src[r.off + i];
    }
    while (o < slot.off + ETH_MIN_FRAME) mem[o++] = 0;
    slot.ref = { mem: to.bytes, off: slot.off, len: o - slot.off };
    this.frames.push({ side: to, slot });
    frame.onSent?.();
  }

  queueEvent(side: Side, ev: SocketEvent): void {
    this.events.push({ side, ev });
  }

  /** Delivers frames, then events, until both queues are empty. */
  private loop(maxDeliveries: number): void {
    for (let d = 0; d < maxDeliveries;) {
      const f = this.frames.shift();
      if (f !== undefined) {
        d++;
        this.now += STEP;
        const side = f.side;
        side.stack.receive(this.now, f.slot);
        if (side.stack.nextDeadline() <= this.now) side.stack.poll(this.now);
        continue;
      }
      const e = this.events.shift();
      if (e === undefined) return;
      this.onEvent(e.side, e.ev);
    }
  }

  private onEvent(side: Side, ev: SocketEvent): void {
    const s = side.stack;
    if (ev.kind === "new_conn") {
      side.conn = ev.conn;
      s.accept(ev.conn);
    } else if (ev.kind === "new_data") {
      s.recvDone(ev.conn, ev.rxId);
      const isClient = side.index === 0;
      if (!isClient || --this.remaining > 0) s.send(this.now, ev.conn, this.msg, this.token++);
    }
  }
}

const pump = new Pump();
Deno.bench({
  name: `floor: ${ROUND_TRIPS} round trips of ${MESSAGE_BYTES} B, two Stacks, no machine model`,
  group: "floor",
  warmup: 5,
  n: 20,
  fn() {
    pump.run(ROUND_TRIPS);
  },
});
