/**
 * Socket-layer events and commands as on-chip messages: their size in UDN
 * words (one word = 8 bytes on the 64-bit TileGX) and the queues they use. A
 * message's payload is the bare {@link SocketEvent} or {@link SocketCommand};
 * the sending core is known by the message's source tile.
 */
import type { SocketCommand, SocketEvent } from "../events.ts";

/** Words of every event/command: kind + connection (network core, id). */
export const MSG_BASE_WORDS = 2;
/** Words per buffer reference (region/offset word + length word). */
export const MSG_REF_WORDS = 2;
/** Extra words of new_conn: local and remote endpoints and the listening port. */
export const MSG_NEW_CONN_WORDS = 3;
/** Extra words of connect: remote endpoint and tag. */
export const MSG_CONNECT_WORDS = 2;
/** Extra words of listen: port and backlog. */
export const MSG_LISTEN_WORDS = 1;
/** Extra word carrying a token or rxId. */
export const MSG_TOKEN_WORDS = 1;

/** Demux queue on application tiles that carries events. */
export const EVENT_QUEUE = 0;
/** Demux queue on network tiles that carries commands. */
export const COMMAND_QUEUE = 1;

export function eventWords(ev: SocketEvent): number {
  switch (ev.kind) {
    case "new_conn":
      return MSG_BASE_WORDS + MSG_NEW_CONN_WORDS;
    case "new_data":
      return MSG_BASE_WORDS + MSG_TOKEN_WORDS + MSG_REF_WORDS * ev.refs.length;
    case "data_acked":
      return MSG_BASE_WORDS + MSG_TOKEN_WORDS;
    default:
      return MSG_BASE_WORDS;
  }
}

export function commandWords(cmd: SocketCommand): number {
  switch (cmd.kind) {
    case "listen":
      return MSG_BASE_WORDS + MSG_LISTEN_WORDS;
    case "connect":
      return MSG_BASE_WORDS + MSG_CONNECT_WORDS;
    case "send":
      return MSG_BASE_WORDS + MSG_TOKEN_WORDS + MSG_REF_WORDS * cmd.refs.length;
    case "recv_done":
      return MSG_BASE_WORDS + MSG_TOKEN_WORDS;
    default:
      return MSG_BASE_WORDS;
  }
}
