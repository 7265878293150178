import { errorMessage, PiaError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { finalStates } from '../protocol/tasks.js';
import type { Actions } from '../hub/actions/actions.js';
import type { EventBus } from '../hub/events.js';
import type { Link } from '../hub/link/link.js';
import type { Task } from '../hub/tasks/task.js';
import type { AddressBook } from './addresses.js';
import type { MailStore, RelayRow } from './mail-store.js';
import type { MailOutbox } from './smtp-outbox.js';

export type { RelayRow } from './mail-store.js';

/** How many machines a piece of work may be handed on through (m1 -> m2 -> m3 ...): agents must not mail in circles. */
export const MAX_RELAY_DEPTH = 3;
/** How many mails one task's agent may send to other machines. */
export const MAX_RELAYS_PER_TASK = 20;

/** Machine to machine by mail (see {@link createMailRelay}). */
export interface MailRelay {
  /** The relay mail with this Message-ID, if PIA sent one. */
  find(messageId: string): RelayRow | undefined;
  /** The relay that started this task, if any. */
  ofTarget(taskId: string): RelayRow | undefined;
  /** `mail.send` from a worker: checks, queues the mail (SQLite first) and answers the worker. */
  send(link: Pick<Link, 'machine' | 'machineId' | 'send'>, req: SendRequest): void;
  /** `mail.watch` from a worker: answers that are in go out at once, the others when they come. */
  watch(link: Pick<Link, 'machine' | 'machineId'>, messageIds: string[]): void;
  /** The relay mail arrived and its task exists (call inside the handler's transaction). */
  started(messageId: string, taskId: string): void;
  /** The relay ended: its task's result mail came back, or it was refused on arrival (inside a transaction). */
  ended(messageId: string, state: string, text: string): void;
  /** After the commit of {@link MailRelay.ended}: hand the answer over, or continue the asking session if it has ended. */
  deliver(messageId: string): void;
  close(): void;
}

type SendRequest = { requestId: string; taskId: string; to: string; subject?: string | undefined; text: string; wait: boolean };

/** The first line of a text, cut to a subject's length. */
function subjectOf(text: string): string {
  const line = text.trim().split('\n')[0]!.trim();
  return line.length > 78 ? `${line.slice(0, 75)}...` : line;
}

/**
 * Machine to machine by mail. An agent runs `pia mail m3 "..."`; its worker asks here; the hub sends a real mail
 * From the asking machine's address To the other's (kind `relay`), which comes back through the mailbox like any
 * other and starts a task on m3 on behalf of the person who asked the first task (never with more rights). m3's
 * result mail goes to m2's address; when it arrives it is handed to the asking agent if it waits for it, or, once
 * the asking task has ended, continues that agent's session with the answer.
 */
export function createMailRelay(deps: {
  store: MailStore;
  addresses: AddressBook;
  outbox: Pick<MailOutbox, 'enqueue'>;
  machines: { get(name: string): { name: string } };
  tasks: { get(id: string): Task | undefined };
  actions: Pick<Actions, 'execute' | 'authorize'>;
  links: { get(machineId: number): Pick<Link, 'send'> | undefined };
  bus: Pick<EventBus, 'on'>;
  log: Logger;
}): MailRelay {
  const { store, addresses, machines, log } = deps;
  const taskStore = deps.tasks;
  /** Relay mails a linked worker waits for: Message-ID -> machine id. Re-sent by the worker after a reconnect. */
  const watchers = new Map<string, number>();

  /** How many hops of relays led to a task (0 for a task a person asked), following follow-ups to their root. */
  function depthOf(task: Task): number {
    let current: Task | undefined = task;
    for (let i = 0; current && i < 50; i++) {
      const row = store.relayOfTarget(current.id);
      if (row) return row.depth;
      current = current.parentId ? taskStore.get(current.parentId) : undefined;
    }
    return 0;
  }

  function check(link: Pick<Link, 'machine'>, req: SendRequest): { task: Task; target: string; depth: number } {
    const task = taskStore.get(req.taskId);
    if (!task || task.machine !== link.machine || finalStates.has(task.state)) {
      throw new PiaError('task_not_running', `Task ${req.taskId} is not running on ${link.machine}; only a running task's agent can mail other machines.`);
    }
    const target = machines.get(req.to.trim().toLowerCase()).name;
    if (target === task.machine) throw new PiaError('relay_to_self', `${target} is this machine: do the work here instead of mailing it.`);
    const depth = depthOf(task) + 1;
    if (depth > MAX_RELAY_DEPTH) {
      throw new PiaError('relay_too_deep', `This work was already handed on ${depth - 1} times; PIA stops at ${MAX_RELAY_DEPTH} so agents cannot mail each other in circles.`);
    }
    if (store.relaysFrom(task.id) >= MAX_RELAYS_PER_TASK) throw new PiaError('relay_limit', `Task ${task.id} has mailed other machines ${MAX_RELAYS_PER_TASK} times, the most one task may.`);
    const refused = deps.actions.authorize('run', { identity: task.requester, origin: { kind: 'mail' } });
    if (refused) throw new PiaError('relay_refused', `${task.requester}, who asked this task, may not run tasks: ${refused.kind === 'refused' ? refused.text : 'refused'}`);
    return { task, target, depth };
  }

  /** Sends an answer to the worker waiting for it; true when it was handed over. */
  function handOver(row: RelayRow): boolean {
    const machineId = watchers.get(row.message_id);
    const link = machineId !== undefined ? deps.links.get(machineId) : undefined;
    if (!link || row.result_text === null) return false;
    link.send({
      type: 'mail.answer',
      messageId: row.message_id,
      machine: row.to_machine,
      ...(row.target_task_id ? { taskId: row.target_task_id } : {}),
      state: row.result_state ?? row.state,
      text: row.result_text,
    });
    watchers.delete(row.message_id);
    store.relayCollected(row.message_id);
    return true;
  }

  /**
   * Continues an ended task's agent session with the answers it did not collect itself (one follow-up for all), as
   * the person who asked that task. The follow-up's key is made of the answers, so a repeat finds it instead of
   * continuing twice.
   */
  async function continueSession(originId: string): Promise<void> {
    const rows = store.uncollectedAnswers(originId);
    const origin = taskStore.get(originId);
    if (rows.length === 0 || !origin || !finalStates.has(origin.state)) return;
    if (!origin.sessionId) {
      log.info({ taskId: originId, answers: rows.length }, 'answers to relay mails kept: the asking task has no agent session to continue');
      return;
    }
    const prompt = rows.map((r) => `${r.to_machine} answered the task you mailed it ("${subjectOf(r.text)}"):\n\n${r.result_text ?? r.result_state}`).join('\n\n---\n\n');
    const who = { identity: origin.requester, origin: origin.origin };
    const key = `relay-answers:${rows.map((r) => r.message_id).join(',')}`;
    const result = await deps.actions.execute({ name: 'continue', taskId: origin.id, prompt }, who, { idempotencyKey: key });
    if (result.kind !== 'tasks_started') {
      log.warn({ taskId: originId, result: result.kind, text: 'text' in result ? result.text : undefined }, 'could not continue the session with the relay answers');
      return;
    }
    store.db.transaction(() => {
      for (const r of rows) store.relayCollected(r.message_id);
    })();
  }

  const settle = (originId: string) =>
    void continueSession(originId).catch((err: unknown) => log.error({ taskId: originId, err: errorMessage(err) }, 'continuing a session with relay answers failed'));
  const off = deps.bus.on('task.finished', ({ task }) => settle(task.id));

  return {
    find: (messageId) => store.relay(messageId),
    ofTarget: (taskId) => store.relayOfTarget(taskId),

    send(link, req) {
      try {
        const { task, target, depth } = check(link, req);
        const from = addresses.addressOf(task.machine);
        const to = addresses.addressOf(target);
        const body = `${req.text.trimEnd()}\n\n-- \nSent by the agent of task ${task.id} on ${task.machine}, for ${task.requester}. Answer in this thread.\n`;
        const messageId = store.db.transaction(() => {
          const id = deps.outbox.enqueue({ kind: 'relay', from, to: [to], subject: req.subject?.trim() || subjectOf(req.text), references: [], text: body, taskId: task.id });
          store.addRelay({ messageId: id, origin: task.id, from: task.machine, to: target, requester: task.requester, depth, text: req.text, at: new Date().toISOString() });
          return id;
        })();
        if (req.wait) watchers.set(messageId, link.machineId);
        log.info({ taskId: task.id, to: target, messageId }, 'relay mail queued');
        link.send({ type: 'mail.sent', requestId: req.requestId, ok: true, messageId, address: to });
      } catch (err) {
        link.send({ type: 'mail.sent', requestId: req.requestId, ok: false, error: errorMessage(err) });
      }
    },

    watch(link, messageIds) {
      for (const id of messageIds) {
        const row = store.relay(id);
        if (!row || row.from_machine !== link.machine) continue;
        const origin = taskStore.get(row.origin_task_id);
        if (!origin || finalStates.has(origin.state)) continue; // its answer continues the session instead
        watchers.set(id, link.machineId);
        if (row.state === 'answered' || row.state === 'refused') handOver(row);
      }
    },

    started(messageId, taskId) {
      store.relayStarted(messageId, taskId);
    },

    ended(messageId, state, text) {
      store.relayEnded(messageId, state === 'refused' ? 'refused' : 'answered', state, text, new Date().toISOString());
    },

    deliver(messageId) {
      const row = store.relay(messageId);
      if (!row || row.collected) return;
      const origin = taskStore.get(row.origin_task_id);
      if (origin && !finalStates.has(origin.state)) handOver(row); // else the session is continued, or it stays
      else settle(row.origin_task_id);
    },

    close() {
      off();
    },
  };
}
