import type { ActionResultView } from '../protocol/api.js';
import type { PowerProgress } from '../power/progress.js';
import type { MachineJson } from '../hub/http/machine-json.js';
import type { Task } from '../hub/tasks/task.js';
import { bold } from './markup.js';
import type { Button, OutMessage } from './message.js';
import { approvalsList, settledLine } from './approval-views.js';
import { worktreeLines } from './worktree-view.js';

const stateMark: Record<Task['state'], string> = {
  queued: '⏳',
  dispatched: '⏳',
  running: '▶',
  succeeded: '✅',
  failed: '❌',
  cancelled: '⏹',
  timed_out: '⌛',
  lost: '❓',
};

/** "42 s", "3 min 5 s", "1 h 2 min". */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

function what(task: Task): string {
  if (task.kind === 'shell') return `\`${(task.argv ?? []).join(' ').slice(0, 200)}\``;
  const prompt = (task.prompt ?? '').replace(/\s+/g, ' ');
  return prompt.length > 200 ? prompt.slice(0, 199) + '…' : prompt;
}

/**
 * The status message of a task, updated in place: state, elapsed time, last step, the live tail, a Cancel button.
 * While its agent waits for people it says so with the count, so a channel scanned at a glance shows who is stuck.
 */
export function taskStatus(task: Task, opts: { tail: string; step?: string; now?: number; waiting?: number }): OutMessage {
  const now = opts.now ?? Date.now();
  const since = task.startedAt ? ` for ${duration(now - Date.parse(task.startedAt))}` : '';
  const waiting = opts.waiting && !task.finishedAt ? ` ✋ waiting for approval (${opts.waiting})` : '';
  const head = `${stateMark[task.state]} ${bold(task.kind)} on ${bold(task.machine)} (${task.id}): ${task.state.replace('_', ' ')}${task.finishedAt ? '' : since}${waiting}`;
  const lines = [head, what(task)];
  if (opts.step) lines.push(`» ${opts.step}`);
  const live = task.state === 'queued' || task.state === 'dispatched' || task.state === 'running';
  const buttons: Button[] = live ? [{ actionId: 'cancel_task', label: 'Cancel', value: task.id, style: 'danger' }] : [];
  return { text: lines.join('\n'), ...(opts.tail ? { code: opts.tail } : {}), ...(buttons.length ? { buttons } : {}) };
}

/**
 * The final message of a task: how it ended, how long it took, what the agent said it did, the last lines; each
 * said once. With `tailShown` (a terminal that kept the streamed output) the output is not repeated.
 */
export function taskResult(task: Task, tail: string, opts: { tailShown?: boolean } = {}): OutMessage {
  const took = task.startedAt && task.finishedAt ? ` in ${duration(Date.parse(task.finishedAt) - Date.parse(task.startedAt))}` : '';
  const exit = task.exitCode !== null ? `, exit ${task.exitCode}` : '';
  const cost = task.costUsd !== null ? `, $${task.costUsd.toFixed(4)}` : '';
  const lines = [`${stateMark[task.state]} ${task.machine}: ${task.state.replace('_', ' ')}${took}${exit}${cost}`];
  const output = tail.trim();
  const summary = task.summary?.trim() ?? '';
  const showCode = !opts.tailShown && output !== '' && !summary.includes(output);
  // The error is often the last line of the output (`pia: claude is not installed ...`): then it is said there.
  const visible = `${summary}\n${showCode || opts.tailShown ? output : ''}`;
  // "exited with code 3" is the header's "exit 3" again.
  const sayError = task.error && task.state !== 'succeeded' && task.error !== `exited with code ${task.exitCode}` && !visible.includes(task.error.replace(/^pia: /, ''));
  if (sayError) lines.push(task.error!);
  if (summary) lines.push(summary.length > 1500 ? summary.slice(0, 1499) + '…' : summary);
  if (task.worktree) lines.push(...worktreeLines(task.worktree));
  if (task.sessionId) lines.push(`Reply in this thread to continue the same session${task.agent ? ` (${task.agent})` : ''}.`);
  return { text: lines.join('\n'), ...(showCode ? { code: tail } : {}) };
}

/** A wake or bootstrap, as one message updated with each step. */
export function powerStatus(steps: PowerProgress[]): OutMessage {
  const last = steps.at(-1);
  if (!last) return { text: '…' };
  const mark = last.state === 'running' ? '⏳' : last.state === 'succeeded' ? '✅' : last.state === 'cancelled' ? '⏹' : '❌';
  const head = `${mark} ${bold(last.kind)} ${last.machine}: ${last.progress}%`;
  return { text: [head, ...steps.map((s) => `• ${s.message}`)].join('\n') };
}

function fleetTable(machines: MachineJson[], total: number): string {
  if (machines.length === 0) return 'No machines yet.';
  const shown = machines;
  const w = Math.max(4, ...shown.map((m) => m.name.length));
  const rows = shown.map((m) => `${m.name.padEnd(w)}  ${m.status.padEnd(7)}  ${m.powerState.padEnd(8)}  ${m.facts ? `${m.facts.os.platform}/${m.facts.arch}` : '-'}`);
  return [`${'NAME'.padEnd(w)}  STATUS   POWER     OS`, ...rows, ...(total > shown.length ? [`… and ${total - shown.length} more (pia machines lists them all)`] : [])].join('\n');
}

