import assert from "node:assert/strict";
import { formatSeconds, PLAIN_INTERVAL_MS, Progress, TTY_INTERVAL_MS } from "./progress.ts";

/** A progress bar on a fake clock that records what it writes. */
function fake(tty: boolean, quiet = false, total = 10) {
  let t = 0;
  const out: string[] = [];
  const p = new Progress(total, "netpipe", {
    tty,
    quiet,
    write: (s) => out.push(s),
    now: () => t,
  });
  return { p, out, advance: (ms: number) => (t += ms) };
}

Deno.test("non-TTY: one plain line per update, throttled", () => {
  const { p, out, advance } = fake(false);
  p.tick(1, "64 B");
  p.tick(1);
  advance(PLAIN_INTERVAL_MS - 1);
  p.tick(1);
  assert.equal(out.length, 1, "throttled");
  advance(1);
  p.tick(2, "1024 B");
  assert.equal(out.length, 2);
  assert.ok(out.every((l) => l.endsWith("\n") && !l.includes("\r") && !l.includes("\x1b")));
  assert.match(out[0], /^netpipe: 1\/10 \(10%\) elapsed 0\.0 s - 64 B\n$/);
  assert.match(out[1], /^netpipe: 5\/10 \(50%\) eta 2\.0 s elapsed 2\.0 s - 1024 B\n$/);
});

Deno.test("TTY: redraws in place at most every interval, summary ends the line", () => {
  const { p, out, advance } = fake(true);
  p.tick();
  advance(TTY_INTERVAL_MS / 2);
  p.tick();
  advance(TTY_INTERVAL_MS / 2);
  p.tick();
  assert.equal(out.length, 2);
  assert.ok(out.every((l) => l.startsWith("\r\x1b[K") && !l.includes("\n")));
  advance(1000);
  p.done("3 sizes");
  assert.equal(out.at(-1), "\r\x1b[Knetpipe: done 3/10 in 1.2 s - 3 sizes\n");
  p.done();
  p.tick();
  assert.equal(out.length, 3, "nothing after done");
  assert.equal(p.completed, 4);
});

Deno.test("quiet mode writes nothing but still counts", () => {
  const { p, out } = fake(false, true);
  p.tick(3);
  p.done();
  assert.deepEqual(out, []);
  assert.equal(p.completed, 3);
});

Deno.test("unknown total shows a plain count", () => {
  const { p, out } = fake(false, false, 0);
  p.tick(7);
  p.done();
  assert.match(out[0], /^netpipe: 7 elapsed/);
  assert.match(out[1], /^netpipe: done 7 in 0\.0 s\n$/);
});

Deno.test("formatSeconds", () => {
  assert.equal(formatSeconds(4.26), "4.3 s");
  assert.equal(formatSeconds(185), "3 min 05 s");
});
