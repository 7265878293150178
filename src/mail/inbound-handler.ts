import { errorMessage } from '../common/errors.js';
import { toPlainText } from '../bot/markup.js';
import type { Logger } from '../common/logger.js';
import { parseCommand } from '../commands/parse.js';
import { resultMessage } from '../bot/reporter/views.js';
import type { Actions, Requester } from '../hub/actions/actions.js';
import { notUnderstood, type ActionResult } from '../hub/actions/result.js';
import type { UserStore } from '../hub/auth/users.js';
import type { Db } from '../hub/db/database.js';
import type { LinkServer } from '../hub/link/link-server.js';
import type { MachineStore } from '../hub/registry/machines.js';
import type { Task } from '../hub/tasks/task.js';
import type { TaskService } from '../hub/tasks/task-service.js';
import type { AddressBook } from './addresses.js';
import type { MailConfig } from './config.js';
import type { MailOutbox } from './smtp-outbox.js';
import type { MailRelay } from './machine-mail.js';
import { createRefusals, refusalText } from './auth/refusals.js';
import { senderVerdict } from './auth/sender-verdict.js';
import { headerBlock, tooBigText } from './too-big.js';
import { mailIntent } from './parse/mail-intent.js';
import { newText } from './parse/reply-text.js';
import { parseMail, type ParsedMail } from './parse/parse-mail.js';

/** One message as the IMAP intake hands it over. */
export interface InboundMessage {
  mailbox: string;
  uidvalidity: number;
  uid: number;
  /** The whole message, or only its header block when `headersOnly` (a message over PIA_MAIL_MAX_BYTES). */
  raw: Buffer;
  /** The message's size as the server reports it (RFC822.SIZE), when known. */
  size?: number;
  headersOnly?: boolean;
}

/** What became of a message. */
export type InboundOutcome = 'task' | 'command' | 'refused' | 'ignored' | 'duplicate' | 'failed' | 'foreign' | 'answer' | 'too_big';

/** Why a mail is not answered at all: robots, bounces and lists (no mail loops). */
export function loopReason(mail: ParsedMail): string | undefined {
  const h = mail.headers;
  if (h.autoSubmitted && h.autoSubmitted.toLowerCase() !== 'no') return `Auto-Submitted: ${h.autoSubmitted}`;
  if (h.precedence && /^(bulk|list|junk|auto_reply)$/i.test(h.precedence.trim())) return `Precedence: ${h.precedence}`;
  if (h.returnPath === '') return 'empty Return-Path (a bounce)';
  if (h.listId) return `List-Id: ${h.listId}`;
  if (!mail.from) return 'no sender';
  return undefined;
}

/**
 * Turns a mail into work, once. The message's mailbox UID (with UIDVALIDITY) and its Message-ID are recorded in the
 * same SQLite transaction that creates its tasks and queues the acknowledgement, so a crash before the commit leaves
 * nothing (the mail is handled again) and a crash after it leaves everything (the mail is skipped).
 */
