import type { Db } from '../hub/db/database.js';

/** Where a mail stands in the mailbox: its folder, the folder's UIDVALIDITY and its UID. */
export interface MailboxPlace {
  mailbox: string;
  uidvalidity: number;
  uid: number;
}

/** A handled mail, as recorded. */
export interface InboundRecord extends MailboxPlace {
  messageId: string | null;
  sender: string | null;
  at: string;
  outcome: string;
  detail: string | null;
}

/** Where a task's answers go: the mail thread it came from. */
export interface TaskOrigin {
  taskId: string;
  from: string;
  to: string[];
  subject: string;
  inReplyTo: string;
  references: string[];
  lastDigestAt: string | null;
}

/** One relay mail (machine to machine), as stored. */
export interface RelayRow {
  message_id: string;
  origin_task_id: string;
  from_machine: string;
  to_machine: string;
  requester: string;
  depth: number;
  text: string;
  target_task_id: string | null;
  state: 'sent' | 'started' | 'answered' | 'refused';
  result_state: string | null;
  result_text: string | null;
  collected: number;
}

/** Every SQL statement of the email gateway, in one place. Callers group them in transactions (`db.transaction`). */
export interface MailStore {
  db: Db;
  // --- handled mail ---------------------------------------------------------------------------------------------
  /** The outcome of a mail already handled, by its place in the mailbox. */
  handled(place: MailboxPlace): { outcome: string } | undefined;
  /** Whether a mail with this Message-ID was handled already (it may arrive twice, in two folders). */
  seenMessageId(messageId: string): boolean;
  record(row: InboundRecord): void;
  /** The mail was flagged and moved to the done folder. */
  filed(place: MailboxPlace): void;
  // --- threads ---------------------------------------------------------------------------------------------------
  /** Links a Message-ID (a mail received or sent) to a task: a reply to that mail is about that task. */
  linkMessage(messageId: string, taskId: string): void;
  /** The tasks linked to any of these Message-IDs. */
  tasksOfMessages(messageIds: string[]): string[];
  rememberOrigin(origin: Omit<TaskOrigin, 'lastDigestAt'>): void;
  originOf(taskId: string): TaskOrigin | undefined;
  /** Running tasks that came by mail, started before `cutoff`, with no digest since `cutoff`. */
  dueForDigest(cutoff: string): TaskOrigin[];
  digested(taskId: string, at: string): void;
  /** The kind and task of a mail PIA sent (by its Message-ID), when it is PIA's own. */
  ownMail(messageId: string): { kind: string; task_id: string | null } | undefined;
  // --- refusals --------------------------------------------------------------------------------------------------
  lastRefusalTo(address: string): string | undefined;
  refusalsSince(at: string): number;
  forgetRefusalsBefore(at: string): void;
  noteRefusal(address: string, at: string): void;
  // --- relays ----------------------------------------------------------------------------------------------------
  addRelay(row: { messageId: string; origin: string; from: string; to: string; requester: string; depth: number; text: string; at: string }): void;
  relay(messageId: string): RelayRow | undefined;
  relayOfTarget(taskId: string): RelayRow | undefined;
  relaysFrom(originTaskId: string): number;
  uncollectedAnswers(originTaskId: string): RelayRow[];
  relayStarted(messageId: string, taskId: string): void;
  relayEnded(messageId: string, state: 'answered' | 'refused', resultState: string, text: string, at: string): void;
  relayCollected(messageId: string): void;
}

interface OriginRow {
  task_id: string;
  from_addr: string;
  reply_to: string;
  subject: string;
  in_reply_to: string;
  refs: string;
  last_digest_at: string | null;
}

const toOrigin = (o: OriginRow): TaskOrigin => ({
  taskId: o.task_id,
  from: o.from_addr,
  to: JSON.parse(o.reply_to) as string[],
  subject: o.subject,
  inReplyTo: o.in_reply_to,
  references: JSON.parse(o.refs) as string[],
  lastDigestAt: o.last_digest_at,
});

