/**
 * The shape of one live run: what the main thread creates (shared buffers,
 * rings, doorbells) and what each Worker is told at start, plus the counters
 * each Worker reports when it stops.
 *
 * Doorbell numbering: network Worker i is bell i, application Worker j is
 * bell `nNet + j`. Control word 0 is the stop flag.
 */
import type { AppSpec } from "./apps.ts";
import type { RegionTable } from "./regions.ts";

export type LiveMode = "dlibos" | "rtc";
export const LIVE_MODES: readonly LiveMode[] = ["dlibos", "rtc"];

/** Receive slots per network Worker (frames in the driver→stack ring, in TCP queues or held by apps). */
export const RX_SLOTS = 8192;
/** Bytes per receive slot: one whole frame of a 1500-byte MTU (tap.ts's TAP_FRAME_MAX). */
export const RX_SLOT_BYTES = 2048;
/** Words of each event/command ring. */
export const MSG_RING_WORDS = 1 << 18;
/** Index of the stop flag in the control words. */
export const STOP = 0;
/** Index of the count of stacks listening on the app's port (the server is ready at nNet). */
export const LISTENING = 1;

/** Fault injection between the TAP and the stacks (hw/fault.ts probabilities). */
export interface LiveFaults {
  readonly drop?: number;
  readonly duplicate?: number;
  readonly reorder?: number;
  readonly corrupt?: number;
  /** Hold-back of a reordered frame, ps (hw/fault.ts's default is far below a TAP's jitter). */
  readonly reorderDelay?: number;
  readonly seed?: number;
}

/** Common to every Worker. */
export interface WorkerCommon {
  readonly mode: LiveMode;
  readonly nNet: number;
  readonly nApp: number;
  readonly epochMs: number;
  readonly control: SharedArrayBuffer;
  readonly bells: SharedArrayBuffer;
  readonly regions: RegionTable;
  readonly app: AppSpec;
  readonly pcap: boolean;
  readonly tapFd: number;
  readonly tapName: string;
}

export interface DriverStart extends WorkerCommon {
  readonly role: "driver";
  /** Driver → network Worker i: (slot, length) per frame. */
  readonly rxRings: readonly SharedArrayBuffer[];
  /** Network Worker i → driver: freed slot numbers. */
  readonly freeRings: readonly SharedArrayBuffer[];
  readonly faults: LiveFaults | null;
}

export interface NetStart extends WorkerCommon {
  readonly role: "net";
  readonly index: number;
  readonly ip: number;
  readonly prefixLen: number;
  readonly mac: readonly number[];
  readonly seed: number;
  readonly rxRing: SharedArrayBuffer;
  readonly freeRing: SharedArrayBuffer;
  /** Events to application Worker j (DLibOS). */
  readonly evRings: readonly SharedArrayBuffer[];
  /** Commands from application Worker j (DLibOS). */
  readonly cmdRings: readonly SharedArrayBuffer[];
}

export interface AppStart extends WorkerCommon {
  readonly role: "app";
  readonly index: number;
  /** Events from network Worker i. */
  readonly evRings: readonly SharedArrayBuffer[];
  /** Commands to network Worker i. */
  readonly cmdRings: readonly SharedArrayBuffer[];
}

export type WorkerStart = DriverStart | NetStart | AppStart;

/** What a Worker posts when it has stopped. */
export interface WorkerReport {
  readonly role: "driver" | "net" | "app";
  readonly index: number;
  readonly counters: Record<string, number>;
  /** Its pcap records (a whole pcap file) when capturing. */
  readonly pcap: Uint8Array | null;
  /** Set when the Worker stopped because of an error. */
  readonly error?: string;
}
