/**
 * Cost tables: plain frozen records of named costs (cycles unless a key says
 * otherwise), one module per platform. A table is never mutated; variants are
 * made with {@link withOverrides}, which rejects unknown keys and bad values.
 */

export type CostTable<K extends string> = Readonly<Record<K, number>>;

function checkValue(key: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
    throw new RangeError(`cost "${key}" must be a finite non-negative number, got ${String(v)}`);
  }
  return v;
}

/** Validates every value and freezes the table. */
export function defineTable<K extends string>(values: Record<K, number>): CostTable<K> {
  for (const k of Object.keys(values)) checkValue(k, (values as Record<string, unknown>)[k]);
  return Object.freeze({ ...values });
}

/**
 * A copy of `table` with some values replaced. Every key of `partial` must be
 * a key of `table` (an unknown key throws an Error naming it) and every value
 * a finite non-negative number. `partial` may come from untyped input (JSON).
 */
export function withOverrides<K extends string>(
  table: CostTable<K>,
  partial: Partial<Record<K, number>> | Readonly<Record<string, unknown>>,
): CostTable<K> {
  const out: Record<string, number> = { ...table };
  for (const k of Object.keys(partial).sort()) {
    if (!Object.prototype.hasOwnProperty.call(table, k)) {
      throw new Error(`unknown cost key "${k}" (known: ${Object.keys(table).join(", ")})`);
    }
    out[k] = checkValue(k, (partial as Record<string, unknown>)[k]);
  }
  return Object.freeze(out) as CostTable<K>;
}
