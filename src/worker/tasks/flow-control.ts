/** A task as flow control sees it: a process to pause and resume. */
export interface FlowTask {
  /** Whether its process still runs (a finished task is never paused or resumed). */
  running(): boolean;
  pause(): void;
  resume(): void;
}

/** Flow control settings. */
export interface FlowLimits {
  /** Unacknowledged output one task may have before its process is paused. */
  taskBytes: number;
  /** Unacknowledged output all tasks of this worker together may have. */
  linkBytes: number;
  /** The largest chunk a resumed task may add before it is checked again. */
  chunkBytes: number;
}

/** The worker's flow control over its tasks' output. */
export interface FlowControl<T extends FlowTask> {
  /** Chunk `seq` of `bytes` was spooled for `t`; pauses it when a window is full. */
  sent(t: T, seq: number, bytes: number): void;
  /** The hub stored every chunk of `t` up to `seq`; resumes what the budget allows. */
  acked(t: T, seq: number): void;
  /** `t` is gone (the hub recorded it, or forgot it): whatever it still had in flight no longer counts. */
  dropped(t: T): void;
  /** The link went up or down. */
  linkChanged(): void;
  /** Unacknowledged bytes of all tasks together. */
  inFlight(): number;
  /** Unacknowledged bytes of one task. */
  unacked(t: T): number;
  isPaused(t: T): boolean;
}

/** A resumed task that has not sent a chunk for this long no longer counts against the budget. */
const GRANT_MS = 50;

/**
 * Paces the worker's tasks to what the hub acknowledges, so output waits in the agents' pipes (costing nothing)
 * rather than in queues between worker and hub (which is latency). Each task has a window of its own, and the
 * worker has one for all its tasks together; tasks over it are paused and resumed in the order they were paused,
 * only as many as the remaining budget fits, so no task starves and the total in flight stays near `linkBytes`.
 * While the hub is unreachable nothing is paused: output goes on into the spool and is replayed later.
 */
export function createFlowControl<T extends FlowTask>(limits: FlowLimits, linked: () => boolean, now: () => number = Date.now): FlowControl<T> {
  let inFlight = 0;
  /** Per task: the size of each chunk not yet acknowledged, by seq (in order), and their sum. */
  const chunks = new Map<T, { sizes: Map<number, number>; unacked: number }>();
  const unacked = (t: T) => chunks.get(t)?.unacked ?? 0;
  const waiting: T[] = [];
  const paused = new Set<T>();
  /** Tasks resumed whose next chunk has not been counted yet, with when they were resumed. */
  const granted = new Map<T, number>();

  function pause(t: T): void {
    if (paused.has(t) || !t.running()) return;
    paused.add(t);
    waiting.push(t);
    t.pause();
  }

  function resume(t: T): void {
    paused.delete(t);
    t.resume();
  }

  /** Resumes waiting tasks, oldest first, while the budget holds them (at least one when nothing is in flight). */
  function release(): void {
    if (!linked()) {
      for (const t of waiting.splice(0)) resume(t);
      granted.clear();
      return;
    }
    const at = now();
    for (const [t, since] of granted) if (at - since > GRANT_MS) granted.delete(t);
    for (let i = 0; i < waiting.length; ) {
      const t = waiting[i]!;
      if (!t.running()) {
        waiting.splice(i, 1);
        paused.delete(t);
        continue;
      }
      if (unacked(t) > limits.taskBytes) {
        i++; // its own window is still full; others may go ahead
        continue;
      }
      const projected = inFlight + (granted.size + 1) * limits.chunkBytes;
      if (projected > limits.linkBytes && (inFlight > 0 || granted.size > 0)) return;
      waiting.splice(i, 1);
      granted.set(t, at);
      resume(t);
    }
  }

  return {
    /** Chunk `seq` of `bytes` was spooled for `t`; pauses it when a window is full. */
    sent(t: T, seq: number, bytes: number): void {
      let c = chunks.get(t);
      if (!c) chunks.set(t, (c = { sizes: new Map(), unacked: 0 }));
      c.sizes.set(seq, bytes);
      c.unacked += bytes;
      inFlight += bytes;
      granted.delete(t);
      if (linked() && (c.unacked > limits.taskBytes || inFlight > limits.linkBytes)) pause(t);
    },
    /** The hub stored every chunk of `t` up to `seq`. */
    acked(t: T, seq: number): void {
      const c = chunks.get(t);
      if (c) {
        for (const [s, bytes] of c.sizes) {
          if (s > seq) break;
          c.sizes.delete(s);
          c.unacked -= bytes;
          inFlight -= bytes;
        }
      }
      release();
    },
    /** `t` is gone (the hub recorded it, or forgot it): whatever it still had in flight no longer counts. */
    dropped(t: T): void {
      inFlight -= unacked(t);
      chunks.delete(t);
      granted.delete(t);
      paused.delete(t);
      const i = waiting.indexOf(t);
      if (i >= 0) waiting.splice(i, 1);
      release();
    },
    /** The link went up or down. */
    linkChanged(): void {
      release();
    },
    /** Unacknowledged bytes of all tasks together. */
    inFlight: () => inFlight,
    /** Unacknowledged bytes of one task. */
    unacked,
    isPaused: (t: T) => paused.has(t),
  };
}
