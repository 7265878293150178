import { statSync } from 'node:fs';
import type { StorageView } from '../../protocol/api.js';
import type { Db } from '../db/database.js';
import type { OutputRetention, PruneRequest, PruneResult } from './output-retention.js';

/** The disk figures `pia status`, `/api/storage` and `/metrics` show, and prunes a person asks for. */
export interface OutputStorage {
  figures(): StorageView;
  prune(request: PruneRequest): Promise<PruneResult>;
}

const sizeOf = (file: string) => statSync(file, { throwIfNoEntry: false })?.size ?? 0;

/** Creates the view over the database file (`dbFile`; none for an in-memory database) and retention. */
export function createOutputStorage(deps: { db: Db; dbFile: string; retention: OutputRetention; keepDays: number; maxBytes: number }): OutputStorage {
  const { db, dbFile, retention } = deps;
  const onDisk = dbFile !== ':memory:';
  return {
    figures() {
      const pageSize = db.pragma('page_size', { simple: true }) as number;
      const free = db.pragma('freelist_count', { simple: true }) as number;
      return {
        outputKeptBytes: retention.usage.keptBytes,
        outputDiskBytes: retention.usage.diskBytes,
        databaseBytes: onDisk ? sizeOf(dbFile) : 0,
        walBytes: onDisk ? sizeOf(`${dbFile}-wal`) : 0,
        freeBytes: pageSize * free,
        keepDays: deps.keepDays,
        maxBytes: deps.maxBytes,
      };
    },
    prune: (request) => retention.prune(request),
  };
}
