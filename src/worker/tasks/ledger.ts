import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { TaskOutcome, TaskSpec, type LedgerEntry } from '../../protocol/tasks.js';

const Entry = z.object({
  spec: TaskSpec,
  state: z.enum(['running', 'finished']),
  workspace: z.string().optional(),
  outcome: TaskOutcome.optional(),
  ackedSeq: z.number().int().nonnegative(),
});
export type LedgerRecord = z.infer<typeof Entry>;

/** An entry the ledger could not read (an older or newer format, a damaged file): set aside, never dropped. */
export interface RejectedEntry {
  taskId: string;
  reason: string;
  /** The file it was set aside in. */
  keptIn: string;
}

/** Where the ledger reports what it could not read. */
export interface LedgerLog {
  error(obj: object, msg: string): void;
}

/** A file name suffix that sorts by time and is safe on every file system. */
const stamp = () => new Date().toISOString().replace(/[:.]/g, '-');

/**
 * The worker's ledger of the tasks it accepted: kept on disk until the hub has recorded each outcome, so a task is
 * never run twice and never forgotten across a cut link, a hub restart or a worker restart.
 *
 * A ledger it cannot read is never taken for an empty one: a file that is not a JSON object is moved to
 * `ledger.json.corrupt-<time>`, and entries that do not parse are kept in `ledger.json.rejected-<time>` and listed in
 * {@link rejected} (the task manager reports them to the hub as lost), each with one loud log line.
 */
export class TaskLedger {
  private readonly file: string;
  private readonly records = new Map<string, LedgerRecord>();
  readonly rejected: RejectedEntry[] = [];

  constructor(dir: string, log: LedgerLog) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.file = path.join(dir, 'ledger.json');
    if (!existsSync(this.file)) return;
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch (err) {
      this.moveAside(log, (err as Error).message);
      return;
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      this.moveAside(log, 'not a JSON object');
      return;
    }
    const bad: Record<string, { entry: unknown; reason: string }> = {};
    for (const [id, entry] of Object.entries(raw)) {
      const parsed = Entry.safeParse(entry);
      if (parsed.success && parsed.data.spec.id === id) this.records.set(id, parsed.data);
      else bad[id] = { entry, reason: parsed.success ? `its key is not its task id ${parsed.data.spec.id}` : reasonOf(parsed.error) };
    }
    const ids = Object.keys(bad);
    if (ids.length === 0) return;
    const keptIn = `${this.file}.rejected-${stamp()}`;
    writeFileSync(keptIn, JSON.stringify(bad, null, 2), { mode: 0o600 });
    for (const id of ids) this.rejected.push({ taskId: id, reason: bad[id]!.reason, keptIn });
    log.error(
      { taskIds: ids, keptIn },
      `${ids.length} entr${ids.length === 1 ? 'y' : 'ies'} of the task ledger ${this.file} could not be read and were set aside in ${keptIn}; their tasks are reported to the hub as lost, never run again`,
    );
  }

  private moveAside(log: LedgerLog, why: string): void {
    const aside = `${this.file}.corrupt-${stamp()}`;
    renameSync(this.file, aside);
    log.error(
      { file: this.file, movedTo: aside },
      `The task ledger ${this.file} could not be read as a ledger and was moved to ${aside} (${why}). The tasks it listed are unknown to this worker now: ` +
        'the hub reports those that were running as lost; check that none of them ran twice.',
    );
  }

  get(taskId: string): LedgerRecord | undefined {
    return this.records.get(taskId);
  }

  all(): LedgerRecord[] {
    return [...this.records.values()];
  }

  /** What the hello reports. */
  entries(): LedgerEntry[] {
    return this.all().map((r) => ({ taskId: r.spec.id, state: r.state }));
  }

  put(record: LedgerRecord): void {
    this.records.set(record.spec.id, record);
    this.save();
  }

  delete(taskId: string): void {
    if (this.records.delete(taskId)) this.save();
  }

  /** Writes the ledger atomically. Acks are saved lazily by the caller (a stale ack only means a replay). */
  save(): void {
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(Object.fromEntries(this.records)), { mode: 0o600 });
    renameSync(tmp, this.file);
  }
}

function reasonOf(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || 'entry'}: ${issue.message}` : 'invalid entry';
}
