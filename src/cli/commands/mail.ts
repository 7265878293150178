import { Command, Option } from 'commander';
import { PiaError } from '../../common/errors.js';
import type { AgentReply } from '../../worker/agent/agent-request.js';
import { askWorker } from '../agent-client.js';
import { printJson } from '../output.js';

/**
 * `pia mail <machine> "<task>"`: inside a task, hands work to another machine of the fleet by mail. The hub sends
 * it From this machine's address; the answer comes back by mail: printed here with --wait, otherwise it continues
 * this agent's session once this task has ended.
 */
export function mailCommand(): Command {
  return new Command('mail')
    .description('from inside a task: mail another machine a task; its answer comes back by mail (--wait to wait for it here)')
    .argument('<machine>', 'the other machine\'s name or alias')
    .argument('<task...>', 'what its agent should do')
    .option('--subject <text>', 'the mail\'s subject (default: the first line of the task)')
    .option('-w, --wait', 'wait for the answer and print it; exit 1 unless the other task succeeded')
    .addOption(new Option('--timeout <seconds>', 'with --wait: give up after this long').argParser(Number))
    .option('--json', 'print JSON lines: {"type":"sent",...} then {"type":"answer",...}')
    .action(async (machine: string, words: string[], opts: { subject?: string; wait?: boolean; timeout?: number; json?: boolean }) => {
      if (opts.timeout !== undefined && !(opts.timeout > 0)) throw new PiaError('timeout_invalid', '--timeout takes a number of seconds above 0');
      const replies: AgentReply[] = [];
      let timer: NodeJS.Timeout | undefined;
      const asked = askWorker(process.env, { op: 'mail', to: machine, text: words.join(' '), ...(opts.subject ? { subject: opts.subject } : {}), wait: opts.wait === true }, (reply) => {
        replies.push(reply);
        if (opts.json) return printJson(reply);
        if (reply.type === 'sent') {
          const next = opts.wait ? 'Waiting for the answer...' : 'Its answer comes back by mail; use --wait to wait for it here.';
          (opts.wait ? process.stderr : process.stdout).write(`Mailed ${machine} at ${reply.address} (${reply.messageId}). ${next}\n`);
        } else if (reply.type === 'answer') {
          process.stdout.write(`${reply.text.trimEnd()}\n`);
        }
      });
      const expired = new Promise<'timeout'>((resolve) => {
        if (opts.timeout) timer = setTimeout(() => resolve('timeout'), opts.timeout * 1000);
      });
      const end = await Promise.race([asked, expired]);
      clearTimeout(timer);
      const error = replies.find((r) => r.type === 'error');
      if (error?.type === 'error') throw new PiaError('mail_failed', error.message);
      if (!opts.wait) return;
      const answer = replies.find((r) => r.type === 'answer');
      if (end === 'timeout' || answer?.type !== 'answer') {
        process.stderr.write(`pia: no answer from ${machine} ${end === 'timeout' ? `within ${opts.timeout} s` : 'before the worker hung up'}; it still comes back by mail.\n`);
        process.exit(1); // the socket may still be open; do not wait on it
      }
      process.exitCode = answer.state === 'succeeded' ? 0 : 1;
    });
}
