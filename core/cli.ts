/**
 * Command-line plumbing on `node:util` parseArgs: declared option tables with
 * typed values, validation with one-line errors, generated `--help`, leading
 * subcommands, and {@link runCli}, which turns a {@link UsageError} into
 * `error: <msg>` on stderr and exit code 2.
 *
 * A leaf utility (it imports nothing of the project), so every program, in
 * bench/ or report/, parses its options the same way.
 *
 * ```ts
 * const options = {
 *   mode: opt.oneOf("hosting mode", ["dlibos", "rtc", "linux"] as const, "dlibos"),
 *   sizes: opt.intList("message sizes in bytes", { min: 1, default: [64, 1024] }),
 *   quiet: opt.flag("no progress output"),
 * };
 * const { values } = parseOptions(options, Deno.args, { usage: "netpipe [options]" });
 * values.mode; // "dlibos" | "rtc" | "linux"
 * ```
 */
import { parseArgs } from "node:util";

/** Exit code for bad command-line usage (the BSD sysexits-less convention). */
export const USAGE_EXIT_CODE = 2;
/** Exit code for an unexpected failure. */
export const FAILURE_EXIT_CODE = 1;
/** Column at which help text descriptions start. */
const HELP_COLUMN = 28;

/** A problem with the command line; the message is one line naming it. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Thrown when `--help` is given; {@link runCli} prints `text` and exits 0. */
export class HelpRequested extends Error {
  constructor(readonly text: string) {
    super("help requested");
    this.name = "HelpRequested";
  }
}

// ---------------------------------------------------------------------------
// Option table

/** One option: how it appears on the command line and how its value is parsed. */
export interface OptionSpec<T> {
  /** "boolean" options take no value. */
  readonly type: "boolean" | "string";
  readonly help: string;
  /** Placeholder in help text, e.g. "N" or "dlibos|rtc|linux". */
  readonly placeholder?: string;
  /** Single-letter alias. */
  readonly short?: string;
  /** Value when the option is absent. */
  readonly default: T;
  /** Must be given. */
  readonly required?: boolean;
  /** Converts and validates the raw text; throws an Error whose message says what is wrong. */
  readonly parse: (raw: string) => T;
  /** Default as shown in help (default: derived from `default`). */
  readonly defaultText?: string;
  /** Also run `parse` on a string default when the option is absent (e.g. to check a path). */
  readonly parseDefault?: boolean;
}

// deno-lint-ignore no-explicit-any
export type OptionTable = { readonly [name: string]: OptionSpec<any> };

/** The parsed values of an option table. */
export type OptionValues<T extends OptionTable> = {
  -readonly [K in keyof T]: T[K] extends OptionSpec<infer V> ? V : never;
};

// --- validators (also usable on their own) ---------------------------------

/** An integer in [min, max]. */
export function parseIntIn(raw: string, min = -Infinity, max = Infinity): number {
  const s = raw.trim();
  if (!/^[+-]?\d+$/.test(s)) throw new Error(`expected an integer, got '${raw}'`);
  const n = Number(s);
  if (!Number.isSafeInteger(n)) throw new Error(`'${raw}' is too large`);
  if (n < min || n > max) throw new Error(`must be ${rangeText(min, max)}, got ${n}`);
  return n;
}

/** A finite number in [min, max]. */
export function parseNumberIn(raw: string, min = -Infinity, max = Infinity): number {
  const s = raw.trim();
  const n = s === "" ? NaN : Number(s);
  if (!Number.isFinite(n)) throw new Error(`expected a number, got '${raw}'`);
  if (n < min || n > max) throw new Error(`must be ${rangeText(min, max)}, got ${n}`);
  return n;
}

function rangeText(min: number, max: number): string {
  if (max === Infinity) return `>= ${min}`;
  if (min === -Infinity) return `<= ${max}`;
  return `in ${min}..${max}`;
}

/** One of `values`. */
export function parseEnum<V extends string>(raw: string, values: readonly V[]): V {
  if (!(values as readonly string[]).includes(raw)) {
    throw new Error(`expected one of ${values.join(", ")}, got '${raw}'`);
  }
  return raw as V;
}

/** Comma-separated integers in [min, max], e.g. "64,1024,65536". */
export function parseIntList(raw: string, min = -Infinity, max = Infinity): number[] {
  if (raw.trim() === "") throw new Error("expected a comma-separated list of integers, got ''");
  return raw.split(",").map((item, i) => {
    if (item.trim() === "") throw new Error(`item ${i + 1} of '${raw}' is empty`);
    return parseIntIn(item, min, max);
  });
}

