/**
 * Per-connection state keyed by (stack, conn), the way the socket layer names
 * connections. Iteration order is deterministic: stacks in the order first
 * seen, connections in insertion order within a stack.
 */
export class ConnTable<T> {
  private readonly byStack = new Map<number, Map<number, T>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(stack: number, conn: number): T | undefined {
    return this.byStack.get(stack)?.get(conn);
  }

  /** Adds or replaces the state of (stack, conn). */
  set(stack: number, conn: number, value: T): void {
    let m = this.byStack.get(stack);
    if (m === undefined) {
      m = new Map();
      this.byStack.set(stack, m);
    }
    if (!m.has(conn)) this.count++;
    m.set(conn, value);
  }

  /** Removes (stack, conn); returns whether it was present. */
  delete(stack: number, conn: number): boolean {
    const m = this.byStack.get(stack);
    if (m === undefined || !m.delete(conn)) return false;
    this.count--;
    return true;
  }

  *values(): IterableIterator<T> {
    for (const m of this.byStack.values()) yield* m.values();
  }
}
