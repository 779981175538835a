import assert from "node:assert/strict";
import { MS, NS, SEC, US } from "../core/time.ts";
import { checksumFinish } from "../hw/checksum.ts";
import { emitIpv4, IPPROTO_ICMP, IPPROTO_TCP, IPV4_HEADER_LEN, parseIp } from "./wire/ipv4.ts";
import { DEFAULT_SNAPLEN, PcapWriter } from "./pcap.ts";
import { ARP_LEN, ARP_OP_REQUEST, emitArp } from "./wire/arp.ts";
import {
  BROADCAST_MAC,
  emitEthernet,
  ETH_HEADER_LEN,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  localMac,
} from "./wire/ethernet.ts";
import { emitIcmpEcho, ICMP_ECHO_REQUEST } from "./wire/icmp.ts";
import {
  emitTcp,
  makeTcpRepr,
  TCP_CHECKSUM_OFFSET,
  TCP_SYN,
  tcpChecksumSum,
  tcpHeaderLen,
} from "./wire/tcp.ts";
import { put16 } from "./wire/bytes.ts";

const LE = true;

Deno.test("pcap: byte-exact global header and record header", () => {
  const w = new PcapWriter();
  const g = w.toBytes();
  assert.equal(g.length, 24);
  const v = new DataView(g.buffer);
  assert.equal(v.getUint32(0, LE), 0xa1b23c4d);
  assert.deepEqual(Array.from(g.subarray(0, 4)), [0x4d, 0x3c, 0xb2, 0xa1]);
  assert.equal(v.getUint16(4, LE), 2);
  assert.equal(v.getUint16(6, LE), 4);
  assert.equal(v.getInt32(8, LE), 0);
  assert.equal(v.getUint32(12, LE), 0);
  assert.equal(v.getUint32(16, LE), DEFAULT_SNAPLEN);
  assert.equal(v.getUint32(20, LE), 1);

  const frame = new Uint8Array([1, 2, 3, 4, 5]);
  w.record(3 * SEC + 250 * MS + 7 * US + 9 * NS + 999, frame); // sub-ns part is truncated
  frame[0] = 99; // the writer copied the frame
  const b = w.toBytes();
  assert.equal(b.length, 24 + 16 + 5);
  const r = new DataView(b.buffer, 24);
  assert.equal(r.getUint32(0, LE), 3);
  assert.equal(r.getUint32(4, LE), 250_007_009);
  assert.equal(r.getUint32(8, LE), 5);
  assert.equal(r.getUint32(12, LE), 5);
  assert.deepEqual(Array.from(b.subarray(40)), [1, 2, 3, 4, 5]);
  assert.equal(w.records, 1);
});

Deno.test("pcap: snaplen truncates captured bytes but keeps the original length", () => {
  const w = new PcapWriter(4);
  w.record(0, new Uint8Array(10).fill(7));
  const b = w.toBytes();
  const r = new DataView(b.buffer, 24);
  assert.equal(r.getUint32(8, LE), 4);
  assert.equal(r.getUint32(12, LE), 10);
  assert.equal(b.length, 24 + 16 + 4);
  assert.throws(() => new PcapWriter(0), RangeError);
  assert.throws(() => w.record(-1, new Uint8Array(1)), RangeError);
});

Deno.test("pcap: grows past its initial capacity", () => {
  const w = new PcapWriter();
  const f = new Uint8Array(1500).fill(0xab);
  for (let i = 0; i < 100; i++) w.record(i * US, f);
  const b = w.toBytes();
  assert.equal(b.length, 24 + 100 * (16 + 1500));
  assert.equal(b[b.length - 1], 0xab);
});

const MAC_A = localMac(1), MAC_B = localMac(2);
const IP_A = parseIp("10.0.0.1")!, IP_B = parseIp("10.0.0.2")!;