/** Creates the store over an open, migrated database. */
export function createMailStore(db: Db): MailStore {
  const handled = db.prepare<[string, number, number], { outcome: string }>('SELECT outcome FROM mail_inbound WHERE mailbox = ? AND uidvalidity = ? AND uid = ?');
  const seenId = db.prepare<[string], number>('SELECT 1 FROM mail_inbound WHERE message_id = ?').pluck();
  const record = db.prepare(`INSERT INTO mail_inbound (mailbox, uidvalidity, uid, message_id, sender, received_at, outcome, detail)
      VALUES (@mailbox, @uidvalidity, @uid, @messageId, @sender, @at, @outcome, @detail)`);
  const filed = db.prepare('UPDATE mail_inbound SET filed = 1 WHERE mailbox = ? AND uidvalidity = ? AND uid = ?');
  const link = db.prepare('INSERT OR IGNORE INTO mail_task_messages (message_id, task_id) VALUES (?, ?)');
  const origin = db.prepare(`INSERT OR REPLACE INTO mail_task_origins (task_id, from_addr, reply_to, subject, in_reply_to, refs)
      VALUES (@taskId, @from, @replyTo, @subject, @inReplyTo, @refs)`);
  const originOf = db.prepare<[string], OriginRow>('SELECT * FROM mail_task_origins WHERE task_id = ?');
  const due = db.prepare<[string, string], OriginRow>(`SELECT o.* FROM mail_task_origins o JOIN tasks t ON t.id = o.task_id
      WHERE t.state = 'running' AND t.started_at <= ? AND (o.last_digest_at IS NULL OR o.last_digest_at <= ?)`);
  const digested = db.prepare('UPDATE mail_task_origins SET last_digest_at = ? WHERE task_id = ?');
  const own = db.prepare<[string], { kind: string; task_id: string | null }>('SELECT kind, task_id FROM mail_outbox WHERE message_id = ?');
  const lastRefusal = db.prepare<[string], string>('SELECT last_at FROM mail_refusals WHERE address = ?').pluck();
  const refusalsSince = db.prepare<[string], number>('SELECT count(*) FROM mail_refusals WHERE last_at > ?').pluck();
  const forgetRefusals = db.prepare('DELETE FROM mail_refusals WHERE last_at <= ?');
  const noteRefusal = db.prepare('INSERT INTO mail_refusals (address, last_at) VALUES (?, ?) ON CONFLICT(address) DO UPDATE SET last_at = excluded.last_at');
  const addRelay = db.prepare(`INSERT INTO mail_relays (message_id, origin_task_id, from_machine, to_machine, requester, depth, text, created_at)
      VALUES (@messageId, @origin, @from, @to, @requester, @depth, @text, @at)`);
  const relayById = db.prepare<[string], RelayRow>('SELECT * FROM mail_relays WHERE message_id = ?');
  const relayByTarget = db.prepare<[string], RelayRow>('SELECT * FROM mail_relays WHERE target_task_id = ?');
  const relaysFrom = db.prepare<[string], number>('SELECT count(*) FROM mail_relays WHERE origin_task_id = ?').pluck();
  const uncollected = db.prepare<[string], RelayRow>("SELECT * FROM mail_relays WHERE origin_task_id = ? AND state IN ('answered', 'refused') AND collected = 0 ORDER BY created_at");
  const relayStarted = db.prepare("UPDATE mail_relays SET state = 'started', target_task_id = ? WHERE message_id = ?");
  const relayEnded = db.prepare('UPDATE mail_relays SET state = ?, result_state = ?, result_text = ?, answered_at = ? WHERE message_id = ?');
  const relayCollected = db.prepare('UPDATE mail_relays SET collected = 1 WHERE message_id = ?');

  return {
    db,
    handled: (p) => handled.get(p.mailbox, p.uidvalidity, p.uid),
    seenMessageId: (id) => seenId.get(id) !== undefined,
    record: (row) => void record.run(row),
    filed: (p) => void filed.run(p.mailbox, p.uidvalidity, p.uid),
    linkMessage: (messageId, taskId) => void link.run(messageId, taskId),
    tasksOfMessages(ids) {
      if (ids.length === 0) return [];
      return db.prepare(`SELECT DISTINCT task_id FROM mail_task_messages WHERE message_id IN (${ids.map(() => '?').join(',')})`).pluck().all(...ids) as string[];
    },
    rememberOrigin: (o) => void origin.run({ taskId: o.taskId, from: o.from, replyTo: JSON.stringify(o.to), subject: o.subject, inReplyTo: o.inReplyTo, refs: JSON.stringify(o.references) }),
    originOf(taskId) {
      const row = originOf.get(taskId);
      return row ? toOrigin(row) : undefined;
    },
    dueForDigest: (cutoff) => due.all(cutoff, cutoff).map(toOrigin),
    digested: (taskId, at) => void digested.run(at, taskId),
    ownMail: (id) => own.get(id),
    lastRefusalTo: (address) => lastRefusal.get(address),
    refusalsSince: (at) => refusalsSince.get(at)!,
    forgetRefusalsBefore: (at) => void forgetRefusals.run(at),
    noteRefusal: (address, at) => void noteRefusal.run(address, at),
    addRelay: (row) => void addRelay.run(row),
    relay: (id) => relayById.get(id),
    relayOfTarget: (taskId) => relayByTarget.get(taskId),
    relaysFrom: (originTaskId) => relaysFrom.get(originTaskId)!,
    uncollectedAnswers: (originTaskId) => uncollected.all(originTaskId),
    relayStarted: (messageId, taskId) => void relayStarted.run(taskId, messageId),
    relayEnded: (messageId, state, resultState, text, at) => void relayEnded.run(state, resultState, text, at, messageId),
    relayCollected: (messageId) => void relayCollected.run(messageId),
  };
}
