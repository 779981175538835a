/**
 * The webserver experiment as a `deno bench` suite: one case per point at quick
 * scale (`DLIBOS_SCALE=paper` for the paper's), writing
 * report/out/bench/results/webserver.json and report/out/bench/index.html (see
 * bench/suite.ts). No cases while no webserver experiment is registered.
 */
import { benchExperiment } from "./suite.ts";

benchExperiment("webserver");
