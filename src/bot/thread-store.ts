import type { Db } from '../hub/db/database.js';

/** Which tasks each chat thread follows, so a reply there continues them. Kept in SQLite across restarts. */
export interface ThreadStore {
  /** Records that a thread follows these tasks. */
  link(platform: string, channel: string, thread: string, taskIds: string[]): void;
  /** The tasks a thread follows, oldest first. */
  tasksOf(platform: string, channel: string, thread: string): string[];
}

/** Creates the store. */
export function createThreadStore(db: Db, now: () => Date = () => new Date()): ThreadStore {
  const link = db.prepare('INSERT OR IGNORE INTO chat_thread_tasks (platform, channel, thread, task_id, created_at) VALUES (?, ?, ?, ?, ?)');
  const tasksOf = db.prepare<[string, string, string], string>('SELECT task_id FROM chat_thread_tasks WHERE platform = ? AND channel = ? AND thread = ? ORDER BY created_at, rowid').pluck();
  return {
    link: db.transaction((platform: string, channel: string, thread: string, taskIds: string[]) => {
      const at = now().toISOString();
      for (const id of taskIds) link.run(platform, channel, thread, id, at);
    }),
    tasksOf(platform: string, channel: string, thread: string): string[] {
      return tasksOf.all(platform, channel, thread);
    },
  };
}
