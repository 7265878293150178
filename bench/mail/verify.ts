import type { ImapFlow } from 'imapflow';
import type { SinkMessage } from '../../test/helpers/smtp-sink.js';
import type { BenchMail } from './bench-mail.js';
import type { StoredMail } from './hub-db.js';

/** Whether each mail was acted on exactly once, from three sides: the hub's database, the SMTP sink, the mailbox. */
export interface ExactlyOnce {
  mails: number;
  /** Tokens with exactly one task / with none / with more than one (and how many tasks those have). */
  tasksOnce: number;
  tasksMissing: number;
  tasksDuplicated: number;
  /** Tasks on the machine that belong to no mail of this batch. */
  tasksOther: number;
  /** Acknowledgements at the sink: Message-IDs answered exactly once / never / more than once; acks for no mail of ours. */
  acksOnce: number;
  acksMissing: number;
  acksDuplicated: number;
  acksOther: number;
  /** The mailbox: messages left in the inbox; Message-IDs in the done folder once / missing / more than once. */
  inboxLeft: number;
  filedOnce: number;
  filedMissing: number;
  filedDuplicated: number;
  /** The hub's own records: mail_inbound rows by outcome, rows marked filed, outbox acks by state. */
  inboundByOutcome: Record<string, number>;
  inboundFiled: number;
  outboxAcks: Record<string, number>;
  /** Every check above came out right. */
  ok: boolean;
}

/** Whether a sink message is one of PIA's acknowledgements, and the Message-ID it answers. */
export function ackOf(m: SinkMessage): string | undefined {
  if (!/^X-PIA-Kind:\s*ack\s*$/im.test(m.raw)) return undefined;
  return /^In-Reply-To:\s*(<[^>\s]+>)/im.exec(m.raw)?.[1] ?? '';
}

function tally(keys: Iterable<string>): Map<string, number> {
  const out = new Map<string, number>();
  for (const k of keys) out.set(k, (out.get(k) ?? 0) + 1);
  return out;
}

/** Once / missing / duplicated of the expected keys in a tally, and how many keys are not expected at all. */
function tallyAgainst(expected: readonly string[], counts: Map<string, number>): { once: number; missing: number; duplicated: number; other: number } {
  const want = new Set(expected);
  let once = 0;
  let missing = 0;
  let duplicated = 0;
  for (const k of expected) {
    const n = counts.get(k) ?? 0;
    if (n === 0) missing++;
    else if (n === 1) once++;
    else duplicated++;
  }
  let other = 0;
  for (const [k, n] of counts) if (!want.has(k)) other += n;
  return { once, missing, duplicated, other };
}

/** The Message-IDs of every message in a folder (one FETCH of the envelopes). */
async function messageIdsIn(client: ImapFlow, folder: string): Promise<string[]> {
  let lock: Awaited<ReturnType<ImapFlow['getMailboxLock']>>;
  try {
    lock = await client.getMailboxLock(folder);
  } catch {
    return []; // the folder does not exist (nothing was ever filed)
  }
  try {
    const ids: string[] = [];
    for await (const m of client.fetch('1:*', { envelope: true })) ids.push(m.envelope?.messageId ?? '');
    return ids;
  } catch {
    return []; // an empty folder: "1:*" matches nothing
  } finally {
    lock.release();
  }
}

/** Checks every mail of a batch against the stored records, the acknowledgements received and the mailbox. */
export async function verifyExactlyOnce(opts: { mails: readonly BenchMail[]; stored: StoredMail; sink: readonly SinkMessage[]; imap: ImapFlow; inbox: string; doneFolder: string }): Promise<ExactlyOnce> {
  const { mails, stored } = opts;
  const tasks = tallyAgainst(
    mails.map((m) => m.token),
    stored.tasksPerToken,
  );
  const acks = tallyAgainst(
    mails.map((m) => m.messageId),
    tally(opts.sink.map(ackOf).filter((id): id is string => id !== undefined)),
  );
  const inboxLeft = (await messageIdsIn(opts.imap, opts.inbox)).length;
  const filed = tallyAgainst(
    mails.map((m) => m.messageId),
    tally(await messageIdsIn(opts.imap, opts.doneFolder)),
  );
  const n = mails.length;
  const result: Omit<ExactlyOnce, 'ok'> = {
    mails: n,
    tasksOnce: tasks.once,
    tasksMissing: tasks.missing,
    tasksDuplicated: tasks.duplicated,
    tasksOther: stored.otherTasks + tasks.other,
    acksOnce: acks.once,
    acksMissing: acks.missing,
    acksDuplicated: acks.duplicated,
    acksOther: acks.other,
    inboxLeft,
    filedOnce: filed.once,
    filedMissing: filed.missing,
    filedDuplicated: filed.duplicated,
    inboundByOutcome: stored.inboundByOutcome,
    inboundFiled: stored.inboundFiled,
    outboxAcks: stored.acksByState,
  };
  const ok =
    tasks.once === n &&
    result.tasksOther === 0 &&
    acks.once === n &&
    acks.other === 0 &&
    inboxLeft === 0 &&
    filed.once === n &&
    filed.other === 0 &&
    (stored.inboundByOutcome.task ?? 0) === n &&
    Object.keys(stored.inboundByOutcome).length === 1 &&
    stored.inboundFiled === n &&
    (stored.acksByState.sent ?? 0) === n;
  return { ...result, ok };
}
