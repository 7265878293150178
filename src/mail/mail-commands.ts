import type { Command, MachineSelector } from '../commands/command.js';
import { parseSelector } from '../commands/definitions.js';
import type { MailIntent } from './parse/mail-intent.js';

/** The task a reply continues: the newest task of the thread on that machine, if it has a session. */
export interface ThreadTask {
  id: string;
  machine: string;
  sessionId: string | null;
  createdAt: string;
}

/**
 * The command a mail asks of one machine it was sent to: a run, a deploy, or, for a reply in the thread of a task
 * with an agent session, `continue` with the reply's new text. Commands of the chat language are read elsewhere
 * (the subject is parsed as a command line); `empty` asks for nothing.
 */
export function mailCommand(intent: Exclude<MailIntent, { kind: 'command' | 'empty' }>, machine: string, thread: ThreadTask[], replyText: string): Command {
  const before = thread.filter((t) => t.machine === machine).sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
  if (intent.kind === 'run' && before?.sessionId) {
    // A reply continues the conversation: its new text is the prompt, not the thread's old subject again.
    return { name: 'continue', taskId: before.id, prompt: replyText || intent.prompt };
  }
  const target = machine === ANY ? anyTarget(intent.target) : { kind: 'name' as const, name: machine };
  if (intent.kind === 'deploy') {
    // A machine with its own `m2: ...` line gets that task; the others the mail's common one.
    const own = intent.tasks && Object.hasOwn(intent.tasks, machine) ? intent.tasks[machine] : undefined;
    return {
      name: 'deploy',
      repo: intent.repo,
      ...(intent.ref !== undefined ? { ref: intent.ref } : {}),
      machines: [target],
      prompt: own || intent.prompt || 'Look at this repository and report what you find.',
      ...(intent.mode ? { mode: intent.mode } : {}),
      ...(intent.push ? { push: true } : {}),
    };
  }
  return { name: 'run', machine: target, prompt: intent.prompt, ...(intent.mode ? { mode: intent.mode } : {}), ...(intent.push ? { push: true } : {}) };
}

/** The address word of a mail the fleet places (`pia+any@...`): no machine may be named so. */
export const ANY = 'any';

/**
 * Where a mail to the `any` address runs: its `target:` line (`any[gpu]`, `any[repo=acme/app]`), or any machine.
 * A line that is not a target throws the parser's UsageError, with the caret under the fault.
 */
function anyTarget(line: string | undefined): MachineSelector {
  const selector = parseSelector(line ?? ANY, 'target: any[<labels>]');
  if (selector.kind !== 'any') return parseSelector(`${ANY}[${line}]`, 'target: any[<labels>]');
  return selector;
}
