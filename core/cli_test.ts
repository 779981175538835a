import assert from "node:assert/strict";
import {
  type CliIo,
  command,
  dispatch,
  HelpRequested,
  helpText,
  opt,
  parseEnum,
  parseIntIn,
  parseIntList,
  parseNumberIn,
  parseOptions,
  type Program,
  runCli,
  UsageError,
} from "./cli.ts";

const TABLE = {
  mode: opt.oneOf("hosting mode", ["dlibos", "rtc", "linux"] as const, "dlibos"),
  sizes: opt.intList("message sizes in bytes", { min: 1, default: [64, 1024] }),
  iters: opt.int("round trips per size", { min: 1, max: 1_000_000, default: 100, short: "n" }),
  load: opt.number("offered load in Mreq/s", { min: 0 }),
  out: opt.string("results file", { placeholder: "PATH" }),
  seed: opt.int("random seed", { required: true }),
  quiet: opt.flag("no progress output", { short: "q" }),
};

/** The UsageError message of `f`, failing if it does not throw one. */
function usageMessage(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof UsageError, `expected UsageError, got ${e}`);
    assert.ok(!e.message.includes("\n"), "one line");
    return e.message;
  }
  assert.fail("did not throw");
}

Deno.test("defaults apply and values are typed", () => {
  const { values, positionals } = parseOptions(TABLE, ["--seed", "7"]);
  assert.deepEqual(values, {
    mode: "dlibos",
    sizes: [64, 1024],
    iters: 100,
    load: undefined,
    out: undefined,
    seed: 7,
    quiet: false,
  });
  assert.deepEqual(positionals, []);
});

Deno.test("given values are parsed and validated", () => {
  const { values } = parseOptions(TABLE, [
    "--mode=rtc",
    "--sizes",
    "64,1024,65536",
    "-n",
    "5",
    "--load",
    "2.5",
    "--out",
    "r.json",
    "--seed=1",
    "-q",
  ]);
  assert.equal(values.mode, "rtc");
  assert.deepEqual(values.sizes, [64, 1024, 65536]);
  assert.equal(values.iters, 5);
  assert.equal(values.load, 2.5);
  assert.equal(values.out, "r.json");
  assert.equal(values.quiet, true);
});

Deno.test("bad options and values give one line naming the problem", () => {
  const p = (argv: string[]) => () => parseOptions(TABLE, ["--seed", "1", ...argv]);
  assert.equal(usageMessage(p(["--bogus"])), "unknown option --bogus (see --help)");
  assert.match(
    usageMessage(p(["--mode", "xdp"])),
    /^--mode: expected one of dlibos, rtc, linux, got 'xdp'$/,
  );
  assert.match(usageMessage(p(["--iters", "0"])), /^--iters: must be in 1\.\.1000000, got 0$/);
  assert.match(usageMessage(p(["--iters", "1.5"])), /^--iters: expected an integer, got '1\.5'$/);
  assert.match(usageMessage(p(["--sizes", "64,,8"])), /^--sizes: item 2 of '64,,8' is empty$/);
  assert.match(usageMessage(p(["--sizes", "64,0"])), /^--sizes: must be >= 1, got 0$/);
  assert.match(usageMessage(p(["--load=-1"])), /^--load: must be >= 0, got -1$/);
  assert.match(usageMessage(p(["--load", "abc"])), /^--load: expected a number, got 'abc'$/);
  assert.equal(usageMessage(p(["--out"])), "option --out needs a value");
  // A negative number after a numeric option is its value, judged by the option's range.
  assert.equal(usageMessage(p(["--iters", "-5"])), "--iters: must be in 1..1000000, got -5");
  assert.equal(usageMessage(p(["-n", "-5"])), "--iters: must be in 1..1000000, got -5");
  assert.equal(usageMessage(p(["--load", "-0.5"])), "--load: must be >= 0, got -0.5");
  assert.equal(usageMessage(p(["--sizes", "-64"])), "--sizes: must be >= 1, got -64");
  assert.equal(
    usageMessage(p(["--sizes", "64", "--sizes", "-64,128"])),
    "--sizes: must be >= 1, got -64",
  );
  assert.equal(
    usageMessage(p(["--out", "--quiet"])),
    "option --out needs a value (for one starting with '-' write --out=VALUE)",
  );
  assert.equal(usageMessage(p(["--quiet=yes"])), "option --quiet takes no value");
  assert.equal(usageMessage(p(["stray"])), "unexpected argument 'stray'");
  assert.equal(usageMessage(() => parseOptions(TABLE, [])), "missing required option --seed");
});

