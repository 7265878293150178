import { TaskMode } from '../../protocol/tasks.js';
import { findDeployLines } from './deploy-lines.js';
import { newText } from './reply-text.js';
import { cleanSubject, isReplySubject, subjectCommand } from './subject.js';

/**
 * What a mail to a machine asks for.
 * - `command`: the subject is a command line of the chat language. A bare machine command (`wake`, `restart`, ...)
 *   is just the word: the caller appends the machine the mail was addressed to. `status`, `tasks` and the like
 *   without a machine mean the whole fleet, as they do in chat.
 * - `deploy`: clone `repo` (at `ref`) and run the agent there with `prompt` (which may be empty).
 * - `run`: run the agent with `prompt`.
 * - `empty`: nothing to do (no subject worth reading, no new text).
 */
export type MailIntent =
  | { kind: 'command'; text: string }
  | { kind: 'deploy'; repo: string; ref?: string; prompt: string; mode?: TaskMode; target?: string; tasks?: Record<string, string>; push?: boolean }
  | { kind: 'run'; prompt: string; mode?: TaskMode; target?: string; push?: boolean }
  | { kind: 'empty' };

/**
 * Reads what a mail asks for from its subject and its plain text (the whole text: quoted replies and signatures are
 * cut here with `newText`).
 *
 * The subject, without "Re:", "Fwd:", "AW:", "WG:" and `[tags]`, is a command when it is one by itself (see
 * `subjectCommand`) — except in a reply that has new text, where the subject is only the thread's old title
 * ("Re: status" answered with "now restart nginx" is a request, not another status). Otherwise a `repo: <url>` line
 * (with an optional `ref:` line), or a git URL alone on a line, makes a deploy, those lines taken out of the prompt;
 * a URL that `checkRepoUrl` refuses is no deploy and stays in the prompt as text. Anything else is a run. The prompt
 * is the subject, a blank line, and the new text, or whichever of the two there is.
 */
export function mailIntent(mail: { subject: string; text: string; machines?: readonly string[] }): MailIntent {
  const subject = cleanSubject(mail.subject);
  const body = newText(mail.text);
  const command = body !== '' && isReplySubject(mail.subject) ? null : subjectCommand(subject);
  if (command !== null) return { kind: 'command', text: command };
  const { mode, rest: afterMode } = modeLine(body);
  const { target, rest: afterTarget } = targetLine(afterMode);
  const { push, rest } = pushLine(afterTarget);
  const withMode = { ...(mode ? { mode } : {}), ...(target ? { target } : {}), ...(push ? { push } : {}) };
  const deploy = findDeployLines(rest, mail.machines);
  if (deploy) {
    // A machine with its own line gets the subject, its line and the text the machines share.
    const own = deploy.tasks ? { tasks: Object.fromEntries(Object.entries(deploy.tasks).map(([m, task]) => [m, joinPrompt(subject, joinPrompt(task, deploy.rest))])) } : {};
    return { kind: 'deploy', repo: deploy.repo, ...(deploy.ref !== undefined ? { ref: deploy.ref } : {}), prompt: joinPrompt(subject, deploy.rest), ...withMode, ...own };
  }
  const prompt = joinPrompt(subject, rest);
  return prompt === '' ? { kind: 'empty' } : { kind: 'run', prompt, ...withMode };
}

/** A `mode: plan|ask|edits|full` line alone: how much the agent may do without asking. Taken out of the prompt. */
function modeLine(body: string): { mode?: TaskMode; rest: string } {
  const lines = body.split('\n');
  const i = lines.findIndex((l) => /^\s*mode:\s*\S+\s*$/i.test(l));
  if (i < 0) return { rest: body };
  const parsed = TaskMode.safeParse(lines[i]!.replace(/^\s*mode:/i, '').trim().toLowerCase());
  // A mode that is not one stays in the text: the agent, and the person reading the thread, see what was written.
  if (!parsed.success) return { rest: body };
  return { mode: parsed.data, rest: [...lines.slice(0, i), ...lines.slice(i + 1)].join('\n').trim() };
}

/** A `push: yes` line alone: push the task's branch when it succeeds. Taken out of the prompt. */
function pushLine(body: string): { push?: boolean; rest: string } {
  const lines = body.split('\n');
  const i = lines.findIndex((l) => /^\s*push:\s*(yes|true|on|1)\s*$/i.test(l));
  if (i < 0) return { rest: body };
  return { push: true, rest: [...lines.slice(0, i), ...lines.slice(i + 1)].join('\n').trim() };
}

/**
 * A `target: any[gpu]` line alone: where a mail to the fleet's `any` address runs (the constraints the fleet places
 * by). Taken out of the prompt; read as a target by the caller, which answers a bad one.
 */
function targetLine(body: string): { target?: string; rest: string } {
  const lines = body.split('\n');
  const i = lines.findIndex((l) => /^\s*target:\s*\S+.*$/i.test(l));
  if (i < 0) return { rest: body };
  return { target: lines[i]!.replace(/^\s*target:/i, '').trim().slice(0, 500), rest: [...lines.slice(0, i), ...lines.slice(i + 1)].join('\n').trim() };
}

function joinPrompt(subject: string, body: string): string {
  return [subject, body].filter((part) => part !== '').join('\n\n');
}
