/**
 * Last-resort cleanup: kills child processes and removes temp dirs however the benchmark ends (normal exit,
 * Ctrl-C, an uncaught error). Actions are synchronous so they can run from an `exit` handler.
 */
export interface Cleanup {
  /** Registers an action; returns a function that runs it now (once) and unregisters it. */
  add(action: () => void): () => void;
  /** Runs every registered action, newest first. */
  runAll(): void;
}

/** Creates the cleanup registry and hooks it to process exit and termination signals. */
export function installCleanup(): Cleanup {
  const actions = new Set<() => void>();
  const cleanup: Cleanup = {
    add(action) {
      actions.add(action);
      return () => {
        if (!actions.delete(action)) return;
        action();
      };
    },
    runAll() {
      for (const action of [...actions].reverse()) {
        actions.delete(action);
        try {
          action();
        } catch (err) {
          process.stderr.write(`cleanup step failed: ${String(err)}\n`);
        }
      }
    },
  };
  process.on('exit', () => cleanup.runAll());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      process.stderr.write(`\n${signal}: stopping the hub and simulated workers\n`);
      cleanup.runAll();
      process.exit(130);
    });
  }
  return cleanup;
}

/** Sends a signal to a process that may already be gone. */
export function killQuietly(pid: number | undefined, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, signal);
  } catch {
    // already exited
  }
}
