import { mkdirSync, readFileSync, renameSync, writeFileSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { PiaError } from '../common/errors.js';

/** What a worker keeps between starts: which hub, which machine, and the per-machine secret. */
export const WorkerState = z.object({
  hub: z.string(),
  machine: z.string(),
  secret: z.string(),
  /** Hash of the join token this secret was obtained with, so re-running the same `--join` is harmless. */
  joinTokenHash: z.string().optional(),
  enrolledAt: z.string(),
});
export type WorkerState = z.infer<typeof WorkerState>;

const fileName = 'credentials.json';

/** Reads the state file; undefined when there is none. A corrupt file is an error, not a silent re-join. */
export function readWorkerState(stateDir: string): WorkerState | undefined {
  const file = path.join(stateDir, fileName);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new PiaError('state_unreadable', `Cannot read ${file}: ${(err as Error).message}`);
  }
  const parsed = WorkerState.safeParse(safeJson(text));
  if (!parsed.success) {
    throw new PiaError('state_invalid', `${file} is damaged; remove it and enroll again with --join <token>`);
  }
  return parsed.data;
}

/**
 * Writes the state file atomically (temp file, then rename) with mode 0600 in a 0700 directory: it holds the
 * machine's secret.
 */
export function writeWorkerState(stateDir: string, state: WorkerState): void {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const file = path.join(stateDir, fileName);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
