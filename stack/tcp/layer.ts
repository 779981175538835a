/**
 * The TCP layer (skeleton; the engine lands in following commits).
 */
import type { BufRef, SharedRx } from "../buf.ts";
import type { ConnId, Endpoint, Ipv4Addr } from "../events.ts";
import type { TcpRepr } from "../wire/repr.ts";
import type { Rng } from "../../core/rng.ts";
import type { Time } from "../../core/time.ts";
import type { TcpLayerApi, TcpLayerHost } from "./api.ts";
import { resolveTcpConfig, type TcpConfig } from "./config.ts";

export { DEFAULT_TCP_CONFIG, type TcpConfig } from "./config.ts";

export class TcpLayer implements TcpLayerApi {
  readonly cfg: TcpConfig;
  constructor(
    readonly host: TcpLayerHost,
    cfg: Partial<TcpConfig>,
    readonly rng: Rng,
    readonly stackId: number,
  ) {
    this.cfg = resolveTcpConfig(cfg);
  }
  input(
    _now: Time,
    _src: Ipv4Addr,
    _dst: Ipv4Addr,
    _repr: TcpRepr,
    _payload: BufRef,
    _rx: SharedRx,
  ): void {}
  poll(_now: Time): void {}
  nextDeadline(): Time {
    return Infinity;
  }
  listen(_port: number, _backlog: number): void {}
  connect(_now: Time, _local: Ipv4Addr, _remote: Endpoint): ConnId {
    return 0;
  }
  accept(_conn: ConnId): void {}
  send(_now: Time, _conn: ConnId, _refs: readonly BufRef[], _token: number): void {}
  recvDone(_conn: ConnId, _rxId: number): void {}
  shutdown(_now: Time, _conn: ConnId): void {}
  close(_now: Time, _conn: ConnId): void {}
}