/** Stands for standard output where an output-file option allows it. */
export const STDOUT_PATH = "-";

function errorName(e: unknown): string {
  return e instanceof Error ? e.name : String(e);
}

/** The directory that holds `path` ("." for a bare file name). */
export function parentDir(path: string): string {
  const trimmed = path.replace(/\/+$/, "");
  const slash = trimmed.lastIndexOf("/");
  if (slash < 0) return ".";
  return slash === 0 ? "/" : trimmed.slice(0, slash);
}

function statOrNull(path: string): Deno.FileInfo | null {
  try {
    return Deno.statSync(path);
  } catch (e) {
    // A path through a file ("f/x") is reported by the parent check below.
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) return null;
    throw new Error(`cannot inspect '${path}' (${errorName(e)})`);
  }
}

/** Throws unless `dir` is an existing directory. */
function checkDirExists(dir: string): void {
  const info = statOrNull(dir);
  if (info === null) throw new Error(`directory '${dir}' does not exist`);
  if (!info.isDirectory) throw new Error(`'${dir}' is not a directory`);
}

/** Throws unless a file can be created in the existing directory `dir` (creates and removes one). */
function checkDirWritable(dir: string): void {
  let probe: string;
  try {
    probe = Deno.makeTempFileSync({ dir, prefix: ".dlibos-probe-" });
  } catch (e) {
    throw new Error(`cannot write in directory '${dir}' (${errorName(e)})`);
  }
  Deno.removeSync(probe);
}

/**
 * Checks that `path` can be written as an output file, without running
 * anything else: it is not a directory, its parent directory exists (it is
 * never created) and the file opens for writing. A file that did not exist is
 * removed again. Returns `path`; throws an Error saying what is wrong.
 */
export function checkOutputFile(path: string, allowStdout = false): string {
  if (path === STDOUT_PATH) {
    if (allowStdout) return path;
    throw new Error("'-' (standard output) is not allowed here; name a file");
  }
  if (path === "") throw new Error("expected a file path, got ''");
  const info = statOrNull(path);
  if (info?.isDirectory) throw new Error(`'${path}' is a directory, expected a file`);
  if (info === null) checkDirExists(parentDir(path));
  try {
    Deno.openSync(path, { write: true, append: true, create: true }).close();
  } catch (e) {
    throw new Error(`cannot write '${path}' (${errorName(e)})`);
  }
  if (info === null) Deno.removeSync(path);
  return path;
}

/**
 * Checks that `path` can hold output files: an existing writable directory,
 * or a missing one whose parent exists and is writable (the caller creates
 * it). Returns `path`; throws an Error saying what is wrong.
 */
export function checkOutputDir(path: string): string {
  if (path === "") throw new Error("expected a directory path, got ''");
  const info = statOrNull(path);
  if (info !== null) {
    if (!info.isDirectory) throw new Error(`'${path}' exists and is not a directory`);
    checkDirWritable(path);
    return path;
  }
  const parent = parentDir(path);
  checkDirExists(parent);
  checkDirWritable(parent);
  return path;
}

// --- option builders -------------------------------------------------------

interface Extra {
  readonly short?: string;
  readonly placeholder?: string;
}
interface RangeExtra extends Extra {
  readonly min?: number;
  readonly max?: number;
}

function range(o: RangeExtra | undefined): string {
  const min = o?.min ?? -Infinity;
  const max = o?.max ?? Infinity;
  return min === -Infinity && max === Infinity
    ? ""
    : ` (${rangeText(min, max).replace("in ", "")})`;
}

function valueOption<T>(
  help: string,
  parse: (raw: string) => T,
  def: T,
  placeholder: string,
  extra?: Extra & { required?: boolean },
): OptionSpec<T> {
  return {
    type: "string",
    help,
    parse,
    default: def,
    placeholder: extra?.placeholder ?? placeholder,
    short: extra?.short,
    required: extra?.required,
  };
}

function intOpt(help: string, o: RangeExtra & { default: number }): OptionSpec<number>;
function intOpt(
  help: string,
  o?: RangeExtra & { required?: boolean },
): OptionSpec<number | undefined>;
function intOpt(
  help: string,
  o?: RangeExtra & { default?: number; required?: boolean },
): OptionSpec<number | undefined> {
  return valueOption(help + range(o), (r) => parseIntIn(r, o?.min, o?.max), o?.default, "N", o);
}

