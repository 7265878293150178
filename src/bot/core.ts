import { errorMessage } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { Command } from '../commands/command.js';
import { parseCommand } from '../commands/parse.js';
import type { Actions, Requester } from '../hub/actions/actions.js';
import { notUnderstood, type ActionResult } from '../hub/actions/result.js';
import type { Task } from '../hub/tasks/task.js';
import type { BotCore, ButtonPress, ChatPort, Inbound, ThreadRef } from './port.js';
import type { Reporter } from './reporter/reporter.js';
import { resultMessage } from '../present/views.js';
import type { ThreadStore } from './thread-store.js';

/** A reply that starts like this is a new command even inside a task's thread. */
const explicitCommand = /^\s*(?:\/pia|@pia|pia)\b/i;

/** What the chat core needs from the hub and the reporter. */
export interface BotDeps {
  actions: Pick<Actions, 'execute' | 'confirm'>;
  /** A task by id (the tasks a thread follows); undefined when it is gone. */
  task(id: string): Task | undefined;
  reporter: Pick<Reporter, 'outbox' | 'watchTasks' | 'watchOperations'>;
  threads: ThreadStore;
  log: Logger;
}

/** Posting on the hub's own initiative (a schedule's result) into a channel, followed like an answer. */
export interface ChatAnnouncer {
  /** Starts a thread in `where.channel` with `heading` and the result, and follows the tasks it started. */
  announce(port: ChatPort, where: ThreadRef, heading: string, result: ActionResult): Promise<void>;
}

/**
 * The chat core every adapter hands its input to: parse with the one grammar, execute through the hub's actions
 * (role check, audit), answer in a thread, and let the reporter follow what was started. A reply inside a task's
 * thread continues that task's agent session on the same machine (the `continue` command).
 */
export function createBotCore(deps: BotDeps): BotCore & ChatAnnouncer {
  const { actions, reporter, threads } = deps;

  const requester = (port: ChatPort, actor: string, where: ThreadRef): Requester => ({
    identity: actor,
    origin: { kind: port.platform, ref: `${where.channel}${where.thread ? `/${where.thread}` : ''}` },
  });

  /** Posts the answer (starting a thread when there is none) and follows whatever it started. */
  async function answer(port: ChatPort, where: ThreadRef, result: ActionResult, heading?: string): Promise<void> {
    const message = resultMessage(result);
    const posted = await reporter.outbox(port).post(where, heading ? { ...message, text: `${heading}\n${message.text}` } : message);
    const thread = posted.thread;
    if (result.kind === 'tasks_started') {
      if (thread.thread) threads.link(port.platform, thread.channel, thread.thread, result.tasks.map((t) => t.id));
      reporter.watchTasks(port, thread, result.tasks);
    } else if (result.kind === 'operations') {
      reporter.watchOperations(port, thread, result.operations);
    }
  }

  /**
   * An approval button: on success the approval's own message is edited in every thread (nothing more is posted);
   * a refusal or an error is said in the thread where the button was pressed. A value PIA did not make (a forged
   * payload) is refused before anything is looked up.
   */
  async function pressApproval(port: ChatPort, press: ButtonPress, who: Requester): Promise<void> {
    const [code = '', choice] = press.value.split(':', 2);
    if (!/^[a-z0-9]{4,16}$/.test(code) || (press.actionId === 'answer_choice' ? !/^\d{1,2}$/.test(choice ?? '') : choice !== undefined)) {
      deps.log.warn({ actor: press.actor, actionId: press.actionId }, 'a button press with a value PIA never made');
      return answer(port, press.where, { kind: 'refused', text: 'That button is not one PIA made; nothing was done.' });
    }
    const command: Command =
      press.actionId === 'deny_approval'
        ? { name: 'deny', id: code }
        : press.actionId === 'answer_choice'
          ? { name: 'answer', id: code, text: choice! }
          : { name: 'approve', id: code, scope: press.actionId === 'approve_task' ? 'task' : press.actionId === 'approve_always' ? 'always' : 'once' };
    const result = await actions.execute(command, who);
    if (result.kind !== 'approval') await answer(port, press.where, result);
  }

  async function continueThread(inbound: Inbound, port: ChatPort, taskIds: string[]): Promise<void> {
    const who = requester(port, inbound.actor, inbound.where);
    // Continue the newest task of each machine in this thread (a deploy's thread has one per machine).
    const newest = new Map<string, Task>();
    for (const id of taskIds) {
      const t = deps.task(id);
      if (!t) continue;
      const seen = newest.get(t.machine);
      if (!seen || t.createdAt >= seen.createdAt) newest.set(t.machine, t);
    }
    const started: Task[] = [];
    const problems: string[] = [];
    for (const parent of newest.values()) {
      const result = await actions.execute({ name: 'continue', taskId: parent.id, prompt: inbound.text }, who);
      if (result.kind === 'tasks_started') started.push(...result.tasks);
      else problems.push(resultMessage(result).text);
    }
    if (started.length) await answer(port, inbound.where, { kind: 'tasks_started', tasks: started });
    if (problems.length) await reporter.outbox(port).post(inbound.where, { text: problems.join('\n') });
  }

  return {
    announce: (port, where, heading, result) => answer(port, { channel: where.channel }, result, heading),

    async handle(inbound, port) {
      try {
        if (inbound.isReply && inbound.where.thread && !explicitCommand.test(inbound.text)) {
          const linked = threads.tasksOf(port.platform, inbound.where.channel, inbound.where.thread);
          if (linked.length) return await continueThread(inbound, port, linked);
        }
        const parsed = parseCommand(inbound.text);
        if (!parsed.ok) return await answer(port, inbound.where, notUnderstood(parsed));
        const result = await actions.execute(parsed.command, requester(port, inbound.actor, inbound.where), { confirmFirst: true });
        await answer(port, inbound.where, result);
      } catch (err) {
        deps.log.error({ err, platform: port.platform }, 'chat command failed');
        await reporter.outbox(port).post(inbound.where, { text: `⚠️ Something went wrong on the hub: ${errorMessage(err)}` }).catch(() => undefined);
      }
    },

    async press(press: ButtonPress, port: ChatPort) {
      const who = requester(port, press.actor, press.where);
      try {
        switch (press.actionId) {
          case 'cancel_task':
            return await answer(port, press.where, await actions.execute({ name: 'cancel', taskId: press.value }, who));
          case 'wake_machine':
            return await answer(port, press.where, await actions.execute({ name: 'wake', machine: { kind: 'name', name: press.value } }, who));
          case 'confirm':
            return await answer(port, press.where, await actions.confirm(press.value, who));
          case 'dismiss':
            return await answer(port, press.where, { kind: 'text', text: 'Dismissed; nothing done.' });
          case 'approve_once':
          case 'approve_task':
          case 'approve_always':
          case 'deny_approval':
          case 'answer_choice':
            return await pressApproval(port, press, who);
        }
      } catch (err) {
        deps.log.error({ err, platform: port.platform }, 'button press failed');
      }
    },
  };
}
