import { toPlainText } from '../present/markup.js';
import { resultMessage } from '../present/views.js';
import type { Role } from '../commands/roles.js';
import { parseCommand } from '../commands/parse.js';
import { errorMessage } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { Actions, Requester } from '../hub/actions/actions.js';
import { notUnderstood, type ActionResult } from '../hub/actions/result.js';
import type { Task } from '../hub/tasks/task.js';
import type { AddressBook } from './addresses.js';
import { createRefusals, refusalText } from './auth/refusals.js';
import { senderVerdict } from './auth/sender-verdict.js';
import type { MailConfig } from './config.js';
import { ANY, mailCommand } from './mail-commands.js';
import { UsageError } from '../commands/definitions.js';
import type { MailboxPlace, MailStore } from './mail-store.js';
import type { MailRelay } from './machine-mail.js';
import { approvalReply } from './parse/approval-reply.js';
import { mailIntent } from './parse/mail-intent.js';
import { parseMail, type ParsedMail } from './parse/parse-mail.js';
import { newText } from './parse/reply-text.js';
import type { MailOutbox } from './smtp-outbox.js';
import { headerBlock, tooBigText } from './too-big.js';

/** One message as the IMAP intake hands it over. */
export interface InboundMessage extends MailboxPlace {
  /** The whole message, or only its header block when `headersOnly` (a message over PIA_MAIL_MAX_BYTES). */
  raw: Buffer;
  /** The message's size as the server reports it (RFC822.SIZE), when known. */
  size?: number;
  headersOnly?: boolean;
}

/** What became of a message. */
export type InboundOutcome = 'task' | 'command' | 'refused' | 'ignored' | 'duplicate' | 'failed' | 'foreign' | 'answer' | 'too_big';

/** Turns mail into work, once (see {@link createInboundHandler}). */
export interface InboundHandler {
  handle(msg: InboundMessage): Promise<InboundOutcome>;
  /** Whether a message was handled already (its UID is recorded): the intake then only files it. */
  known(mailbox: string, uidvalidity: number, uid: number): { outcome: string } | undefined;
  /** Records that a message was flagged and moved to the done folder. */
  filed(mailbox: string, uidvalidity: number, uid: number): void;
}

/** What the handler needs from the hub. */
export interface InboundDeps {
  store: MailStore;
  config: Readonly<MailConfig>;
  addresses: AddressBook;
  /** A machine's name by name or alias, when it is one of the fleet's. */
  machineName(nameOrAlias: string): string | undefined;
  /** Whether a machine's worker is linked, and whether it wakes for a task (for the acknowledgement's words). */
  machineState(name: string): { linked: boolean; autoWake: boolean };
  roleOf(identity: string): Role | undefined;
  actions: Pick<Actions, 'execute'>;
  task(id: string): Task | undefined;
  outbox: Pick<MailOutbox, 'enqueue'>;
  relay: MailRelay;
  log: Logger;
}

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

const replySubject = (s: string) => (/^re:/i.test(s.trim()) ? s.trim() : `Re: ${s.trim() || '(no subject)'}`);
const threadOf = (mail: ParsedMail) => [...mail.references, ...(mail.messageId && !mail.references.includes(mail.messageId) ? [mail.messageId] : [])];

/**
 * Turns a mail into work, once. Each request a mail makes is a command of the one language, carried out by the hub's
 * actions as the mail's authenticated sender, keyed by the mail (its Message-ID, or its place in the mailbox): a mail
 * handled again after a crash finds the tasks it made instead of making more. The mail's record, its thread links
 * and its acknowledgements are then written in one transaction, so the mail is acted on and answered exactly once.
 */