function numberOpt(help: string, o: RangeExtra & { default: number }): OptionSpec<number>;
function numberOpt(
  help: string,
  o?: RangeExtra & { required?: boolean },
): OptionSpec<number | undefined>;
function numberOpt(
  help: string,
  o?: RangeExtra & { default?: number; required?: boolean },
): OptionSpec<number | undefined> {
  return valueOption(help + range(o), (r) => parseNumberIn(r, o?.min, o?.max), o?.default, "X", o);
}

function stringOpt(help: string, o: Extra & { default: string }): OptionSpec<string>;
function stringOpt(
  help: string,
  o?: Extra & { required?: boolean },
): OptionSpec<string | undefined>;
function stringOpt(
  help: string,
  o?: Extra & { default?: string; required?: boolean },
): OptionSpec<string | undefined> {
  return valueOption(help, (r) => r, o?.default, "TEXT", o);
}

function oneOfOpt<V extends string>(
  help: string,
  values: readonly V[],
  def: V,
  extra?: Extra,
): OptionSpec<V>;
function oneOfOpt<V extends string>(
  help: string,
  values: readonly V[],
  def?: undefined,
  extra?: Extra & { required?: boolean },
): OptionSpec<V | undefined>;
function oneOfOpt<V extends string>(
  help: string,
  values: readonly V[],
  def?: V,
  extra?: Extra & { required?: boolean },
): OptionSpec<V | undefined> {
  return valueOption(help, (r) => parseEnum(r, values), def, values.join("|"), extra);
}

function intListOpt(
  help: string,
  o: RangeExtra & { default: readonly number[] },
): OptionSpec<number[]>;
function intListOpt(help: string, o?: RangeExtra): OptionSpec<number[] | undefined>;
function intListOpt(
  help: string,
  o?: RangeExtra & { default?: readonly number[] },
): OptionSpec<number[] | undefined> {
  return {
    ...valueOption(
      help + range(o),
      (r) => parseIntList(r, o?.min, o?.max),
      o?.default ? [...o.default] : undefined,
      "N,N,...",
      o,
    ),
    defaultText: o?.default?.join(","),
  };
}

interface OutputFileExtra extends Extra {
  /** Accept "-" for standard output. */
  readonly stdout?: boolean;
  readonly required?: boolean;
}

/** An output file, checked at parse time by {@link checkOutputFile}. */
function outputFileOpt(help: string, o?: OutputFileExtra): OptionSpec<string | undefined> {
  return valueOption(
    help,
    (r) => checkOutputFile(r, o?.stdout ?? false),
    undefined,
    o?.stdout ? "FILE|-" : "FILE",
    o,
  );
}

/** An output directory, checked at parse time by {@link checkOutputDir} (the default too). */
function outputDirOpt(help: string, o: Extra & { default: string }): OptionSpec<string>;
function outputDirOpt(
  help: string,
  o?: Extra & { required?: boolean },
): OptionSpec<string | undefined>;
function outputDirOpt(
  help: string,
  o?: Extra & { default?: string; required?: boolean },
): OptionSpec<string | undefined> {
  return { ...valueOption(help, checkOutputDir, o?.default, "DIR", o), parseDefault: true };
}

/** A boolean switch, false unless given. */
function flagOpt(help: string, extra?: { short?: string }): OptionSpec<boolean> {
  return { type: "boolean", help, default: false, short: extra?.short, parse: () => true };
}

/** Builders for option table entries. */
export const opt = {
  flag: flagOpt,
  int: intOpt,
  number: numberOpt,
  string: stringOpt,
  oneOf: oneOfOpt,
  intList: intListOpt,
  outputFile: outputFileOpt,
  outputDir: outputDirOpt,
} as const;

// ---------------------------------------------------------------------------
// Parsing and help

export interface ParseSettings {
  /** Usage line without "usage: ", e.g. "sim netpipe [options]". */
  readonly usage?: string;
  /** Paragraph shown under the usage line. */
  readonly summary?: string;
  /** Allowed number of positional arguments (default 0..0). */
  readonly positionals?: { readonly min?: number; readonly max?: number; readonly names?: string };
}

export interface Parsed<T extends OptionTable> {
  readonly values: OptionValues<T>;
  readonly positionals: string[];
}

function defaultText(spec: OptionSpec<unknown>): string | undefined {
  if (spec.defaultText !== undefined) return spec.defaultText;
  if (spec.type === "boolean" || spec.default === undefined) return undefined;
  return String(spec.default);
}