Deno.test("negative numbers are values: accepted where the range allows them", () => {
  const { values } = parseOptions(TABLE, ["--seed", "-3"]);
  assert.equal(values.seed, -3);
  const after = parseOptions(TABLE, ["--seed", "1", "--", "-3"], { positionals: { max: 1 } });
  assert.deepEqual(after.positionals, ["-3"]);
});

const FILES = {
  json: opt.outputFile("results file", { stdout: true }),
  pcap: opt.outputFile("capture"),
  out: opt.outputDir("report directory", { default: "." }),
};

Deno.test("output files are checked at parse time, never created", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const p = (argv: string[]) => () => parseOptions(FILES, argv);
    assert.equal(parseOptions(FILES, ["--json", "-"]).values.json, "-");
    assert.equal(parseOptions(FILES, ["--json", `${dir}/a.json`]).values.json, `${dir}/a.json`);
    assert.deepEqual([...Deno.readDirSync(dir)], [], "the probe file is removed again");
    await Deno.writeTextFile(`${dir}/keep.json`, "x");
    parseOptions(FILES, ["--json", `${dir}/keep.json`]);
    assert.equal(await Deno.readTextFile(`${dir}/keep.json`), "x", "an existing file is untouched");
    assert.equal(
      usageMessage(p(["--json", dir])),
      `--json: '${dir}' is a directory, expected a file`,
    );
    assert.equal(
      usageMessage(p(["--pcap", dir])),
      `--pcap: '${dir}' is a directory, expected a file`,
    );
    assert.equal(
      usageMessage(p(["--json", `${dir}/nonexistent/x.json`])),
      `--json: directory '${dir}/nonexistent' does not exist`,
    );
    assert.equal(
      usageMessage(p(["--pcap", "-"])),
      "--pcap: '-' (standard output) is not allowed here; name a file",
    );
    assert.match(
      usageMessage(p(["--json", "/proc/x.json"])),
      /^--json: cannot write '\/proc\/x\.json'/,
    );
    assert.equal(
      usageMessage(p(["--json", `${dir}/keep.json/x`])),
      `--json: '${dir}/keep.json' is not a directory`,
    );
    assert.ok(!(await exists(`${dir}/nonexistent`)), "no directory was created");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("output directories: existing or creatable, and the default is checked too", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const p = (argv: string[]) => () => parseOptions(FILES, argv);
    assert.equal(parseOptions(FILES, ["--out", `${dir}/new`]).values.out, `${dir}/new`);
    assert.ok(!(await exists(`${dir}/new`)), "left for the program to create");
    assert.equal(parseOptions(FILES, ["--out", dir]).values.out, dir);
    assert.match(
      usageMessage(p(["--out", "/proc/x"])),
      /^--out: cannot write in directory '\/proc'/,
    );
    assert.equal(
      usageMessage(p(["--out", `${dir}/a/b`])),
      `--out: directory '${dir}/a' does not exist`,
    );
    await Deno.writeTextFile(`${dir}/f`, "");
    assert.equal(
      usageMessage(p(["--out", `${dir}/f`])),
      `--out: '${dir}/f' exists and is not a directory`,
    );
    const bad = { out: opt.outputDir("report directory", { default: `${dir}/a/b` }) };
    assert.equal(
      usageMessage(() => parseOptions(bad, [])),
      `--out (default): directory '${dir}/a' does not exist`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("--help throws HelpRequested documenting every option", () => {
  let text = "";
  try {
    parseOptions(TABLE, ["--help"], { usage: "sim netpipe [options]", summary: "Ping-pong." });
  } catch (e) {
    assert.ok(e instanceof HelpRequested);
    text = e.text;
  }
  assert.match(text, /^usage: sim netpipe \[options\]\n\nPing-pong\./);
  for (const name of Object.keys(TABLE)) assert.ok(text.includes(`--${name}`), name);
  assert.ok(text.includes("--mode <dlibos|rtc|linux>"));
  assert.ok(text.includes("[default: 64,1024]"));
  assert.ok(text.includes("[default: 100]"));
  assert.ok(text.includes("[required]"));
  assert.ok(text.includes("-n, --iters <N>"));
  assert.ok(text.includes("-h, --help"));
  assert.equal(helpText(TABLE), helpText(TABLE));
});

Deno.test("positional arguments are counted", () => {
  const s = { positionals: { min: 2, max: 2, names: "files" } };
  assert.deepEqual(parseOptions({}, ["a", "b"], s).positionals, ["a", "b"]);
  assert.equal(
    usageMessage(() => parseOptions({}, ["a"], s)),
    "missing files (expected at least 2, got 1)",
  );
  assert.equal(usageMessage(() => parseOptions({}, ["a", "b", "c"], s)), "unexpected argument 'c'");
});

Deno.test("validators on their own", () => {
  assert.equal(parseIntIn(" 42 "), 42);
  assert.throws(() => parseIntIn("9007199254740993"), /too large/);
  assert.equal(parseNumberIn("1e3"), 1000);
  assert.throws(() => parseNumberIn(""), /expected a number/);
  assert.equal(parseEnum("a", ["a", "b"]), "a");
  assert.deepEqual(parseIntList("1, 2,3"), [1, 2, 3]);
  assert.throws(() => parseIntList(""), /comma-separated/);
});

function program(log: string[]): Program {
  return {
    name: "sim",
    summary: "Run one simulated experiment.",
    commands: [
      command({
        name: "netpipe",
        summary: "ping-pong latency",
        options: { mode: opt.oneOf("mode", ["dlibos", "linux"] as const, "dlibos") },
        run: (v) => {
          log.push(`netpipe ${v.mode}`);
          return 0;
        },
      }),
      command({
        name: "memcached",
        summary: "SLA search",
        options: { load: opt.number("load", { default: 1 }) },
        positionals: { max: 1 },
        run: (v, pos) => {
          log.push(`memcached ${v.load} ${pos.join(",")}`);
          return 3;
        },
      }),
    ],
  };
}

Deno.test("dispatch runs the named subcommand with its own options", async () => {
  const log: string[] = [];
  assert.equal(await dispatch(program(log), ["netpipe", "--mode", "linux"]), 0);
  assert.equal(await dispatch(program(log), ["memcached", "--load=2", "x"]), 3);
  assert.deepEqual(log, ["netpipe linux", "memcached 2 x"]);
});

Deno.test("dispatch: help, unknown commands and per-command errors", async () => {
  const p = program([]);
  for (const argv of [[], ["--help"], ["-h"], ["help"]]) {
    await assert.rejects(dispatch(p, argv), (e: HelpRequested) => {
      assert.match(e.text, /^usage: sim <command> \[options\]/);
      assert.match(e.text, /netpipe\s+ping-pong latency/);
      return true;
    });
  }
  await assert.rejects(dispatch(p, ["help", "netpipe"]), (e: HelpRequested) => {
    assert.match(e.text, /^usage: sim netpipe \[options\]/);
    return true;
  });
  await assert.rejects(dispatch(p, ["netpipe", "-h"]), HelpRequested);
  await assert.rejects(
    dispatch(p, ["bogus"]),
    new UsageError("unknown command 'bogus' (expected one of: netpipe, memcached)"),
  );
  await assert.rejects(dispatch(p, ["netpipe", "--load", "1"]), /unknown option --load/);
});

function fakeIo() {
  const out: string[] = [];
  const err: string[] = [];
  const exits: number[] = [];
  const io: CliIo = {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    exit: (c) => exits.push(c),
  };
  return { io, out, err, exits };
}

Deno.test("runCli maps UsageError to 'error: msg' and exit 2", async () => {
  const f = fakeIo();
  const code = await runCli(() => parseOptions(TABLE, ["--seed", "x"]) && 0, f.io);
  assert.equal(code, 2);
  assert.deepEqual(f.exits, [2]);
  assert.deepEqual(f.err, ["error: --seed: expected an integer, got 'x'"]);
  assert.deepEqual(f.out, []);
});

Deno.test("runCli prints help on stdout and exits 0 without calling exit", async () => {
  const f = fakeIo();
  const code = await runCli(() => dispatch(program([]), ["--help"]), f.io);
  assert.equal(code, 0);
  assert.deepEqual(f.exits, []);
  assert.match(f.out[0], /^usage: sim/);
});

Deno.test("runCli passes main's exit code and reports other errors with code 1", async () => {
  const a = fakeIo();
  assert.equal(await runCli(() => dispatch(program([]), ["memcached"]), a.io), 3);
  assert.deepEqual(a.exits, [3]);
  const b = fakeIo();
  assert.equal(await runCli(() => Promise.reject(new Error("boom")), b.io), 1);
  assert.deepEqual(b.exits, [1]);
  assert.equal(b.err[0], "error: boom");
  const c = fakeIo();
  assert.equal(await runCli(() => {}, c.io), 0);
  assert.deepEqual(c.exits, []);
});
