import { api as schemas, type ApprovalView } from '../protocol/api.js';
import type { ApiClient } from './api-client.js';

/** What a terminal shows of an approval its task waits on, with the commands that answer it. */
export function approvalNotice(a: ApprovalView): string {
  const indent = (text: string) => text.replace(/\n$/, '').replace(/^/gm, '    ') + '\n';
  if (a.kind === 'question') {
    const lines = (a.questions ?? []).flatMap((q) => [q.question, ...q.options.map((o, i) => `  ${i + 1}. ${o.label}${o.description ? `: ${o.description}` : ''}`)]);
    return `✋ The agent on ${a.machine} asks (${a.id}):\n${indent(lines.join('\n'))}  Answer: pia answer ${a.id} <number or your words>\n`;
  }
  if (a.kind === 'plan') {
    return `✋ Plan from the agent on ${a.machine} (${a.id}):\n${a.detail ? indent(a.detail) : ''}  Answer: pia approve ${a.id} · pia deny ${a.id} <what to change>\n`;
  }
  return `✋ Waiting for you (${a.id}): the agent on ${a.machine} wants to use ${a.tool}: ${a.summary}\n${a.detail ? indent(a.detail) : ''}  Answer: pia approve ${a.id} [task${a.canAlways ? '|always' : ''}] · pia deny ${a.id} [reason]\n`;
}

/**
 * While `pia run -f` / `pia logs -f` follows a task: says, once each, what its agent waits for and the commands
 * that answer it, so a terminal is a front end like a chat thread.
 */
export function approvalNotices(api: ApiClient, taskId: string, write: (text: string) => void): () => Promise<void> {
  const shown = new Set<string>();
  return async () => {
    const { approvals } = await api.get(`/api/approvals?task=${encodeURIComponent(taskId)}&state=pending`, schemas.approvals);
    for (const a of approvals.reverse()) {
      if (shown.has(a.id)) continue;
      shown.add(a.id);
      write(approvalNotice(a));
    }
  };
}