/** Three real frames: ARP request, ICMP echo request, TCP SYN. */
function realFrames(): Uint8Array[] {
  const arp = new Uint8Array(60); // padded to the Ethernet minimum
  emitEthernet({ dst: BROADCAST_MAC, src: MAC_A, ethertype: ETHERTYPE_ARP }, arp, 0);
  emitArp(
    {
      op: ARP_OP_REQUEST,
      senderMac: MAC_A,
      senderIp: IP_A,
      targetMac: new Uint8Array(6),
      targetIp: IP_B,
    },
    arp,
    ETH_HEADER_LEN,
  );
  assert.equal(ETH_HEADER_LEN + ARP_LEN <= 60, true);

  const data = new TextEncoder().encode("ping data!");
  const icmpLen = 8 + data.length;
  const icmp = new Uint8Array(ETH_HEADER_LEN + IPV4_HEADER_LEN + icmpLen);
  emitEthernet({ dst: MAC_B, src: MAC_A, ethertype: ETHERTYPE_IPV4 }, icmp, 0);
  emitIpv4(
    {
      src: IP_A,
      dst: IP_B,
      protocol: IPPROTO_ICMP,
      payloadLen: icmpLen,
      ttl: 64,
      ident: 1,
      dontFragment: true,
      tos: 0,
    },
    icmp,
    ETH_HEADER_LEN,
  );
  emitIcmpEcho(
    { type: ICMP_ECHO_REQUEST, ident: 0x77, seq: 1, data },
    icmp,
    ETH_HEADER_LEN + IPV4_HEADER_LEN,
  );

  const syn = {
    ...makeTcpRepr(),
    srcPort: 49152,
    dstPort: 80,
    seq: 12345,
    flags: TCP_SYN,
    window: 65535,
    mss: 1460,
    sackPermitted: true,
    tsVal: 1,
    tsEcr: 0,
    windowScale: 7,
  };
  const tl = tcpHeaderLen(syn);
  const tcp = new Uint8Array(ETH_HEADER_LEN + IPV4_HEADER_LEN + tl);
  emitEthernet({ dst: MAC_B, src: MAC_A, ethertype: ETHERTYPE_IPV4 }, tcp, 0);
  emitIpv4(
    {
      src: IP_A,
      dst: IP_B,
      protocol: IPPROTO_TCP,
      payloadLen: tl,
      ttl: 64,
      ident: 2,
      dontFragment: true,
      tos: 0,
    },
    tcp,
    ETH_HEADER_LEN,
  );
  const to = ETH_HEADER_LEN + IPV4_HEADER_LEN;
  emitTcp(syn, tcp, to);
  put16(tcp, to + TCP_CHECKSUM_OFFSET, checksumFinish(tcpChecksumSum(tcp, to, tl, IP_A, IP_B, tl)));
  return [arp, icmp, tcp];
}

/** True when tshark is on the PATH (the CI installs it; locally it may be absent). */
function haveTshark(): boolean {
  try {
    return new Deno.Command("tshark", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

Deno.test({
  name: "pcap: tshark reads a capture of real frames with valid checksums",
  ignore: !haveTshark(),
  async fn() {
    const w = new PcapWriter();
    realFrames().forEach((f, i) => w.record(i * MS + 1, f));
    const dir = await Deno.makeTempDir({ prefix: "dlibos-pcap-" });
    const path = `${dir}/real.pcap`;
    try {
      await w.writeFile(path);
      const out = await new Deno.Command("tshark", {
        args: [
          "-r",
          path,
          "-o",
          "ip.check_checksum:TRUE",
          "-o",
          "tcp.check_checksum:TRUE",
          "-T",
          "fields",
          "-E",
          "separator=|",
          "-e",
          "frame.protocols",
          "-e",
          "frame.time_epoch",
          "-e",
          "ip.checksum.status",
          "-e",
          "icmp.checksum.status",
          "-e",
          "tcp.checksum.status",
          "-e",
          "tcp.options.mss_val",
          "-e",
          "_ws.expert.severity",
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stdout = new TextDecoder().decode(out.stdout);
      const stderr = new TextDecoder().decode(out.stderr);
      assert.ok(out.success, stderr);
      const lines = stdout.trim().split("\n").map((l) => l.split("|"));
      assert.equal(lines.length, 3, stdout);
      assert.match(lines[0][0], /^eth:ethertype:arp/);
      assert.match(lines[1][0], /^eth:ethertype:ip:icmp/);
      assert.match(lines[2][0], /^eth:ethertype:ip:tcp/);
      assert.match(lines[1][1], /^0\.001000000/);
      // Checksum status 1 = good (Wireshark's PROTO_CHECKSUM_E_GOOD).
      assert.equal(lines[1][2], "1", "ip checksum");
      assert.equal(lines[1][3], "1", "icmp checksum");
      assert.equal(lines[2][2], "1", "ip checksum");
      assert.equal(lines[2][4], "1", "tcp checksum");
      assert.equal(lines[2][5], "1460");
      // No expert info at warning (0x600000) or error (0x800000) severity: nothing malformed.
      for (const l of lines) {
        for (const sev of l[6].split(",").filter((x) => x !== "")) {
          assert.ok(Number(sev) < 0x600000, `expert severity ${sev} in ${l.join("|")}`);
        }
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
