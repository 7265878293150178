import type { WorkerMessage } from '../../protocol/messages.js';
import type { OutputStream, ProgressEvent } from '../../protocol/tasks.js';
import type { ActiveTask } from './active-task.js';
import { createFlowControl } from './flow-control.js';

/** How the worker's tasks reach the hub: the worker's link. */
export interface HubPort {
  send(message: WorkerMessage): boolean;
  /** Sends a binary output frame, already encoded (see output-frame.ts). */
  sendOutput(frame: Buffer): boolean;
  readonly linked: boolean;
  bufferedAmount(): number;
}

/** Bytes queued on the socket past which sending waits for it to drain. */
const HIGH_WATER = 4 * 1024 * 1024;
/**
 * Output a task may have in flight (sent or spooled, not yet acknowledged) while the hub is reachable. Past it the
 * task's output is not read until acknowledgements catch up, so a task that writes faster than the hub stores is
 * slowed down rather than building a backlog (which is latency) on the worker's disk. While the hub is unreachable
 * there is no limit: output goes on into the spool and is replayed on reconnect.
 */
const IN_FLIGHT_BYTES = 64 * 1024;
/**
 * The same for all of this worker's tasks together. Every byte in flight is a byte queued in front of the hub, so
 * this bounds the delay between an agent writing and the hub storing it (a fleet of 10 workers keeps about 1.3 MB
 * in flight: 13 ms at 100 MB/s), while a single task can still use the whole link.
 */
const LINK_IN_FLIGHT_BYTES = 128 * 1024;

/** Turns tasks' output into numbered chunks, spools them, and sends what the hub has not had, within flow control. */
export interface OutputPump {
  /** Adds output to a task's pending chunk (written out after `chunkMs`, or at once past `chunkBytes`). */
  emit(t: ActiveTask, stream: OutputStream, data: string): void;
  /** A progress event, as a line of the task's `event` stream. */
  emitEvent(t: ActiveTask, event: ProgressEvent): void;
  /** Writes a task's pending output as a chunk now. */
  flushChunk(t: ActiveTask): void;
  /** Sends what the hub has not had of a task, then its outcome once recorded. */
  pump(t: ActiveTask): void;
  /** The hub acknowledged every chunk of a task up to `seq`. */
  acked(t: ActiveTask, seq: number): void;
  /** A task is gone (forgotten): its flow-control budget is freed. */
  dropped(t: ActiveTask): void;
  /** The link went up or down: flow control pauses only while the hub is reachable. */
  linkChanged(): void;
  close(): void;
}

/** Creates the pump; `tasks` lists the worker's active tasks (for sending after the socket drains). */
export function createOutputPump(deps: { hub: HubPort; tasks: () => Iterable<ActiveTask>; chunkMs: number; chunkBytes: number }): OutputPump {
  const { hub, chunkMs, chunkBytes } = deps;
  const flow = createFlowControl({ taskBytes: IN_FLIGHT_BYTES, linkBytes: LINK_IN_FLIGHT_BYTES, chunkBytes }, () => hub.linked);
  let pumpTimer: NodeJS.Timeout | undefined;

  function emit(t: ActiveTask, stream: OutputStream, data: string): void {
    if (!data) return;
    if (t.pendingStream !== undefined && t.pendingStream !== stream) flushChunk(t);
    t.pendingStream = stream;
    t.pendingData += data;
    if (t.pendingData.length >= chunkBytes) flushChunk(t);
    else t.flushTimer ??= setTimeout(() => flushChunk(t), chunkMs);
  }

  function flushChunk(t: ActiveTask): void {
    if (t.flushTimer) clearTimeout(t.flushTimer);
    t.flushTimer = undefined;
    if (!t.pendingStream || !t.pendingData) return;
    const data = t.pendingData;
    const chunk = { taskId: t.spec.id, seq: t.spool.lastSeq + 1, offset: t.offset, stream: t.pendingStream, at: Date.now() };
    const bytes = Buffer.byteLength(data);
    t.offset += bytes;
    t.pendingData = '';
    t.pendingStream = undefined;
    t.spool.append(chunk, data);
    flow.sent(t.flow, chunk.seq, bytes);
    pump(t);
  }

  /** Sends what the hub has not had yet, within the socket's high-water mark; the outcome goes last. */
  function pump(t: ActiveTask): void {
    if (!hub.linked) return;
    while (t.sentSeq < t.spool.lastSeq) {
      if (hub.bufferedAmount() > HIGH_WATER) {
        pumpTimer ??= setTimeout(pumpAll, 5);
        return;
      }
      for (const chunk of t.spool.read(t.sentSeq + 1, 256 * 1024)) {
        if (!hub.sendOutput(chunk.frame)) return;
        t.sentSeq = chunk.seq;
      }
    }
    if (t.record.outcome && !t.outcomeSent && hub.send({ type: 'task.finished', outcome: t.record.outcome })) t.outcomeSent = true;
  }

  function pumpAll(): void {
    pumpTimer = undefined;
    for (const t of deps.tasks()) pump(t);
  }

  return {
    emit,
    emitEvent: (t, event) => emit(t, 'event', JSON.stringify(event) + '\n'),
    flushChunk,
    pump,
    acked: (t, seq) => flow.acked(t.flow, seq),
    dropped: (t) => flow.dropped(t.flow),
    linkChanged: () => flow.linkChanged(),
    close() {
      if (pumpTimer) clearTimeout(pumpTimer);
    },
  };
}
