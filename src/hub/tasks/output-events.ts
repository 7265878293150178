import type { OutputFrame } from '../../protocol/output-frame.js';
import { ProgressEvent } from '../../protocol/tasks.js';
import type { EventBus, HubEvents } from '../events.js';
import type { LogBudget } from '../link/log-budget.js';

/**
 * The `task.output` event of a stored chunk. Its text is decoded from the chunk's bytes only when a listener
 * reads it (a watched task in chat, a connected observer): at 100 MB/s of output nobody may be looking, and
 * decoding every chunk into a string would cost CPU and, worse, garbage-collection pauses.
 */
export function outputEvent(machine: string, chunk: OutputFrame): HubEvents['task.output'] {
  let text: string | undefined;
  const event = { taskId: chunk.taskId, machine, seq: chunk.seq, stream: chunk.stream, at: chunk.at } as HubEvents['task.output'];
  // Enumerable, so spreading it or JSON.stringify (the observers' socket) includes the text.
  Object.defineProperty(event, 'data', { enumerable: true, get: () => (text ??= chunk.data.toString('utf8')) });
  return event;
}

/** Publishes each progress event of an `event` chunk (JSON lines) as `task.progress`; malformed lines are skipped. */
export function publishProgress(bus: EventBus, warn: LogBudget, machine: string, chunk: OutputFrame): void {
  for (const line of chunk.data.toString('utf8').split('\n')) {
    if (!line) continue;
    let parsed;
    try {
      parsed = ProgressEvent.safeParse(JSON.parse(line));
    } catch {
      parsed = undefined;
    }
    if (parsed?.success) bus.emit('task.progress', { taskId: chunk.taskId, machine, event: parsed.data });
    else warn.warn({ taskId: chunk.taskId }, 'malformed progress event ignored');
  }
}
