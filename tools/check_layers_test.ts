import assert from "node:assert/strict";
import {
  checkSources,
  EXCEPTIONS,
  importSpecifiers,
  readSources,
  REPO_ROOT,
  resolvePath,
  unusedExceptions,
} from "./check_layers.ts";

Deno.test("layers: every import in the repository flows down core -> hw -> stack -> apps -> report -> bench -> live", async () => {
  const files = await readSources(REPO_ROOT);
  assert.ok(files.some((f) => f.path === "stack/stack.ts"), "the walk found the sources");
  const violations = checkSources(files).map((v) => v.message);
  assert.deepEqual(violations, [], `imports against the layer order:\n${violations.join("\n")}`);
  assert.deepEqual(unusedExceptions(files), [], "EXCEPTIONS entries that exempt nothing");
});

Deno.test("layers: each exception names test files and gives a reason", () => {
  for (const e of EXCEPTIONS) {
    assert.match(e.files, /_test\.ts$/);
    assert.ok(e.reason.length > 0, e.files);
  }
});

Deno.test("layers: an upward import is reported with file, target and both layers", () => {
  const v = checkSources([
    { path: "hw/nic.ts", text: 'import type { Stack } from "../stack/stack.ts";\n' },
    { path: "report/compare.ts", text: 'export { opt } from "../bench/args.ts";\n' },
    { path: "core/x.ts", text: 'const m = await import("../apps/a.ts");\n' },
  ]);
  assert.deepEqual(v.map((x) => x.message), [
    "hw/nic.ts: imports stack/stack.ts (layer hw may not import layer stack)",
    "report/compare.ts: imports bench/args.ts (layer report may not import layer bench)",
    "core/x.ts: imports apps/a.ts (layer core may not import layer apps)",
  ]);
});

Deno.test("layers: downward, same-folder, external, root and tools imports are allowed where due", () => {
  const ok = checkSources([
    {
      path: "stack/host/node.ts",
      text: [
        'import type { LockFactory } from "../../core/work.ts";',
        "import {",
        "  type BufRef,",
        '} from "../../hw/buffers.ts";',
        'import { Stack } from "../stack.ts";',
        'import assert from "node:assert/strict";',
        'import * as vega from "vega";',
        "/**",
        ' * import { App } from "../../apps/api.ts"; (an example in a doc comment)',
        " */",
      ].join("\n"),
    },
    { path: "mod.ts", text: 'export * from "./bench/netpipe.ts";' },
    { path: "tools/x.ts", text: 'import "../bench/cli.ts";' },
  ]);
  assert.deepEqual(ok, []);
  const bad = checkSources([
    { path: "apps/a.ts", text: 'import "../mod.ts";\nimport { f } from "../tools/x.ts";' },
  ]);
  assert.deepEqual(bad.map((x) => x.message), [
    "apps/a.ts: imports mod.ts (layer apps may not import root files)",
    "apps/a.ts: imports tools/x.ts (layer apps may not import folder tools)",
  ]);
});

Deno.test("layers: test files follow the rule unless listed; listed ones that comply are stale", () => {
  const listed = EXCEPTIONS[0].files;
  // The same upward import, written relative to the exempt file and to another test.
  const depth = listed.split("/").length - 1;
  const upward = `import { NetpipeServer } from "${"../".repeat(depth)}apps/netpipe/netpipe.ts";`;
  const other = 'import { NetpipeServer } from "../../apps/netpipe/netpipe.ts";';
  assert.deepEqual(checkSources([{ path: listed, text: upward }]), []);
  assert.equal(checkSources([{ path: "stack/host/rtc_test.ts", text: other }]).length, 1);
  assert.deepEqual(unusedExceptions([{ path: listed, text: upward }]), []);
  assert.deepEqual(unusedExceptions([{ path: listed, text: "" }]), [listed]);
});

Deno.test("layers: specifiers are parsed from every import form and resolved against the file", () => {
  const text = [
    'import a from "./a.ts";',
    'import type { B } from "../b.ts";',
    'export * from "./c.ts";',
    'export type { D } from "./d/d.ts";',
    'import "./e.ts";',
    'const f = await import("./f.ts");',
    'import g from "npm:g";',
  ].join("\n");
  assert.deepEqual(importSpecifiers(text), [
    "./a.ts",
    "../b.ts",
    "./c.ts",
    "./d/d.ts",
    "./e.ts",
    "./f.ts",
  ]);
  assert.equal(resolvePath("stack/host/node.ts", "../../hw/buffers.ts"), "hw/buffers.ts");
  assert.equal(resolvePath("mod.ts", "./stack/buf.ts"), "stack/buf.ts");
});

Deno.test("layers: live sits above bench: it may import every layer and none may import it", () => {
  const v = checkSources([
    {
      path: "live/net.ts",
      text: 'import { Stack } from "../stack/stack.ts";\nimport "../bench/x.ts";\n',
    },
    { path: "bench/cli.ts", text: 'import { main } from "../live/cli.ts";\n' },
  ]);
  assert.deepEqual(v.map((x) => x.message), [
    "bench/cli.ts: imports live/cli.ts (layer bench may not import layer live)",
  ]);
});
