import { deepEqual, equal } from "node:assert/strict";
import { formatRows, parseWrk } from "./bench.ts";

Deno.test("live bench: wrk --latency output gives requests/s and the 99% line in us", () => {
  const out = `Running 2s test @ http://198.18.0.2/index.html
  Latency Distribution
     50%  300.00us
     99%    1.50ms
  44000 requests in 2.00s, 50.00MB read
Requests/sec:  22000.50
`;
  deepEqual(parseWrk(out), { rps: 22000.5, p99Us: 1500 });
  equal(parseWrk("garbage"), null);
});

Deno.test("live bench: rows print as an aligned table, missing servers with their note", () => {
  const t = formatRows([
    { what: "http", server: "ours", requestsPerSec: 1234.4, p99Us: 99.6, note: "" },
    {
      what: "http",
      server: "nginx",
      requestsPerSec: null,
      p99Us: null,
      note: "nginx not installed",
    },
  ]);
  equal(
    t,
    "load  server  requests/s  p99 (us)\n" +
      "http  ours          1234       100\n" +
      "http  nginx            -         -  nginx not installed",
  );
});