export function createInboundHandler(deps: {
  db: Db;
  config: Readonly<MailConfig>;
  addresses: AddressBook;
  machines: MachineStore;
  users: UserStore;
  actions: Actions;
  tasks: TaskService;
  links: LinkServer;
  outbox: MailOutbox;
  relay: MailRelay;
  log: Logger;
}) {
  const { db, addresses, machines, outbox } = deps;
  const seenUid = db.prepare<[string, number, number], number>('SELECT 1 FROM mail_inbound WHERE mailbox = ? AND uidvalidity = ? AND uid = ?').pluck();
  const seenId = db.prepare<[string], number>('SELECT 1 FROM mail_inbound WHERE message_id = ?').pluck();
  const markFiled = db.prepare('UPDATE mail_inbound SET filed = 1 WHERE mailbox = ? AND uidvalidity = ? AND uid = ?');
  const knownRow = db.prepare<[string, number, number], { outcome: string }>('SELECT outcome FROM mail_inbound WHERE mailbox = ? AND uidvalidity = ? AND uid = ?');
  const record = db.prepare(`INSERT INTO mail_inbound (mailbox, uidvalidity, uid, message_id, sender, received_at, outcome, detail)
      VALUES (@mailbox, @uidvalidity, @uid, @messageId, @sender, @at, @outcome, @detail)`);
  const linkMessage = db.prepare('INSERT OR IGNORE INTO mail_task_messages (message_id, task_id) VALUES (?, ?)');
  const origin = db.prepare(`INSERT OR REPLACE INTO mail_task_origins (task_id, from_addr, reply_to, subject, in_reply_to, refs)
      VALUES (@taskId, @from, @replyTo, @subject, @inReplyTo, @refs)`);
  const tasksOf = (ids: string[]) =>
    ids.length ? (db.prepare(`SELECT DISTINCT task_id FROM mail_task_messages WHERE message_id IN (${ids.map(() => '?').join(',')})`).pluck().all(...ids) as string[]) : [];
  const ownMail = db.prepare<[string], { kind: string; task_id: string | null }>('SELECT kind, task_id FROM mail_outbox WHERE message_id = ?');
  const refusals = createRefusals({ db, mode: deps.config.unknownSenders, enqueue: (m) => outbox.enqueue(m) });

  const replySubject = (s: string) => (/^re:/i.test(s.trim()) ? s.trim() : `Re: ${s.trim() || '(no subject)'}`);
  const thread = (mail: ParsedMail) => [...mail.references, ...(mail.messageId && !mail.references.includes(mail.messageId) ? [mail.messageId] : [])];

  /** Remembers where a task's answers go: its result comes back in this mail's thread (inside the transaction). */
  function rememberOrigin(task: Task, mail: ParsedMail, from: string, to: string[]): void {
    if (mail.messageId) linkMessage.run(mail.messageId, task.id);
    origin.run({ taskId: task.id, from, replyTo: JSON.stringify(to), subject: replySubject(mail.subject), inReplyTo: mail.messageId ?? '', refs: JSON.stringify(thread(mail)) });
  }

  function ack(task: Task, mail: ParsedMail, from: string, sender: string): string {
    const linked = machines.find(task.machine) && deps.links.get(machines.find(task.machine)!.id);
    const autoWake = machines.find(task.machine)?.capabilities.autoWake === true;
    const state = linked ? 'It has started.' : autoWake ? `${task.machine} is asleep: waking it first.` : `${task.machine} is offline; the task starts when it comes online.`;
    return outbox.enqueue({
      kind: 'ack',
      from,
      to: [sender],
      subject: replySubject(mail.subject),
      ...(mail.messageId ? { inReplyTo: mail.messageId } : {}),
      references: thread(mail),
      text: `Task ${task.id} (${task.kind}) on ${task.machine}. ${state}\nYou will get the result in this thread. Reply to continue the same session.\n`,
      taskId: task.id,
    });
  }

  /** Creates the tasks a mail asks for on each target machine, inside the caller's transaction. */
  function createTasks(mail: ParsedMail, targets: string[], who: Requester): Task[] {
    const intent = mailIntent({ subject: mail.subject, text: mail.text, machines: targets });
    const previous = tasksOf([...(mail.inReplyTo ? [mail.inReplyTo] : []), ...mail.references]).map((id) => deps.tasks.get(id));
    const created: Task[] = [];
    for (const machine of targets) {
      const actor = { id: who.identity, origin: 'mail' };
      const before = previous.filter((t) => t.machine === machine).sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
      const own = intent.kind === 'deploy' && intent.tasks && Object.hasOwn(intent.tasks, machine) ? intent.tasks[machine] : undefined;
      const prompt = intent.kind === 'deploy' ? (own ?? intent.prompt) : intent.kind === 'run' ? intent.prompt : '';
      if (before?.sessionId && intent.kind === 'run') {
        // A reply continues the conversation: its new text is the prompt, not the thread's old subject again.
        created.push(deps.tasks.followUp(actor, { taskId: before.id, prompt: newText(mail.text) || prompt, origin: who.origin }));
      } else if (intent.kind === 'deploy') {
        created.push(...deps.tasks.deploy(actor, { repo: intent.repo, ...(intent.ref ? { ref: intent.ref } : {}), targets: [{ machine, prompt: prompt || 'Look at this repository and report what you find.' }], origin: who.origin }).tasks);
      } else if (intent.kind === 'run') {
        created.push(deps.tasks.run(actor, { machine, prompt, origin: who.origin }));
      }
    }
    return created;
  }

  async function answerCommand(mail: ParsedMail, text: string, target: string, from: string, who: Requester, sender: string): Promise<void> {
    // A bare machine command ("wake") means the machine the mail was sent to.
    let parsed = parseCommand(text);
    if (!parsed.ok && parsed.error.startsWith('Missing the machine')) parsed = parseCommand(`${text} ${target}`);
    const result = parsed.ok ? await deps.actions.execute(parsed.command, who) : notUnderstood(parsed);
    const msg = resultMessage(result);
    outbox.enqueue({
      kind: 'answer',
      from,
      to: [sender],
      subject: replySubject(mail.subject),
      ...(mail.messageId ? { inReplyTo: mail.messageId } : {}),
      references: thread(mail),
      text: `${toPlainText(msg.text)}\n${msg.code ? `\n${msg.code}\n` : ''}`,
    });
  }

  return {
    async handle(msg: InboundMessage): Promise<InboundOutcome> {
      if (seenUid.get(msg.mailbox, msg.uidvalidity, msg.uid)) return 'duplicate';
      return handleNew(msg);
    },
    /** Whether a message was handled already (its UID is recorded): the intake then only files it. */
    known(mailbox: string, uidvalidity: number, uid: number): { outcome: string } | undefined {
      return knownRow.get(mailbox, uidvalidity, uid);
    },
    /** Records that a message was flagged and moved to the done folder. */
    filed(mailbox: string, uidvalidity: number, uid: number): void {
      markFiled.run(mailbox, uidvalidity, uid);
    },
  };

  async function handleNew(msg: InboundMessage): Promise<InboundOutcome> {
    // Over the size limit: judged by its header alone (who it is from, for whom), never read whole.
    const oversize = msg.headersOnly === true || Math.max(msg.size ?? 0, msg.raw.length) > deps.config.maxBytes;
    let mail: ParsedMail;
    try {
      mail = await parseMail(oversize ? headerBlock(msg.raw) : msg.raw);
    } catch (err) {
      record.run({ mailbox: msg.mailbox, uidvalidity: msg.uidvalidity, uid: msg.uid, messageId: null, sender: null, at: new Date().toISOString(), outcome: 'failed', detail: `unreadable: ${errorMessage(err)}` });
      return 'failed';
    }
    const row = { mailbox: msg.mailbox, uidvalidity: msg.uidvalidity, uid: msg.uid, messageId: mail.messageId, sender: mail.from?.address ?? null, at: new Date().toISOString() };
    if (mail.messageId && seenId.get(mail.messageId)) return 'duplicate';
    // PIA's own mail coming back through the mailbox: a machine's relay to another, or an answer to one.
    const own = mail.messageId ? ownMail.get(mail.messageId) : undefined;
    if (own) return handleOwn(mail, row, own);

    const loop = loopReason(mail);
    if (loop) return (record.run({ ...row, outcome: 'ignored', detail: loop }), 'ignored');
    const targets = [...new Set([...mail.to, ...mail.cc].map((a) => addresses.machineOf(a)).filter((m): m is string => m !== undefined).map((m) => machines.find(m)?.name).filter((m): m is string => m !== undefined))];
    // Not for the fleet (a person's own mail in a shared mailbox): remembered so it is not read again, never touched.
    if (targets.length === 0) return (record.run({ ...row, outcome: 'foreign', detail: 'not addressed to a machine of this fleet' }), 'foreign');
    // Who it is from, as the fleet's own receiving server vouches: a forged mail is dropped without a word (an answer
    // would go to whoever it pretends to be from), and before any role is looked up.
    const verdict = senderVerdict(mail, deps.config);
    if (!verdict.trusted) {
      deps.log.info({ from: row.sender, reason: verdict.reason }, 'mail not authenticated: dropped without an answer');
      return (record.run({ ...row, outcome: 'refused', detail: `not authenticated: ${verdict.reason}` }), 'refused');
    }
    const sender = verdict.address;
    const who: Requester = { identity: `email:${sender}`, origin: { kind: 'mail', ...(mail.messageId ? { ref: mail.messageId } : {}) } };
    const firstFrom = addresses.addressOf(targets[0]!);
    // An authenticated sender without the role the mail needs: a short refusal when the policy allows one.
    const refuse = (refused: ActionResult): InboundOutcome => {
      const text = refusalText(sender, deps.users.roleOf(who.identity), refused);
      db.transaction(() => {
        record.run({ ...row, outcome: 'refused', detail: text.trim() });
        refusals.refuse({ from: firstFrom, to: sender, text, ...(mail.messageId ? { inReplyTo: mail.messageId } : {}) });
      })();
      return 'refused';
    };

    if (oversize) {
      const size = Math.max(msg.size ?? 0, msg.raw.length);
      const refused = deps.actions.authorize('status', who);
      if (refused) return refuse(refused);
      db.transaction(() => {
        record.run({ ...row, outcome: 'too_big', detail: `${size} bytes, over PIA_MAIL_MAX_BYTES (${deps.config.maxBytes})` });
        outbox.enqueue({ kind: 'answer', from: firstFrom, to: [sender], subject: replySubject(mail.subject), ...(mail.messageId ? { inReplyTo: mail.messageId } : {}), references: thread(mail), text: tooBigText(size, deps.config.maxBytes) });
      })();
      return 'too_big';
    }

    const intent = mailIntent({ subject: mail.subject, text: mail.text });
    const refusal = deps.actions.authorize(intent.kind === 'command' ? 'status' : 'run', who);
    if (refusal) return refuse(refusal);

    if (intent.kind === 'empty') return (record.run({ ...row, outcome: 'ignored', detail: 'nothing to do: no subject or text' }), 'ignored');
    if (intent.kind === 'command') {
      record.run({ ...row, outcome: 'command', detail: intent.text.slice(0, 200) });
      for (const target of targets) await answerCommand(mail, intent.text, target, addresses.addressOf(target), who, sender);
      return 'command';
    }

    try {
      db.transaction(() => {
        const created = createTasks(mail, targets, who);
        record.run({ ...row, outcome: 'task', detail: created.map((t) => `${t.machine}/${t.id}`).join(' ') });
        for (const task of created) {
          const from = addresses.addressOf(task.machine);
          rememberOrigin(task, mail, from, [sender]);
          linkMessage.run(ack(task, mail, from, sender), task.id);
        }
      })();
      return 'task';
    } catch (err) {
      // A refused repository URL, an unknown agent...: answer with the reason, once.
      db.transaction(() => {
        record.run({ ...row, outcome: 'failed', detail: errorMessage(err).slice(0, 500) });
        outbox.enqueue({ kind: 'answer', from: firstFrom, to: [sender], subject: replySubject(mail.subject), ...(mail.messageId ? { inReplyTo: mail.messageId } : {}), references: thread(mail), text: `Nothing was started: ${errorMessage(err)}\n` });
      })();
      return 'failed';
    }
  }

  type Row = { mailbox: string; uidvalidity: number; uid: number; messageId: string | null; sender: string | null; at: string };

  /**
   * A mail PIA sent itself. A relay (one machine's agent handing work to another) starts a task on the other
   * machine for the person who asked the first one, answered to the asking machine's address; the result of such a
   * task is handed back to the asking agent. Everything else of PIA's own (acknowledgements) is only recorded.
   */
  function handleOwn(mail: ParsedMail, row: Row, own: { kind: string; task_id: string | null }): InboundOutcome {
    const relay = own.kind === 'relay' && mail.messageId ? deps.relay.find(mail.messageId) : undefined;
    const answered = own.kind === 'result' && own.task_id ? deps.relay.ofTarget(own.task_id) : undefined;
    if (relay) {
      const who: Requester = { identity: relay.requester, origin: { kind: 'mail', ref: relay.message_id } };
      const refusal = deps.actions.authorize('run', who);
      try {
        if (refusal) throw new Error(refusal.kind === 'refused' ? refusal.text : `${who.identity} may not run tasks`);
        db.transaction(() => {
          const task = deps.tasks.run({ id: who.identity, origin: 'mail' }, { machine: relay.to_machine, prompt: relay.text, origin: who.origin });
          record.run({ ...row, outcome: 'task', detail: `relay from ${relay.from_machine}: ${task.machine}/${task.id}` });
          rememberOrigin(task, mail, addresses.addressOf(task.machine), [addresses.addressOf(relay.from_machine)]);
          deps.relay.started(relay.message_id, task.id);
        })();
        return 'task';
      } catch (err) {
        db.transaction(() => {
          record.run({ ...row, outcome: refusal ? 'refused' : 'failed', detail: errorMessage(err).slice(0, 500) });
          deps.relay.ended(relay.message_id, 'refused', `Nothing was started on ${relay.to_machine}: ${errorMessage(err)}`);
        })();
        deps.relay.deliver(relay.message_id);
        return refusal ? 'refused' : 'failed';
      }
    }
    if (answered) {
      const state = deps.tasks.get(own.task_id!).state;
      db.transaction(() => {
        record.run({ ...row, outcome: 'answer', detail: `answer to ${answered.from_machine} from ${answered.to_machine}/${own.task_id}` });
        // The agent gets the mail's text; the attachment line means nothing to it (the last lines are in the text).
        deps.relay.ended(answered.message_id, state, mail.text.replace(/\n*The full log is attached\.\s*$/, '').trim());
      })();
      deps.relay.deliver(answered.message_id);
      return 'answer';
    }
    record.run({ ...row, outcome: 'ignored', detail: `PIA's own ${own.kind} mail` });
    return 'ignored';
  }
}

export type InboundHandler = ReturnType<typeof createInboundHandler>;
