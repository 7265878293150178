import type { Db } from '../db/database.js';
import type { LoadReader } from './placement.js';

/**
 * Reads how busy each machine is in one query over the unfinished tasks (an index on state keeps it small: only
 * the tasks not yet finished are read, whatever the size of the history).
 */
export function createLoadReader(db: Db): LoadReader {
  const q = db.prepare<[], { machine_id: number; active: number; queued: number }>(`
    SELECT machine_id, sum(state <> 'queued') AS active, sum(state = 'queued') AS queued
    FROM tasks WHERE state IN ('queued', 'dispatched', 'running') AND machine_id IS NOT NULL GROUP BY machine_id`);
  return () => {
    const out = new Map<number, { active: number; queued: number }>();
    for (const r of q.all()) out.set(r.machine_id, { active: r.active, queued: r.queued });
    return out;
  };
}
