/**
 * The slice of a Worker's global scope the live Workers use, typed (Deno's
 * default library types `self` as a window).
 */

/** What a module running as a Worker talks through. */
export interface WorkerScope {
  onmessage: ((e: MessageEvent) => void) | null;
  postMessage(message: unknown): void;
  close(): void;
}

/** True when this module runs inside a Worker. */
export function inWorker(): boolean {
  return typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== "undefined";
}

/** This Worker's scope. */
export function workerScope(): WorkerScope {
  return self as unknown as WorkerScope;
}
