import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
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

/**
 * The worker's ledger of the tasks it accepted: kept on disk until the hub has recorded each outcome, so a task is
 * never run twice and never forgotten across a cut link, a hub restart or a worker restart.
 */
export class TaskLedger {
  private readonly file: string;
  private readonly records = new Map<string, LedgerRecord>();

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.file = path.join(dir, 'ledger.json');
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch {
      raw = {};
    }
    const parsed = z.record(z.string(), Entry).safeParse(raw);
    if (parsed.success) for (const [id, r] of Object.entries(parsed.data)) this.records.set(id, r);
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
