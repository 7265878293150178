import type { Db } from '../db/database.js';

/** How much task output the hub keeps: read once from the database, then kept up to date in memory. */
export interface OutputUsage {
  /** Output kept (before compression), over every task whose output has not been pruned. */
  readonly keptBytes: number;
  /** The disk that output takes (its compressed blocks). */
  readonly diskBytes: number;
  added(outputBytes: number, diskBytes: number): void;
  removed(outputBytes: number, diskBytes: number): void;
}

/**
 * Creates the counters. Scrapes of /metrics and `pia status` read them often; a sum over every task's row each time
 * would cost the hub's event loop milliseconds per scrape on a large database.
 */
export function createOutputUsage(db: Db): OutputUsage {
  const row = db
    .prepare<[], { kept: number; disk: number }>(
      'SELECT coalesce(sum(output_bytes), 0) AS kept, coalesce(sum(output_disk_bytes), 0) AS disk FROM tasks WHERE output_pruned_at IS NULL',
    )
    .get()!;
  let keptBytes = row.kept;
  let diskBytes = row.disk;
  return {
    get keptBytes() {
      return keptBytes;
    },
    get diskBytes() {
      return diskBytes;
    },
    added(outputBytes, disk) {
      keptBytes += outputBytes;
      diskBytes += disk;
    },
    removed(outputBytes, disk) {
      keptBytes -= outputBytes;
      diskBytes -= disk;
    },
  };
}