/** Schedules as a table: name, state, next run, cron and zone, command, last outcome. */
export function scheduleTable(list: Array<Extract<ActionResultView, { kind: 'schedules' }>['schedules'][number]>): string {
  const w = Math.max(4, ...list.map((s) => s.name.length));
  const rows = list.map((s) => {
    const state = s.state === 'paused' ? `paused${s.pausedReason ? ` (${s.pausedReason.slice(0, 80)})` : ''}` : `next ${s.nextRunAt?.replace(/:00\.000Z$/, 'Z') ?? '-'}`;
    return `${s.name.padEnd(w)}  ${`${s.cron} ${s.tz}`.padEnd(28)}  ${s.command.slice(0, 60).padEnd(20)}  ${state}${s.lastOutcome ? `; last: ${s.lastOutcome}` : ''}`;
  });
  return [`${'NAME'.padEnd(w)}  ${'WHEN'.padEnd(28)}  ${'COMMAND'.padEnd(20)}  STATE`, ...rows].join('\n');
}

/** An action's immediate answer, as a message. */
export function resultMessage(r: ActionResultView): OutMessage {
  switch (r.kind) {
    case 'text':
      return { text: r.text };
    case 'refused':
      return { text: `⛔ ${r.text}` };
    case 'error':
      return { text: `⚠️ ${r.text}${r.usage ? `\nUsage: \`${r.usage}\`` : ''}` };
    case 'fleet': {
      const offline = r.machines.filter((m) => m.status !== 'online');
      return {
        text: `${r.online} of ${r.total} machine(s) online.`,
        code: fleetTable(r.machines, r.total),
        ...(offline.length && offline.length <= 5 ? { buttons: offline.map((m) => ({ actionId: 'wake_machine' as const, label: `Wake ${m.name}`, value: m.name })) } : {}),
      };
    }
    case 'machine': {
      const m = r.machine;
      const facts = m.facts ? `${m.facts.hostname}, ${m.facts.os.platform} ${m.facts.arch}, ${m.facts.cpus} CPUs` : 'never linked';
      return {
        text: `${bold(m.name)}${m.aliases.length ? ` (${m.aliases.join(', ')})` : ''}: ${m.status}, power ${m.powerState}${m.powerEvidence ? ` (${m.powerEvidence})` : ''}\n${facts}`,
        ...(m.status !== 'online' ? { buttons: [{ actionId: 'wake_machine' as const, label: `Wake ${m.name}`, value: m.name }] } : {}),
      };
    }
    case 'power':
      return { text: r.readings.map((x) => `${x.machine}: ${x.powerState} (${x.evidence})`).join('\n') };
    case 'operations':
      return { text: r.operations.map((o) => `${o.kind === 'wake' ? 'Waking' : 'Starting the worker on'} ${o.machine}…`).join('\n') };
    case 'tasks_started': {
      const lines = r.tasks.map((t) => `${t.kind === 'deploy' ? 'Deploying to' : 'Running on'} ${t.machine}: task ${t.id} ${t.state}`);
      return { text: [...(r.placement ? [r.placement] : []), ...lines].join('\n') };
    }
    case 'tasks':
      return {
        text: r.tasks.length ? `Last ${r.tasks.length} task(s):` : 'No tasks yet.',
        ...(r.tasks.length ? { code: r.tasks.map((t) => `${t.id}  ${t.machine.padEnd(12)}  ${t.state.padEnd(10)}  ${what(t).slice(0, 60)}`).join('\n') } : {}),
      };
    case 'logs':
      return {
        text: `Output of ${r.task.id} on ${r.task.machine} (${r.task.state}):`,
        code: r.text || (r.task.outputPrunedAt ? `(removed on ${r.task.outputPrunedAt.slice(0, 10)}: the hub keeps finished tasks' output for a while)` : '(no output yet)'),
      };
    case 'task':
      return { text: r.task.state === 'cancelled' ? `Task ${r.task.id} cancelled.` : `Cancelling task ${r.task.id} on ${r.task.machine}…` };
    case 'power_commands':
      return { text: r.results.map((x) => `${x.ok ? '✅' : '❌'} ${x.machine}: ${x.message}`).join('\n') };
    case 'schedules':
      return {
        text: r.schedules.length ? `${r.schedules.length} schedule(s):` : 'No schedules yet. Add one: schedule add nightly --cron "0 2 * * 1-5" -- run any[gpu] "..."',
        ...(r.schedules.length ? { code: scheduleTable(r.schedules) } : {}),
      };
    case 'schedule':
      return { text: r.text };
    case 'link':
      return { text: `Sign-in link to the dashboard for ${r.identity} (${r.role}); it works once, until ${r.expiresAt.slice(11, 16)} UTC:\n${r.url}` };
    case 'confirm':
      return {
        text: `${r.text} This cannot be undone from here.`,
        buttons: [
          { actionId: 'confirm', label: 'Confirm', value: r.token, style: 'danger' },
          { actionId: 'dismiss', label: 'Dismiss', value: r.token },
        ],
      };
    case 'approvals':
      return approvalsList(r.approvals);
    case 'approval':
      return { text: settledLine(r.approval) };
  }
}
