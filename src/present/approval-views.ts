import type { ApprovalView } from '../protocol/api.js';
import { bold } from './markup.js';
import type { Button, OutMessage } from './message.js';

/**
 * Approvals as messages: what the agent waits for, with buttons and the words that do the same, and, once settled,
 * the same message saying how, by whom and when. Everything the agent wrote arrives inert (the worker shows control
 * characters as pictures); here it goes into code spans and blocks, so no platform reads it as markup or a mention.
 */

/** A code span: backticks inside would end it early, so they are shown as a look-alike. */
export function codeSpan(text: string): string {
  return '`' + (text.replace(/`/g, 'ˋ').trim() || ' ') + '`';
}

/** "14:02:11 UTC" from an ISO time. */
function clock(iso: string | null): string {
  return iso ? `${iso.slice(11, 19)} UTC` : '';
}

/** "Bash `touch hello.txt`": what was asked, in one line. */
export function askedFor(a: ApprovalView): string {
  if (a.kind === 'question') return `question ${codeSpan(a.summary)}`;
  if (a.kind === 'plan') return `plan ${codeSpan(a.summary)}`;
  return `${a.tool} ${codeSpan(a.summary)}`;
}

function minutesLeft(a: ApprovalView, now: number): string {
  const ms = Date.parse(a.expiresAt) - now;
  return ms >= 90_000 ? `${Math.round(ms / 60_000)} min` : `${Math.max(0, Math.round(ms / 1000))} s`;
}

function questionLines(a: ApprovalView): string[] {
  const lines: string[] = [];
  for (const [qi, q] of (a.questions ?? []).entries()) {
    lines.push(`${(a.questions?.length ?? 0) > 1 ? `${qi + 1}) ` : ''}${q.question}${q.multiSelect ? ' (one or more)' : ''}`);
    q.options.forEach((o, i) => lines.push(`   ${i + 1}. ${o.label}${o.description ? `: ${o.description}` : ''}`));
  }
  return lines;
}

/** The buttons of a pending approval (a question's choices when one question takes one choice). */
function buttonsOf(a: ApprovalView): Button[] {
  if (a.kind === 'plan') {
    return [
      { actionId: 'approve_once', label: 'Approve plan', value: a.id, style: 'primary' },
      { actionId: 'deny_approval', label: 'Keep planning', value: a.id },
    ];
  }
  if (a.kind === 'question') {
    const only = a.questions?.length === 1 && !a.questions[0]!.multiSelect ? a.questions[0]! : undefined;
    const choices: Button[] = only ? only.options.slice(0, 4).map((o, i) => ({ actionId: 'answer_choice', label: o.label, value: `${a.id}:${i + 1}` })) : [];
    return [...choices, { actionId: 'deny_approval', label: 'Skip', value: a.id }];
  }
  return [
    { actionId: 'approve_once', label: 'Allow once', value: a.id, style: 'primary' },
    { actionId: 'approve_task', label: 'Allow for this task', value: a.id },
    ...(a.canAlways ? [{ actionId: 'approve_always' as const, label: 'Always on this machine', value: a.id }] : []),
    { actionId: 'deny_approval', label: 'Deny', value: a.id, style: 'danger' as const },
  ];
}

/** What an agent waits for, as a message with its buttons; `mention` pings the person who asked for the task. */
export function approvalMessage(a: ApprovalView, opts: { mention?: string; now?: number } = {}): OutMessage {
  const now = opts.now ?? Date.now();
  const left = `(${minutesLeft(a, now)} to answer, then it is denied)`;
  let lines: string[];
  if (a.kind === 'question') {
    lines = [`❓ ${bold('The agent on ' + a.machine + ' asks')} (${a.id}):`, ...questionLines(a), `Answer with the buttons or: answer ${a.id} <number or your words> ${left}`];
  } else if (a.kind === 'plan') {
    lines = [`📋 ${bold('Plan from the agent on ' + a.machine)} (${a.id}): approve it to let the agent start.`, `Or: approve ${a.id} / deny ${a.id} <what to change> ${left}`];
  } else {
    lines = [
      `✋ ${bold('Approval needed')} (${a.id}): the agent on ${a.machine} wants to use ${bold(a.tool)}`,
      codeSpan(a.summary),
      `Or: approve ${a.id} [task${a.canAlways ? '|always' : ''}] / deny ${a.id} [reason] ${left}`,
    ];
  }
  return {
    text: lines.join('\n'),
    ...(a.detail ? { code: a.detail } : {}),
    buttons: buttonsOf(a),
    ...(opts.mention ? { mention: opts.mention } : {}),
  };
}

/** How a settled approval reads: the line that stays in the thread ("✋ Bash `npm test` denied by slack:U123"). */
export function settledLine(a: ApprovalView): string {
  const at = a.decidedAt ? ` at ${clock(a.decidedAt)}` : '';
  const what = `${askedFor(a)} (${a.id})`;
  switch (a.state) {
    case 'allowed': {
      if (a.kind === 'question') return `✅ ${what} answered by ${a.decidedBy}${at}: ${Object.values(a.answers ?? {}).map((v) => codeSpan(v)).join(', ')}`;
      if (a.kind === 'plan') return `✅ ${what} approved by ${a.decidedBy}${at}`;
      const scope = a.scope === 'task' ? 'for this task' : a.scope === 'always' ? `always on ${a.machine}` : 'once';
      return `✅ ${what} allowed ${scope} by ${a.decidedBy}${at}`;
    }
    case 'denied':
      return `✋ ${what} ${a.kind === 'plan' ? 'sent back to planning' : 'denied'} by ${a.decidedBy}${at}${a.reason ? `: ${a.reason}` : ''}`;
    case 'timed_out':
      return `⌛ ${what} timed out${at}: nobody answered, so it was denied`;
    case 'withdrawn':
      return `⏹ ${what} no longer needed${a.reason ? ` (${a.reason})` : ''}`;
    case 'pending':
      return `✋ ${what} waiting`;
  }
}

/** A settled approval's message: its line, no buttons. */
export function settledMessage(a: ApprovalView): OutMessage {
  return { text: settledLine(a) };
}

/** Approvals listed (the `approvals` command). */
export function approvalsList(list: ApprovalView[], now = Date.now()): OutMessage {
  if (list.length === 0) return { text: 'Nothing waits for an answer.' };
  return {
    text: `${list.length} waiting for an answer (approve <code> / deny <code> / answer <code> <choice>):`,
    code: list.map((a) => `${a.id}  ${a.machine}/${a.taskId}  ${a.kind === 'tool' ? a.tool + ': ' : a.kind + ': '}${a.summary.slice(0, 80)}  (${minutesLeft(a, now)} left)`).join('\n'),
  };
}
