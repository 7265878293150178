import { setTimeout as sleep } from 'node:timers/promises';
import { api as schemas } from '../protocol/api.js';
import type { StoredChunk, Task } from '../hub/tasks/task.js';
import type { ApiClient } from './api-client.js';

const finished = new Set(['succeeded', 'failed', 'cancelled', 'timed_out', 'lost']);

/** A chunk as a person reads it: output as is; from the event stream only the steps, marked. */
export function renderChunk(chunk: Pick<StoredChunk, 'stream' | 'data'>): string {
  if (chunk.stream !== 'event') return chunk.data;
  let text = '';
  for (const line of chunk.data.split('\n')) {
    if (!line) continue;
    try {
      const e = JSON.parse(line) as { kind?: string; message?: string };
      if (e.kind === 'step' && e.message) text += `» ${e.message}\n`;
    } catch {
      // not ours to show
    }
  }
  return text;
}

/** One line for a finished task: state, exit code, duration, cost. */
export function resultLine(task: Task): string {
  const secs = task.startedAt && task.finishedAt ? ` in ${((Date.parse(task.finishedAt) - Date.parse(task.startedAt)) / 1000).toFixed(1)} s` : '';
  const code = task.exitCode !== null ? `, exit ${task.exitCode}` : '';
  const cost = task.costUsd !== null ? `, $${task.costUsd.toFixed(4)}` : '';
  const why = task.error && task.state !== 'succeeded' ? `: ${task.error}` : '';
  // Never a bare success when the agent was refused tools: the summary's line that says so.
  const refused = task.summary?.split('\n').find((l) => l.startsWith('✋ The agent was refused'));
  return `Task ${task.id} on ${task.machine} ${task.state.replace('_', ' ')}${code}${secs}${cost}${why}${refused ? `\n${refused}` : ''}`;
}

/**
 * Prints a task's output from `fromSeq` and, when `follow` is set, keeps printing until the task has finished and
 * every chunk was shown. Returns the task as it ended (or as it is now, without `follow`).
 */
export async function printOutput(
  api: ApiClient,
  taskId: string,
  opts: { follow: boolean; write: (text: string) => void; pollMs?: number; /** Between polls of a running task (what it waits for). */ idle?: () => Promise<void> },
): Promise<Task> {
  let from = 1;
  for (;;) {
    const page = await api.get(`/api/tasks/${encodeURIComponent(taskId)}/output?from=${from}`, schemas.output);
    for (const c of page.chunks) opts.write(renderChunk(c));
    from = page.nextSeq;
    if (page.chunks.length > 0) continue; // there may be more pages right now
    const { task } = await api.get(`/api/tasks/${encodeURIComponent(taskId)}`, schemas.task);
    if (task.outputPrunedAt && page.chunks.length === 0 && from === 1) {
      opts.write(`(the output of ${task.id} was removed on ${task.outputPrunedAt.slice(0, 10)}: the hub keeps finished tasks' output for PIA_OUTPUT_KEEP_DAYS, within PIA_OUTPUT_MAX_GB)\n`);
      return task;
    }
    if (!opts.follow || (finished.has(task.state) && (from > task.outputSeq || task.outputPrunedAt))) return task;
    if (!finished.has(task.state)) await opts.idle?.();
    await sleep(opts.pollMs ?? 250);
  }
}