/** The `--help` text of an option table. */
export function helpText(table: OptionTable, settings: ParseSettings = {}): string {
  const lines: string[] = [];
  if (settings.usage) lines.push(`usage: ${settings.usage}`, "");
  if (settings.summary) lines.push(settings.summary, "");
  lines.push("options:");
  const entries: [string, string][] = Object.entries(table).map(([name, spec]) => {
    const flag = (spec.short ? `-${spec.short}, ` : "    ") + `--${name}` +
      (spec.type === "string" ? ` <${spec.placeholder ?? "VALUE"}>` : "");
    const def = defaultText(spec);
    const notes = [spec.required ? "required" : "", def !== undefined ? `default: ${def}` : ""]
      .filter((s) => s !== "");
    return [flag, spec.help + (notes.length ? ` [${notes.join("; ")}]` : "")];
  });
  entries.push(["-h, --help", "show this help"]);
  for (const [flag, help] of entries) {
    const pad = flag.length + 2 < HELP_COLUMN ? " ".repeat(HELP_COLUMN - flag.length - 2) : "\n" +
      " ".repeat(HELP_COLUMN);
    lines.push(`  ${flag}${pad}${help}`);
  }
  return lines.join("\n");
}

/** Rewrites node:util parseArgs errors as one short line. */
function usageErrorFrom(e: unknown): UsageError {
  const err = e as { code?: string; message?: string };
  const msg = String(err.message ?? e).split("\n")[0];
  const quoted = /'([^']*)'/.exec(msg)?.[1] ?? "";
  // "'-m, --mode <value>'" names the option by its long form.
  const name = /--[\w-]+/.exec(quoted)?.[0] ?? quoted.split(" ")[0];
  switch (err.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return new UsageError(`unknown option ${quoted} (see --help)`);
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      if (msg.includes("does not take")) return new UsageError(`option ${name} takes no value`);
      if (msg.includes("ambiguous")) {
        return new UsageError(
          `option ${name} needs a value (for one starting with '-' write ${name}=VALUE)`,
        );
      }
      return new UsageError(`option ${name} needs a value`);
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return new UsageError(`unexpected argument '${quoted}'`);
    default:
      return new UsageError(msg);
  }
}

/** A negative number or a list starting with one, e.g. "-1", "-0.5", "-64,128". */
const NEGATIVE_NUMBER = /^-\d[\d.,eE+-]*$/;

/**
 * Joins a value-taking option and a following negative number into one
 * argument ("--seed", "-1" -> "--seed=-1"), so the number is taken as the
 * value (and then judged by the option's own validation) rather than as an
 * unknown option.
 */
function joinNegativeValues(table: OptionTable, argv: readonly string[]): string[] {
  const takesValue = new Set<string>();
  for (const [name, spec] of Object.entries(table)) {
    if (spec.type !== "string") continue;
    takesValue.add(`--${name}`);
    if (spec.short) takesValue.add(`-${spec.short}`);
  }
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      out.push(...argv.slice(i));
      break;
    }
    const next = argv[i + 1];
    if (takesValue.has(a) && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      out.push(a.startsWith("--") ? `${a}=${next}` : `${a}${next}`);
      i++;
    } else {
      out.push(a);
    }
  }
  return out;
}

/**
 * Parses `argv` against `table`. Throws {@link HelpRequested} for -h/--help
 * and {@link UsageError} (one line naming the option) for anything wrong.
 */
export function parseOptions<T extends OptionTable>(
  table: T,
  argv: readonly string[],
  settings: ParseSettings = {},
): Parsed<T> {
  if (Object.hasOwn(table, "help")) throw new Error("option table must not define 'help'");
  const options: Record<string, { type: "boolean" | "string"; short?: string }> = {
    help: { type: "boolean", short: "h" },
  };
  for (const [name, spec] of Object.entries(table)) {
    options[name] = spec.short ? { type: spec.type, short: spec.short } : { type: spec.type };
  }
  const maxPos = settings.positionals?.max ?? 0;
  let raw: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    raw = parseArgs({
      args: joinNegativeValues(table, argv),
      options,
      strict: true,
      allowPositionals: maxPos > 0,
    });
  } catch (e) {
    throw usageErrorFrom(e);
  }
  if (raw.values.help) throw new HelpRequested(helpText(table, settings));

  const minPos = settings.positionals?.min ?? 0;
  const names = settings.positionals?.names ?? "arguments";
  if (raw.positionals.length < minPos) {
    throw new UsageError(
      `missing ${names} (expected at least ${minPos}, got ${raw.positionals.length})`,
    );
  }
  if (raw.positionals.length > maxPos) {
    throw new UsageError(`unexpected argument '${raw.positionals[maxPos]}'`);
  }

  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(table)) {
    const v = raw.values[name];
    if (v === undefined) {
      if (spec.required) throw new UsageError(`missing required option --${name}`);
      values[name] = spec.default;
      if (spec.parseDefault && typeof spec.default === "string") {
        try {
          values[name] = spec.parse(spec.default);
        } catch (e) {
          throw new UsageError(`--${name} (default): ${(e as Error).message.split("\n")[0]}`);
        }
      }
    } else if (typeof v === "boolean") {
      values[name] = v;
    } else {
      try {
        values[name] = spec.parse(v);
      } catch (e) {
        throw new UsageError(`--${name}: ${(e as Error).message.split("\n")[0]}`);
      }
    }
  }
  return { values: values as OptionValues<T>, positionals: raw.positionals };
}

