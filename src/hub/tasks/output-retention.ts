import type { Logger } from '../../common/logger.js';
import type { Db } from '../db/database.js';
import { createOutputUsage, type OutputUsage } from './output-usage.js';

/** How long finished tasks' output is kept, and how much of it at most. 0 turns either off. */
export interface RetentionPolicy {
  keepDays: number;
  /** On disk (compressed), over all tasks. */
  maxBytes: number;
}

/** What a prune removed (or, for a dry run, would remove). */
export interface PruneResult {
  tasks: number;
  /** The output's size, and the disk it took (its compressed blocks). */
  outputBytes: number;
  diskBytes: number;
  /** The finished time of the newest task whose output went (null when none did). */
  newestFinishedAt: string | null;
}

/** Which output to remove: older than this many days, and/or the oldest until what is left fits (0: all finished). */
export interface PruneRequest {
  olderThanDays?: number;
  maxBytes?: number;
  dryRun?: boolean;
}

/** Removes finished tasks' output by age and size; knows how much output is kept. */
export interface OutputRetention {
  /** The figures (kept in memory, updated as output is stored and removed). */
  readonly usage: OutputUsage;
  /** Removes output as asked (the policy's by default): oldest finished tasks first, never a running task's. */
  prune(request?: PruneRequest): Promise<PruneResult>;
  /** The writer stored more output: past the size cap, a prune follows soon. */
  stored(outputBytes: number, diskBytes: number): void;
  close(): void;
}

interface Candidate {
  id: string;
  finishedAt: string;
  outputBytes: number;
  diskBytes: number;
}

/** Tasks pruned per transaction; the event loop gets a turn between batches. */
const BATCH = 20;
/** How often the policy is applied by itself (and once, soon after the start). */
const EVERY_MS = 3600_000;
const FIRST_AFTER_MS = 30_000;
/** Past the size cap, the next prune waits at least this long after the last (a burst of output must not loop). */
const CAP_DEBOUNCE_MS = 10_000;

/**
 * Creates retention: applies the policy hourly, and soon after output grows past the size cap. A task's output
 * goes only once the task has ended (its `finished_at` is set), oldest first; the task itself stays, with
 * `output_pruned_at`, so `logs` can say where its output went.
 */
export function createOutputRetention(deps: { db: Db; log: Logger; policy: RetentionPolicy; now?: () => Date }): OutputRetention {
  const { db, log, policy } = deps;
  const now = deps.now ?? (() => new Date());
  const usage = createOutputUsage(db);
  const olderThan = db.prepare<[string], Candidate>(
    `SELECT id, finished_at AS finishedAt, output_bytes AS outputBytes, output_disk_bytes AS diskBytes FROM tasks
      WHERE output_disk_bytes > 0 AND finished_at IS NOT NULL AND finished_at < ? ORDER BY finished_at`,
  );
  const oldest = db.prepare<[], Candidate>(
    `SELECT id, finished_at AS finishedAt, output_bytes AS outputBytes, output_disk_bytes AS diskBytes FROM tasks
      WHERE output_disk_bytes > 0 AND finished_at IS NOT NULL ORDER BY finished_at`,
  );
  const dropBlocks = db.prepare('DELETE FROM output_blocks WHERE task_id = ?');
  const markPruned = db.prepare("UPDATE tasks SET output_disk_bytes = 0, output_pruned_at = ? WHERE id = ? AND finished_at IS NOT NULL");
  const pruneBatch = db.transaction((batch: Candidate[], at: string) => {
    for (const c of batch) {
      dropBlocks.run(c.id);
      markPruned.run(at, c.id);
    }
  });
  /** The policy as a request: 0 days or bytes means no limit of that kind. */
  const policyRequest: PruneRequest = { ...(policy.keepDays ? { olderThanDays: policy.keepDays } : {}), ...(policy.maxBytes ? { maxBytes: policy.maxBytes } : {}) };
  let queue: Promise<unknown> = Promise.resolve();
  let lastCapPrune = 0;
  let capTimer: NodeJS.Timeout | undefined;
  let closed = false;

  /** The tasks whose output a request removes, oldest first. */
  function choose(request: PruneRequest): Candidate[] {
    const chosen = new Map<string, Candidate>();
    if (request.olderThanDays) {
      const cutoff = new Date(now().getTime() - request.olderThanDays * 86_400_000).toISOString();
      for (const c of olderThan.iterate(cutoff)) chosen.set(c.id, c);
    }
    if (request.maxBytes !== undefined) {
      let left = usage.diskBytes - [...chosen.values()].reduce((n, c) => n + c.diskBytes, 0);
      for (const c of oldest.iterate()) {
        if (left <= request.maxBytes) break;
        if (chosen.has(c.id)) continue;
        chosen.set(c.id, c);
        left -= c.diskBytes;
      }
      if (left > request.maxBytes) log.warn({ leftBytes: left, maxBytes: request.maxBytes }, 'running tasks alone hold more output than PIA_OUTPUT_MAX_GB allows');
    }
    return [...chosen.values()];
  }

  async function run(request: PruneRequest): Promise<PruneResult> {
    const chosen = choose(request);
    const result: PruneResult = { tasks: 0, outputBytes: 0, diskBytes: 0, newestFinishedAt: null };
    for (let i = 0; i < chosen.length; i += BATCH) {
      const batch = chosen.slice(i, i + BATCH);
      if (!request.dryRun) {
        if (closed) break;
        pruneBatch(batch, now().toISOString());
        if (i + BATCH < chosen.length) await new Promise((r) => setImmediate(r));
      }
      for (const c of batch) {
        result.tasks++;
        result.outputBytes += c.outputBytes;
        result.diskBytes += c.diskBytes;
        if (!result.newestFinishedAt || c.finishedAt > result.newestFinishedAt) result.newestFinishedAt = c.finishedAt;
        if (!request.dryRun) usage.removed(c.outputBytes, c.diskBytes);
      }
    }
    if (result.tasks && !request.dryRun) log.info({ ...result }, 'task output pruned');
    return result;
  }

  /** One prune at a time, in the order asked. */
  function prune(request: PruneRequest = policyRequest): Promise<PruneResult> {
    const next = queue.then(() => run(request));
    queue = next.catch(() => undefined);
    return next;
  }

  const applyPolicy = () => {
    if (!policy.keepDays && !policy.maxBytes) return;
    prune().catch((err: unknown) => log.error({ err }, 'pruning task output failed'));
  };
  const first = setTimeout(applyPolicy, FIRST_AFTER_MS);
  const hourly = setInterval(applyPolicy, EVERY_MS);
  first.unref();
  hourly.unref();

  return {
    usage,
    prune,
    stored(outputBytes, diskBytes) {
      usage.added(outputBytes, diskBytes);
      if (!policy.maxBytes || usage.diskBytes <= policy.maxBytes || capTimer) return;
      const wait = Math.max(0, lastCapPrune + CAP_DEBOUNCE_MS - Date.now());
      capTimer = setTimeout(() => {
        capTimer = undefined;
        lastCapPrune = Date.now();
        prune({ maxBytes: policy.maxBytes }).catch((err: unknown) => log.error({ err }, 'pruning task output failed'));
      }, wait);
      capTimer.unref();
    },
    close() {
      closed = true;
      clearTimeout(first);
      clearInterval(hourly);
      if (capTimer) clearTimeout(capTimer);
    },
  };
}
