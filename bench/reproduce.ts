/**
 * `deno task reproduce`: rebuilds the paper's evaluation.
 *
 * Experiments are added here as they are implemented; until then this says
 * plainly which exist and which do not, and exits successfully.
 */
import { EXPERIMENTS } from "./experiments.ts";

const available = EXPERIMENTS.filter((e) => e.run !== null);
const missing = EXPERIMENTS.filter((e) => e.run === null);

console.error(
  `dlibos reproduce: ${available.length} of ${EXPERIMENTS.length} experiments implemented`,
);
for (const e of missing) console.error(`  not yet implemented: ${e.name} (${e.paper})`);
for (const e of available) {
  console.error(`running ${e.name} ...`);
  await e.run!();
}
if (available.length === 0) {
  console.error(
    "nothing to run yet: the simulation kernel, machine model and stack are being built",
  );
}