// ---------------------------------------------------------------------------
// Subcommands

export type ExitCode = number | void;

/** A subcommand with its own options. */
export interface Command<T extends OptionTable = OptionTable> {
  readonly name: string;
  /** One line for the program's command list. */
  readonly summary: string;
  readonly options: T;
  readonly positionals?: ParseSettings["positionals"];
  /** Usage suffix after "<program> <name> ", default "[options]". */
  readonly usage?: string;
  run(values: OptionValues<T>, positionals: string[]): ExitCode | Promise<ExitCode>;
}

/** Identity helper that infers a command's option types. */
export function command<T extends OptionTable>(c: Command<T>): Command<T> {
  return c;
}

export interface Program {
  /** Program name as typed, e.g. "sim". */
  readonly name: string;
  readonly summary: string;
  // deno-lint-ignore no-explicit-any
  readonly commands: readonly Command<any>[];
}

/** The program's top-level help: usage and the list of subcommands. */
export function programHelp(p: Program): string {
  const width = Math.max(...p.commands.map((c) => c.name.length)) + 2;
  return [
    `usage: ${p.name} <command> [options]`,
    "",
    p.summary,
    "",
    "commands:",
    ...p.commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    "",
    `Run '${p.name} <command> --help' for a command's options.`,
  ].join("\n");
}

/**
 * Runs the subcommand named by `argv[0]` with the rest of `argv`. No command,
 * `help`, `-h` or `--help` → {@link HelpRequested} with the program help;
 * `help <command>` → that command's help; an unknown name → {@link UsageError}.
 */
export async function dispatch(p: Program, argv: readonly string[]): Promise<ExitCode> {
  const [first, ...rest] = argv;
  if (first === undefined || first === "-h" || first === "--help") {
    throw new HelpRequested(programHelp(p));
  }
  if (first === "help") {
    if (rest.length === 0) throw new HelpRequested(programHelp(p));
    return dispatch(p, [rest[0], "--help"]);
  }
  const cmd = p.commands.find((c) => c.name === first);
  if (cmd === undefined) {
    const names = p.commands.map((c) => c.name).join(", ");
    throw new UsageError(`unknown command '${first}' (expected one of: ${names})`);
  }
  const parsed = parseOptions(cmd.options, rest, {
    usage: `${p.name} ${cmd.name} ${cmd.usage ?? "[options]"}`,
    summary: cmd.summary,
    positionals: cmd.positionals,
  });
  return await cmd.run(parsed.values, parsed.positionals);
}

// ---------------------------------------------------------------------------
// Running

/** Where {@link runCli} prints and how it exits (injectable for tests). */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  exit(code: number): void;
}

/** The real process: console output and `Deno.exit`. */
export const processIo: CliIo = {
  stdout: (t) => console.log(t),
  stderr: (t) => console.error(t),
  exit: (code) => Deno.exit(code),
};

/**
 * Runs `main`, mapping outcomes to exit codes: {@link HelpRequested} → help
 * on stdout, 0; {@link UsageError} → `error: <msg>` on stderr, 2; any other
 * error → `error: <msg>` and its stack on stderr, 1; otherwise main's return
 * value (default 0). Calls `io.exit` only for a non-zero code, so a
 * successful program ends naturally. Returns the code.
 */
export async function runCli(
  main: () => ExitCode | Promise<ExitCode>,
  io: CliIo = processIo,
): Promise<number> {
  let code: number;
  try {
    code = (await main()) ?? 0;
  } catch (e) {
    if (e instanceof HelpRequested) {
      io.stdout(e.text);
      code = 0;
    } else if (e instanceof UsageError) {
      io.stderr(`error: ${e.message}`);
      code = USAGE_EXIT_CODE;
    } else {
      const err = e instanceof Error ? e : new Error(String(e));
      io.stderr(`error: ${err.message}`);
      if (err.stack) io.stderr(err.stack);
      code = FAILURE_EXIT_CODE;
    }
  }
  if (code !== 0) io.exit(code);
  return code;
}
