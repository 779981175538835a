/** How applications see the network: the socket API of stack/socket.ts. */
export type { App, ConnRef, FileOp, SocketApi } from "../stack/socket.ts";
