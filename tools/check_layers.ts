/**
 * Checks that imports flow one way: each top-level folder imports only from
 * itself and the folders before it in {@link LAYERS} (within a folder anything
 * goes). `deno run -A tools/check_layers.ts` prints every violation, one per
 * line, and exits 1 if there is any; tools/check_layers_test.ts runs the same
 * check as part of `deno task test`.
 *
 * Rules:
 * - The layers, lowest first: core, hw, stack, apps, report, bench, live.
 * - Root files (mod.ts, the public surface) and the folders in
 *   {@link FREE_FOLDERS} (tools/, examples/) may import anything; nothing may
 *   import them.
 * - `*_test.ts` files follow the same rule, except the few listed in
 *   {@link EXCEPTIONS}, each with its reason. The list can only shrink.
 *
 * Only relative specifiers are checked ("./x.ts", "../y/z.ts"): `node:` and
 * `npm:` imports and import-map names (vega) are outside the project.
 *
 * ```ts
 * const v = checkSources([
 *   { path: "hw/nic.ts", text: 'import type { Stack } from "../stack/stack.ts";' },
 * ]);
 * v[0].message; // "hw/nic.ts: imports stack/stack.ts (layer hw may not import layer stack)"
 * ```
 */

/** The layers, lowest first: a folder may import only from itself and earlier ones. */
export const LAYERS = ["core", "hw", "stack", "apps", "report", "bench", "live"] as const;

/** Folders outside the layering: they may import any layer (and no layer imports them). */
export const FREE_FOLDERS: readonly string[] = ["tools", "examples"];

/**
 * Test files allowed to import a higher layer, by path (`*` matches within one
 * path segment), each with its reason. Keep it short: {@link unusedExceptions}
 * reports an entry that no longer exempts anything, so the list only shrinks.
 */
export const EXCEPTIONS: readonly { readonly files: string; readonly reason: string }[] = [
  {
    files: "stack/host/linux/mod_test.ts",
    reason: "integration test: runs the real NetPIPE application (apps/netpipe) over the Linux " +
      "model and DLibOS to compare them and to show the app reads copies, not receive buffers",
  },
];

/** Folders never scanned. */
const SKIPPED_DIRS: readonly string[] = ["node_modules", ".git", "report/out"];

/** One source file: its path relative to the repository root ("/" separators) and its text. */
export interface SourceFile {
  readonly path: string;
  readonly text: string;
}

/** An import that goes against the layer order. */
export interface Violation {
  /** The importing file, relative to the root. */
  readonly file: string;
  /** The imported file, relative to the root. */
  readonly target: string;
  /** `file: imports target (layer X may not import layer Y)`. */
  readonly message: string;
}

/**
 * Static `import`/`export ... from` statements (at the start of a line, so
 * examples in doc comments do not count), bare `import "x"` and dynamic
 * `import("x")` with a literal specifier.
 */
const IMPORT_RE =
  /^[ \t]*(?:import|export)\b[^;'"`]*?\bfrom\s*["']([^"']+)["']|^[ \t]*import\s*["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/gm;

/** The relative specifiers a module imports or re-exports, in order. */
export function importSpecifiers(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT_RE)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec.startsWith("./") || spec.startsWith("../")) out.push(spec);
  }
  return out;
}

/** `spec` resolved against the folder of `from` (both relative to the root). */
export function resolvePath(from: string, spec: string): string {
  const parts = from.split("/");
  parts.pop();
  for (const p of spec.split("/")) {
    if (p === "..") parts.pop();
    else if (p !== "." && p !== "") parts.push(p);
  }
  return parts.join("/");
}

/** Layer rank of a path's top folder; null for root files and free or unknown folders. */
function rankOf(path: string): number | null {
  const slash = path.indexOf("/");
  if (slash < 0) return null;
  const i = (LAYERS as readonly string[]).indexOf(path.slice(0, slash));
  return i < 0 ? null : i;
}

function topFolder(path: string): string {
  const slash = path.indexOf("/");
  return slash < 0 ? path : path.slice(0, slash);
}

/** A path glob with `*` matching within one path segment. */
function globMatches(glob: string, path: string): boolean {
  const re = glob.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join("[^/]*");
  return new RegExp(`^${re}$`).test(path);
}

/** Whether `file` is a test file listed in {@link EXCEPTIONS}. */
export function isException(file: string): boolean {
  return file.endsWith("_test.ts") && EXCEPTIONS.some((e) => globMatches(e.files, file));
}

/** Every import in `files` that goes against the layer order (or into a free folder). */
export function checkSources(files: Iterable<SourceFile>): Violation[] {
  const out: Violation[] = [];
  for (const f of files) {
    if (!isException(f.path)) out.push(...fileViolations(f));
  }
  return out;
}

/** The entries of {@link EXCEPTIONS} that exempt no violation in `files` (stale: remove them). */
export function unusedExceptions(files: readonly SourceFile[]): string[] {
  return EXCEPTIONS.filter((e) =>
    !files.some((f) =>
      f.path.endsWith("_test.ts") && globMatches(e.files, f.path) && fileViolations(f).length > 0
    )
  ).map((e) => e.files);
}

function fileViolations({ path, text }: SourceFile): Violation[] {
  const out: Violation[] = [];
  const from = rankOf(path);
  if (from === null) return out;
  const layer = topFolder(path);
  for (const spec of importSpecifiers(text)) {
    const target = resolvePath(path, spec);
    const to = rankOf(target);
    let why: string | null = null;
    if (to === null) {
      if (!target.includes("/")) why = "root files";
      else if (FREE_FOLDERS.includes(topFolder(target))) why = `folder ${topFolder(target)}`;
    } else if (to > from) {
      why = `layer ${topFolder(target)}`;
    }
    if (why !== null) {
      out.push({
        file: path,
        target,
        message: `${path}: imports ${target} (layer ${layer} may not import ${why})`,
      });
    }
  }
  return out;
}

/** Every .ts file under `root` (skipping node_modules, .git, report/out), paths sorted. */
export async function readSources(root: string): Promise<SourceFile[]> {
  const files: SourceFile[] = [];
  async function walk(rel: string): Promise<void> {
    const dir = rel === "" ? root : `${root}/${rel}`;
    for await (const e of Deno.readDir(dir)) {
      const path = rel === "" ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory) {
        if (!SKIPPED_DIRS.includes(path)) await walk(path);
      } else if (e.isFile && path.endsWith(".ts")) {
        files.push({ path, text: await Deno.readTextFile(`${root}/${path}`) });
      }
    }
  }
  await walk("");
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The repository this file is in. */
export const REPO_ROOT: string = decodeURIComponent(new URL("..", import.meta.url).pathname)
  .replace(/\/$/, "");

/** Checks every .ts file under `root` (default: this repository). */
export async function checkLayers(root: string = REPO_ROOT): Promise<Violation[]> {
  return checkSources(await readSources(root));
}

if (import.meta.main) {
  const files = await readSources(REPO_ROOT);
  const violations = checkSources(files);
  for (const v of violations) console.log(v.message);
  for (const e of unusedExceptions(files)) console.log(`stale exception: ${e} exempts nothing`);
  if (violations.length > 0) Deno.exit(1);
}
