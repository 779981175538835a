/**
 * TCP segments per wall-second through two TcpLayers connected in memory
 * (stack/tcp/mem_pair.ts: no IP layer, no scheduler, zero-copy payloads).
 * Each iteration sends SEGMENTS messages of one payload size from a to b, one
 * send() per segment (Nagle off), the receiving app releases every delivery
 * at once, and the pair is pumped until idle (data, ACKs, data_acked).
 * segments/s = SEGMENTS / (time per iteration).
 */
import { refOf } from "../stack/buf.ts";
import type { BufRef } from "../hw/buffers.ts";
import { MemPair } from "../stack/tcp/mem_pair.ts";

/** Data segments per benchmark iteration. */
const SEGMENTS = 1000;
/** Messages queued before pumping (keeps the window busy without coalescing). */
const BATCH = 50;

function setup(size: number) {
  // delayed ACK on (default): ACK every second full segment / by bytes
  const pair = new MemPair({ rcvBuf: 1 << 20 });
  const [conn] = pair.open(80);
  const payloads: BufRef[][] = [];
  for (let i = 0; i < BATCH; i++) payloads.push([refOf(new Uint8Array(size).fill(i))]);
  return { pair, conn, payloads };
}

for (const size of [64, 1460]) {
  const { pair, conn, payloads } = setup(size);
  const a = pair.a.layer;
  let token = 0;
  Deno.bench(
    `tcp: ${SEGMENTS} x ${size}-byte segments a->b in memory`,
    { group: `tcp-${size}` },
    () => {
      for (let sent = 0; sent < SEGMENTS; sent += BATCH) {
        for (let i = 0; i < BATCH; i++) a.send(pair.now, conn, payloads[i], token++);
        pair.pump();
      }
      pair.advance(0);
    },
  );
}
