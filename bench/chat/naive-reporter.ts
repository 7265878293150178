import { setTimeout as sleep } from 'node:timers/promises';
import type { EventBus } from '../../src/hub/events.js';
import { RateLimited, type ChatPort, type ThreadRef } from '../../src/bot/port.js';

/** How far one platform's naive sender got. */
export interface NaiveLane {
  platform: string;
  /** Lines posted (accepted by the platform). */
  delivered: number;
  /** Lines given up on (refused for a reason other than a rate limit). */
  failed: number;
  /** When (performance.now()) the last line was accepted. */
  lastAt: number | null;
  /** When every line of the finished task had been posted; null while behind. */
  doneAt: number | null;
}

/** The naive baseline while it runs. */
export interface NaiveReporter {
  lanes: NaiveLane[];
  /** Output lines of the task so far. */
  lines(): number;
  /** Resolves when every lane has stopped: all lines of the finished task posted (`doneAt` set), or {@link stop}. */
  done: Promise<void>;
  /** Stops sending (a lane waiting out a 429 stops at once). */
  stop(): void;
}

/**
 * The baseline a first version of a chat bot might be: one message per output line, posted as soon as the line
 * arrives, with no pacing. It is the polite kind of naive: one call at a time per platform, in order, and a 429 is
 * waited out for its Retry-After and the same line tried again, so it loses nothing and eventually delivers
 * (firing every line at once would only add 429s). Empty lines are skipped (Slack refuses empty messages).
 */
export function startNaiveReporter(deps: { bus: Pick<EventBus, 'on'>; taskId: string; targets: { port: ChatPort; thread: ThreadRef }[] }): NaiveReporter {
  const lines: string[] = [];
  let partial = '';
  let ended = false;
  const abort = new AbortController();
  let wake = (): void => undefined;
  let wakeUp = new Promise<void>((resolve) => (wake = resolve));
  const notify = (): void => {
    wake();
    wakeUp = new Promise<void>((resolve) => (wake = resolve));
  };

  function take(text: string): void {
    for (const line of text.split('\n')) if (line.trim() !== '') lines.push(line);
  }
  const offOutput = deps.bus.on('task.output', (e) => {
    if (e.taskId !== deps.taskId || e.stream === 'event') return;
    const text = partial + e.data;
    const cut = text.lastIndexOf('\n');
    partial = text.slice(cut + 1);
    if (cut >= 0) take(text.slice(0, cut));
    notify();
  });
  const offFinished = deps.bus.on('task.finished', ({ task }) => {
    if (task.id !== deps.taskId) return;
    take(partial);
    partial = '';
    ended = true;
    notify();
  });

  /** Posts one line until it is accepted; false when stopped. */
  async function send(lane: NaiveLane, port: ChatPort, thread: ThreadRef, line: string): Promise<boolean> {
    for (;;) {
      if (abort.signal.aborted) return false;
      try {
        await port.post(thread, { text: line });
        lane.delivered++;
        lane.lastAt = performance.now();
        return true;
      } catch (err) {
        if (!(err instanceof RateLimited)) {
          lane.failed++;
          return true;
        }
        try {
          await sleep(err.retryAfterMs, undefined, { signal: abort.signal });
        } catch {
          return false;
        }
      }
    }
  }

  async function run(lane: NaiveLane, port: ChatPort, thread: ThreadRef): Promise<void> {
    let next = 0;
    while (!abort.signal.aborted) {
      if (next < lines.length) {
        if (!(await send(lane, port, thread, lines[next]!))) return;
        next++;
      } else if (ended) {
        lane.doneAt = lane.lastAt ?? performance.now();
        return;
      } else {
        await wakeUp;
      }
    }
  }

  const lanes: NaiveLane[] = deps.targets.map((t) => ({ platform: t.port.platform, delivered: 0, failed: 0, lastAt: null, doneAt: null }));
  const done = Promise.all(deps.targets.map((t, i) => run(lanes[i]!, t.port, t.thread))).then(() => undefined);
  return {
    lanes,
    lines: () => lines.length,
    done,
    stop() {
      abort.abort();
      offOutput();
      offFinished();
      // A lane waiting for output must see the abort.
      notify();
    },
  };
}