export function createInboundHandler(deps: InboundDeps): InboundHandler {
  const { store, addresses, outbox } = deps;
  const refusals = createRefusals({ store, mode: deps.config.unknownSenders, enqueue: (m) => outbox.enqueue(m) });

  /** A reply in the mail's thread, from `from` to `to`. */
  const answerIn = (mail: ParsedMail, from: string, to: string, text: string, extra: { kind: 'ack' | 'answer'; taskId?: string } = { kind: 'answer' }) =>
    outbox.enqueue({ ...extra, from, to: [to], subject: replySubject(mail.subject), ...(mail.messageId ? { inReplyTo: mail.messageId } : {}), references: threadOf(mail), text });

  /** Remembers where a task's answers go: its result comes back in this mail's thread (inside the transaction). */
  function rememberOrigin(task: Task, mail: ParsedMail, from: string, to: string[]): void {
    if (mail.messageId) store.linkMessage(mail.messageId, task.id);
    store.rememberOrigin({ taskId: task.id, from, to, subject: replySubject(mail.subject), inReplyTo: mail.messageId ?? '', references: threadOf(mail) });
  }

  function ackText(task: Task): string {
    const { linked, autoWake } = deps.machineState(task.machine);
    const state = linked ? 'It has started.' : autoWake ? `${task.machine} is asleep: waking it first.` : `${task.machine} is offline; the task starts when it comes online.`;
    return `Task ${task.id} (${task.kind}) on ${task.machine}. ${state}\nYou will get the result in this thread. Reply to continue the same session.\n`;
  }

  async function handleNew(msg: InboundMessage): Promise<InboundOutcome> {
    // Over the size limit: judged by its header alone (who it is from, for whom), never read whole.
    const oversize = msg.headersOnly === true || Math.max(msg.size ?? 0, msg.raw.length) > deps.config.maxBytes;
    let mail: ParsedMail;
    const place = { mailbox: msg.mailbox, uidvalidity: msg.uidvalidity, uid: msg.uid };
    try {
      mail = await parseMail(oversize ? headerBlock(msg.raw) : msg.raw);
    } catch (err) {
      store.record({ ...place, messageId: null, sender: null, at: new Date().toISOString(), outcome: 'failed', detail: `unreadable: ${errorMessage(err)}` });
      return 'failed';
    }
    const row = { ...place, messageId: mail.messageId, sender: mail.from?.address ?? null, at: new Date().toISOString() };
    const record = (outcome: InboundOutcome, detail: string): InboundOutcome => (store.record({ ...row, outcome, detail }), outcome);
    if (mail.messageId && store.seenMessageId(mail.messageId)) return 'duplicate';
    // PIA's own mail coming back through the mailbox: a machine's relay to another, or an answer to one.
    const own = mail.messageId ? store.ownMail(mail.messageId) : undefined;
    if (own) return handleOwn(mail, record, own);

    const loop = loopReason(mail);
    if (loop) return record('ignored', loop);
    // `any` (pia+any@...) is the fleet's own choice, placed by the hub: no machine may have that name.
    const named = (m: string) => deps.machineName(m) ?? (m === ANY ? ANY : undefined);
    const targets = [...new Set([...mail.to, ...mail.cc].map((a) => addresses.machineOf(a)).filter((m): m is string => m !== undefined).map(named).filter((m): m is string => m !== undefined))];
    // Not for the fleet (a person's own mail in a shared mailbox): remembered so it is not read again, never touched.
    if (targets.length === 0) return record('foreign', 'not addressed to a machine of this fleet');
    // Who it is from, as the fleet's own receiving server vouches: a forged mail is dropped without a word (an answer
    // would go to whoever it pretends to be from), and before any role is looked up.
    const verdict = senderVerdict(mail, deps.config);
    if (!verdict.trusted) {
      deps.log.info({ from: row.sender, reason: verdict.reason }, 'mail not authenticated: dropped without an answer');
      return record('refused', `not authenticated: ${verdict.reason}`);
    }
    const sender = verdict.address;
    const who: Requester = { identity: `email:${sender}`, origin: { kind: 'mail', ...(mail.messageId ? { ref: mail.messageId } : {}) } };
    const firstFrom = addresses.addressOf(targets[0]!);
    const role = deps.roleOf(who.identity);
    // An authenticated sender without a role, or without the one the mail needs: a short refusal when the policy allows.
    const refuse = (refused?: ActionResult): InboundOutcome => {
      const text = refusalText(sender, role, refused);
      store.db.transaction(() => {
        record('refused', text.trim());
        refusals.refuse({ from: firstFrom, to: sender, text, ...(mail.messageId ? { inReplyTo: mail.messageId } : {}) });
      })();
      return 'refused';
    };
    if (role === undefined) return refuse();

    if (oversize) {
      const size = Math.max(msg.size ?? 0, msg.raw.length);
      store.db.transaction(() => {
        record('too_big', `${size} bytes, over PIA_MAIL_MAX_BYTES (${deps.config.maxBytes})`);
        answerIn(mail, firstFrom, sender, tooBigText(size, deps.config.maxBytes));
      })();
      return 'too_big';
    }

    // A reply to an approval mail: `allow 4kq2mf`, `deny 4kq2mf too risky`, `answer 4kq2mf 2`. The code says which;
    // the sender's role says whether (an operator may answer; the action checks and audits it).
    const answer = approvalReply(mail.text);
    if (answer !== null) {
      const parsed = parseCommand(answer);
      const result = parsed.ok ? await deps.actions.execute(parsed.command, who) : notUnderstood(parsed);
      if (result.kind === 'refused') return refuse(result);
      const message = resultMessage(result);
      store.db.transaction(() => {
        record('command', answer.slice(0, 200));
        answerIn(mail, firstFrom, sender, `${toPlainText(message.text)}\n`);
      })();
      return 'command';
    }

    const intent = mailIntent({ subject: mail.subject, text: mail.text, machines: targets });
    if (intent.kind === 'empty') return record('ignored', 'nothing to do: no subject or text');
    if (intent.kind === 'command') {
      record('command', intent.text.slice(0, 200));
      for (const target of targets) {
        const result = await commandResult(intent.text, target, who);
        const message = resultMessage(result);
        answerIn(mail, addresses.addressOf(target), sender, `${toPlainText(message.text)}\n${message.code ? `\n${message.code}\n` : ''}`);
      }
      return 'command';
    }

    // The same mail again (after a crash before its record): the same key finds the tasks it made.
    const key = `mail:${mail.messageId ?? `${place.mailbox}/${place.uidvalidity}/${place.uid}`}`;
    const thread = store.tasksOfMessages([...(mail.inReplyTo ? [mail.inReplyTo] : []), ...mail.references]).map((id) => deps.task(id)).filter((t): t is Task => t !== undefined);
    const started: Task[] = [];
    const problems: string[] = [];
    /** Why the fleet chose the machine of a task placed by `any`, for its acknowledgement. */
    const why = new Map<string, string>();
    let refusal: ActionResult | undefined;
    for (const machine of targets) {
      let command;
      try {
        command = mailCommand(intent, machine, thread, newText(mail.text));
      } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        problems.push(err.message);
        continue;
      }
      const result = await deps.actions.execute(command, who, { idempotencyKey: key });
      if (result.kind === 'tasks_started') {
        started.push(...result.tasks);
        if (result.placement) for (const t of result.tasks) why.set(t.id, result.placement);
      }
      else if (result.kind === 'refused') refusal = result;
      else problems.push(resultMessage(result).text.replace(/^⚠️ /, ''));
    }
    if (started.length === 0 && refusal) return refuse(refusal);
    store.db.transaction(() => {
      record(started.length ? 'task' : 'failed', started.length ? started.map((t) => `${t.machine}/${t.id}`).join(' ') : problems.join('; ').slice(0, 500));
      for (const task of started) {
        const from = addresses.addressOf(task.machine);
        rememberOrigin(task, mail, from, [sender]);
        const placed = why.get(task.id);
        store.linkMessage(answerIn(mail, from, sender, `${placed ? `${placed}\n` : ''}${ackText(task)}`, { kind: 'ack', taskId: task.id }), task.id);
      }
      // A refused repository URL, an unknown agent...: answered with the reason, once.
      if (problems.length) answerIn(mail, firstFrom, sender, `Nothing was started${started.length ? ' on some machines' : ''}: ${problems.join('\n')}\n`);
    })();
    return started.length ? 'task' : 'failed';
  }

  /** A command of the chat language in the subject; a bare machine command ("wake") means the machine it was sent to. */
  async function commandResult(text: string, target: string, who: Requester): Promise<ActionResult> {
    let parsed = parseCommand(text);
    if (!parsed.ok && parsed.missing === 'machine') parsed = parseCommand(`${text} ${target}`);
    return parsed.ok ? deps.actions.execute(parsed.command, who) : notUnderstood(parsed);
  }

  /**
   * A mail PIA sent itself. A relay (one machine's agent handing work to another) starts a task on the other
   * machine for the person who asked the first one, answered to the asking machine's address; the result of such a
   * task is handed back to the asking agent. Everything else of PIA's own (acknowledgements) is only recorded.
   */
  async function handleOwn(mail: ParsedMail, record: (outcome: InboundOutcome, detail: string) => InboundOutcome, own: { kind: string; task_id: string | null }): Promise<InboundOutcome> {
    const relay = own.kind === 'relay' && mail.messageId ? deps.relay.find(mail.messageId) : undefined;
    const answered = own.kind === 'result' && own.task_id ? deps.relay.ofTarget(own.task_id) : undefined;
    if (relay) {
      const who: Requester = { identity: relay.requester, origin: { kind: 'mail', ref: relay.message_id } };
      const run = { name: 'run' as const, machine: { kind: 'name' as const, name: relay.to_machine }, prompt: relay.text };
      const result = await deps.actions.execute(run, who, { idempotencyKey: `relay:${relay.message_id}` });
      const task = result.kind === 'tasks_started' ? result.tasks[0] : undefined;
      if (!task) {
        const why = result.kind === 'refused' || result.kind === 'error' ? result.text : result.kind;
        store.db.transaction(() => {
          record(result.kind === 'refused' ? 'refused' : 'failed', why.slice(0, 500));
          deps.relay.ended(relay.message_id, 'refused', `Nothing was started on ${relay.to_machine}: ${why}`);
        })();
        deps.relay.deliver(relay.message_id);
        return result.kind === 'refused' ? 'refused' : 'failed';
      }
      store.db.transaction(() => {
        record('task', `relay from ${relay.from_machine}: ${task.machine}/${task.id}`);
        rememberOrigin(task, mail, addresses.addressOf(task.machine), [addresses.addressOf(relay.from_machine)]);
        deps.relay.started(relay.message_id, task.id);
      })();
      return 'task';
    }
    if (answered) {
      const state = deps.task(own.task_id!)?.state ?? 'lost';
      store.db.transaction(() => {
        record('answer', `answer to ${answered.from_machine} from ${answered.to_machine}/${own.task_id}`);
        // The agent gets the mail's text; the attachment line means nothing to it (the last lines are in the text).
        deps.relay.ended(answered.message_id, state, mail.text.replace(/\n*The full log is attached\.\s*$/, '').trim());
      })();
      deps.relay.deliver(answered.message_id);
      return 'answer';
    }
    return record('ignored', `PIA's own ${own.kind} mail`);
  }

  return {
    async handle(msg) {
      if (store.handled(msg)) return 'duplicate';
      return handleNew(msg);
    },
    known: (mailbox, uidvalidity, uid) => store.handled({ mailbox, uidvalidity, uid }),
    filed: (mailbox, uidvalidity, uid) => store.filed({ mailbox, uidvalidity, uid }),
  };
}
