import { Command } from 'commander';
import { toPlainText } from '../../present/markup.js';
import { settledLine } from '../../present/approval-views.js';
import { api as schemas, type ApprovalView } from '../../protocol/api.js';
import type { ApiClient } from '../api-client.js';
import { ago, formatTable, printJson } from '../output.js';

const write = (text: string) => void process.stdout.write(text);

function what(a: ApprovalView): string {
  return (a.kind === 'tool' ? `${a.tool}: ${a.summary}` : `${a.kind}: ${a.summary}`).slice(0, 70);
}

async function answer(api: ApiClient, code: string, body: object, json?: boolean): Promise<void> {
  const { approval } = await api.post(`/api/approvals/${encodeURIComponent(code)}`, schemas.approval, { ...body, origin: 'cli' });
  if (json) return printJson({ approval });
  write(toPlainText(settledLine(approval)) + '\n');
}

/** `pia approvals`, `pia approve`, `pia deny`, `pia answer`: what agents wait for, and the answers. */
export function approvalCommands(api: () => ApiClient): Command[] {
  const list = new Command('approvals')
    .description('what agents wait for: tool uses to allow, questions, plans')
    .option('--task <id>', 'only this task\'s')
    .option('--machine <name>', 'only this machine\'s')
    .option('--all', 'settled ones too, newest first')
    .option('--json', 'print JSON')
    .action(async (opts: { task?: string; machine?: string; all?: boolean; json?: boolean }) => {
      const q = new URLSearchParams({ state: opts.all ? 'all' : 'pending', ...(opts.task ? { task: opts.task } : {}), ...(opts.machine ? { machine: opts.machine } : {}) });
      const { approvals } = await api().get(`/api/approvals?${q}`, schemas.approvals);
      if (opts.json) return printJson({ approvals });
      if (approvals.length === 0) return write(opts.all ? 'No approvals yet.\n' : 'Nothing waits for an answer.\n');
      write(
        formatTable(
          ['CODE', 'MACHINE', 'TASK', 'STATE', 'ASKED', 'BY', 'WHAT'],
          approvals.map((a) => [a.id, a.machine, a.taskId, a.state, ago(a.createdAt), a.decidedBy ?? '-', what(a)]),
        ),
      );
      if (!opts.all) write('Answer with: pia approve <code> [once|task|always], pia deny <code> [reason], pia answer <code> <choice>\n');
    });

  const approve = new Command('approve')
    .description('let an agent go on: once (default), for the rest of its task, or always on that machine; approve a plan')
    .argument('<code>', 'the approval code (pia approvals lists them)')
    .argument('[scope]', 'once, task or always', 'once')
    .option('--json', 'print JSON')
    .action(async (code: string, scope: string, opts: { json?: boolean }) => answer(api(), code, { decision: 'allow', scope }, opts.json));

  const deny = new Command('deny')
    .description('refuse what an agent asks (a plan: keep planning); the agent reads the reason')
    .argument('<code>', 'the approval code')
    .argument('[reason...]', 'why')
    .option('--json', 'print JSON')
    .action(async (code: string, words: string[], opts: { json?: boolean }) => answer(api(), code, { decision: 'deny', ...(words.length ? { reason: words.join(' ') } : {}) }, opts.json));

  const answerCmd = new Command('answer')
    .description("answer an agent's question: a choice's number (several: 1,3), its label, or your own words")
    .argument('<code>', 'the approval code')
    .argument('<choice...>', 'the answer')
    .option('--json', 'print JSON')
    .action(async (code: string, words: string[], opts: { json?: boolean }) => answer(api(), code, { decision: 'answer', answer: words.join(' ') }, opts.json));

  return [list, approve, deny, answerCmd];
}
