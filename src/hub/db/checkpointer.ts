import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { Db } from './database.js';

/** The WAL size past which the background thread is started and a checkpoint is run. */
const CHECKPOINT_AT_BYTES = 8 * 1024 * 1024;
/**
 * The WAL size past which the thread makes the writer start the WAL over (see the thread). That holds the hub's
 * writes back while it syncs, which under heavy output is seconds, so it is a safety valve for hours of it, not a
 * routine step: the writer starts the WAL over by itself whenever it finds it all copied (at any pause in output).
 */
const RESTART_AT_BYTES = 1024 * 1024 * 1024;
/** When the thread starts anyway, however small the WAL. */
const START_AFTER_MS = 3000;
/** What the WAL file is cut back to when it starts over. */
const KEEP_WAL_BYTES = 64 * 1024 * 1024;
/** How often the WAL's size is looked at, and (once the thread runs) how often it checkpoints. */
const LOOK_EVERY_MS = 250;

/**
 * The checkpoint thread: its own connection to the same file, copying the WAL back into the database every 250 ms.
 * PASSIVE never waits for or blocks the hub's writer; the writer starts the WAL over once it is all copied.
 * Plain JavaScript, run with `eval`, so it works the same from the built code and from the sources under test.
 */
const THREAD = `
const { workerData, parentPort } = require('node:worker_threads');
const { statSync } = require('node:fs');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 100');
const walSize = () => { try { return statSync(workerData.file + '-wal').size; } catch { return 0; } };
setInterval(() => {
  try {
    // Copies what is committed, without waiting for anyone (nothing new in the WAL: a few system calls).
    const [done] = db.pragma('wal_checkpoint(PASSIVE)');
    // Under a steady stream of commits the writer may never find the WAL fully copied, so it never starts it over
    // and the file grows. Past a (large) limit, RESTART holds writers back until it is all copied and synced, and
    // the next commit starts the WAL from the beginning.
    if (walSize() > workerData.restartBytes && done && done.log > done.checkpointed) db.pragma('wal_checkpoint(RESTART)');
  } catch (err) {
    if (!/busy|locked/i.test(String(err && err.message))) parentPort.postMessage(String((err && err.message) || err));
  }
}, workerData.everyMs);
`;

/**
 * Moves SQLite's WAL checkpoints off the hub's event loop. With the default auto-checkpoint, every 1,000th page
 * written made one commit copy megabytes back into the database and fsync it, synchronously, stalling every link
 * and request for hundreds of milliseconds under heavy task output. Here the hub's connection never checkpoints;
 * a thread does, started 3 s after the hub (or once the WAL passes 8 MB); if it fails, the hub's connection
 * checkpoints by itself again.
 */
export function startCheckpointer(db: Db, file: string, log: Logger): { close(): Promise<void> } {
  if (file === ':memory:') return { close: async () => undefined };
  db.pragma('wal_autocheckpoint = 0');
  db.pragma(`journal_size_limit = ${KEEP_WAL_BYTES}`); // the WAL file shrinks back to this when it starts over
  let thread: Worker | undefined;
  let closed = false;
  const fallBack = (why: string) => {
    log.warn({ err: why }, 'WAL checkpoint thread failed; the hub checkpoints by itself again');
    db.pragma('wal_autocheckpoint = 1000');
  };
  const bornAt = Date.now();
  const look = setInterval(() => {
    let size = 0;
    try {
      size = statSync(`${file}-wal`).size;
    } catch {
      // no WAL yet
    }
    // Starting a thread blocks the event loop for a moment (hundreds of ms on a busy machine): do it soon after the
    // hub starts, before any heavy output, unless the WAL grows first. A hub that lives only seconds never does.
    if ((size < CHECKPOINT_AT_BYTES && Date.now() - bornAt < START_AFTER_MS) || thread || closed) return;
    clearInterval(look);
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    thread = new Worker(THREAD, { eval: true, workerData: { file, driver, everyMs: LOOK_EVERY_MS, restartBytes: RESTART_AT_BYTES } });
    thread.unref();
    thread.on('message', (m: unknown) => log.warn({ err: String(m) }, 'WAL checkpoint failed'));
    thread.on('error', (err) => fallBack(errorMessage(err)));
    thread.on('exit', (code) => {
      if (!closed) fallBack(`thread exited with code ${code}`);
    });
  }, LOOK_EVERY_MS);
  look.unref();
  return {
    async close() {
      closed = true;
      clearInterval(look);
      await thread?.terminate();
    },
  };
}
