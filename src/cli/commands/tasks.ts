import { Command, Option } from 'commander';
import { api as schemas } from '../../protocol/api.js';
import type { Task } from '../../hub/tasks/task.js';
import { taskModes, taskStates } from '../../protocol/tasks.js';
import type { ApiClient } from '../api-client.js';
import { approvalNotices } from '../approval-notices.js';
import { printOutput, resultLine } from '../follow.js';
import { PiaError } from '../../common/errors.js';
import { ago, formatTable, printJson, size } from '../output.js';
import { splitTargets } from '../../commands/target.js';

const write = (text: string) => void process.stdout.write(text);

/** Exit code for a finished task: 0 when it succeeded. */
function exitFor(task: Task): number {
  return task.state === 'succeeded' ? 0 : 1;
}

async function afterCreate(api: ApiClient, tasks: Task[], opts: { follow?: boolean; json?: boolean }, placement?: string): Promise<void> {
  if (opts.json && !opts.follow) {
    const where = placement ? { placement } : {};
    printJson(tasks.length === 1 ? { taskId: tasks[0]!.id, task: tasks[0], ...where } : { taskIds: tasks.map((t) => t.id), tasks, ...where });
    return;
  }
  if (placement) write(`${placement}\n`);
  for (const t of tasks) process.stdout.write(`Task ${t.id} ${t.state} on ${t.machine}.${opts.follow ? '' : ` Follow it with: pia logs ${t.id} -f`}\n`);
  if (!opts.follow) return;
  const ends = [];
  for (const t of tasks) {
    if (tasks.length > 1) write(`--- ${t.machine} (${t.id}) ---\n`);
    const end = await printOutput(api, t.id, { follow: true, write, idle: approvalNotices(api, t.id, write) });
    write(resultLine(end) + '\n');
    ends.push(end);
  }
  if (opts.json) printJson({ tasks: ends });
  process.exitCode = ends.every((t) => t.state === 'succeeded') ? 0 : 1;
}

const modeOption = () =>
  new Option('--mode <mode>', "how much the agent may do without asking: plan, ask (default), edits, full (admins, where allowed)").choices([...taskModes]);

const timeoutOption = () => new Option('--timeout <seconds>', 'stop the task after this long (default: the hub\'s PIA_TASK_TIMEOUT_S)').argParser(Number);

/** `pia run`, `pia deploy`, `pia sh`, `pia tasks`, `pia logs`, `pia cancel`. */
export function taskCommands(api: () => ApiClient): Command[] {
  const run = new Command('run')
    .description('ask a machine\'s agent to do something')
    .argument('<machine>', 'machine name or alias, or a target: any[gpu], any[os=linux,repo=acme/app], gpu.mem>=24')
    .argument('<prompt...>', 'what the agent should do')
    .option('--agent <name>', 'which configured agent (default: the worker\'s)')
    .option('--workspace <folder>', 'a folder under the worker\'s workspace')
    .option('--continue <taskId>', 'continue that task\'s agent session')
    .addOption(modeOption())
    .option('--push', 'push the task\'s branch when it succeeds (a task in a repository), and open a pull request where gh can')
    .addOption(timeoutOption())
    .option('-f, --follow', 'print the output until the task ends; exit 1 unless it succeeded')
    .option('--json', 'print JSON: {"taskId": ...}')
    .action(async (machine: string, words: string[], opts: { agent?: string; workspace?: string; continue?: string; mode?: string; push?: boolean; timeout?: number; follow?: boolean; json?: boolean }) => {
      const client = api();
      const created = await client.post('/api/tasks', schemas.tasks, {
        kind: 'run',
        machine,
        prompt: words.join(' '),
        ...(opts.agent ? { agent: opts.agent } : {}),
        ...(opts.workspace ? { workspace: opts.workspace } : {}),
        ...(opts.continue ? { continueTask: opts.continue } : {}),
        ...(opts.mode ? { mode: opts.mode } : {}),
        ...(opts.push ? { push: true } : {}),
        ...(opts.timeout ? { timeoutS: opts.timeout } : {}),
        origin: { kind: 'cli' },
      });
      await afterCreate(client, created.tasks, opts, created.placement);
    });

  const deploy = new Command('deploy')
    .description('clone (or update) a repository on machines and run the agent there')
    .argument('<git-url>', 'https:// or ssh repository URL')
    .argument('<machines>', 'comma-separated machine names or targets (any[gpu]x3)')
    .argument('<prompt...>', 'what the agent should do on each')
    .option('--ref <ref>', 'branch, tag or commit (default: the default branch)')
    .option('--agent <name>', 'which configured agent')
    .addOption(modeOption())
    .option('--push', 'push each task\'s branch when it succeeds, and open a pull request where gh can')
    .addOption(timeoutOption())
    .option('-f, --follow', 'print each machine\'s output until its task ends')
    .option('--json', 'print JSON: {"taskIds": [...]}')
    .action(async (url: string, machines: string, words: string[], opts: { ref?: string; agent?: string; mode?: string; push?: boolean; timeout?: number; follow?: boolean; json?: boolean }) => {
      const client = api();
      const names = splitTargets(machines).map((m) => m.word.trim()).filter(Boolean);
      const { tasks, placement } = await client.post('/api/tasks', schemas.tasks, {
        kind: 'deploy',
        repo: url,
        ...(opts.ref ? { ref: opts.ref } : {}),
        machines: names,
        prompt: words.join(' '),
        ...(opts.agent ? { agent: opts.agent } : {}),
        ...(opts.mode ? { mode: opts.mode } : {}),
        ...(opts.push ? { push: true } : {}),
        ...(opts.timeout ? { timeoutS: opts.timeout } : {}),
        origin: { kind: 'cli' },
      });
      await afterCreate(client, tasks, opts, placement);
    });

  const sh = new Command('sh')
    .description('run a command on a machine (admin): pia sh m2 -- uptime')
    .argument('<machine>', 'machine name or alias')
    .argument('<argv...>', 'the command and its arguments, after --')
    .addOption(timeoutOption())
    .option('-f, --follow', 'print the output until it ends')
    .option('--json', 'print JSON: {"taskId": ...}')
    .passThroughOptions()
    .action(async (machine: string, words: string[], opts: { timeout?: number; follow?: boolean; json?: boolean }) => {
      const client = api();
      // With pass-through options commander keeps the separator; everything after it is the command, verbatim.
      const argv = words[0] === '--' ? words.slice(1) : words;
      const { tasks, placement } = await client.post('/api/tasks', schemas.tasks, { kind: 'shell', machine, argv, ...(opts.timeout ? { timeoutS: opts.timeout } : {}), origin: { kind: 'cli' } });
      await afterCreate(client, tasks, opts, placement);
    });

  const list = new Command('tasks')
    .description('recent tasks, newest first')
    .option('--machine <name>', 'only this machine\'s')
    .addOption(new Option('--state <state>', 'only tasks in this state').choices([...taskStates]))
    .option('-n, --limit <n>', 'how many', '30')
    .option('--json', 'print JSON')
    .action(async (opts: { machine?: string; state?: string; limit: string; json?: boolean }) => {
      const q = new URLSearchParams({ limit: opts.limit, ...(opts.machine ? { machine: opts.machine } : {}), ...(opts.state ? { state: opts.state } : {}) });
      const { tasks } = await api().get(`/api/tasks?${q}`, schemas.tasks);
      if (opts.json) return printJson({ tasks });
      if (tasks.length === 0) return write('No tasks yet. Start one with: pia run <machine> "<prompt>"\n');
      write(
        formatTable(
          ['ID', 'MACHINE', 'KIND', 'STATE', 'CREATED', 'BY', 'TASK'],
          tasks.map((t) => [t.id, t.machine, t.kind, t.state, ago(t.createdAt), t.requester, (t.prompt ?? t.argv?.join(' ') ?? '').replace(/\s+/g, ' ').slice(0, 60)]),
        ),
      );
    });

  // `pia tasks prune --json`: the subcommand's own options, not the list's.
  list.enablePositionalOptions().addCommand(
    new Command('prune')
      .description("remove finished tasks' output, oldest first (running tasks' output is never touched; the tasks stay listed)")
      .option('--older-than <days>', 'output of tasks that finished more than this many days ago', Number)
      .option('--max-gb <gb>', 'and the oldest until what is left takes at most this many GB on disk', Number)
      .option('--dry-run', 'say what would go, remove nothing')
      .option('--json', 'print JSON')
      .action(async (opts: { olderThan?: number; maxGb?: number; dryRun?: boolean; json?: boolean }) => {
        if (opts.olderThan === undefined && opts.maxGb === undefined) {
          throw new PiaError('usage', 'Say which output goes: pia tasks prune --older-than <days> and/or --max-gb <gb> (add --dry-run to see first).');
        }
        for (const [flag, v] of [['--older-than', opts.olderThan], ['--max-gb', opts.maxGb]] as const) {
          if (v !== undefined && !(Number.isFinite(v) && v >= 0)) throw new PiaError('usage', `${flag} takes a number, 0 or more.`);
        }
        const { pruned } = await api().post('/api/tasks/prune', schemas.pruned, {
          ...(opts.olderThan !== undefined ? { olderThanDays: opts.olderThan } : {}),
          ...(opts.maxGb !== undefined ? { maxGb: opts.maxGb } : {}),
          dryRun: opts.dryRun ?? false,
        });
        if (opts.json) return printJson({ pruned });
        if (pruned.tasks === 0) return write(`No finished task's output ${pruned.dryRun ? 'would go' : 'went'}.\n`);
        const until = pruned.newestFinishedAt ? `, of tasks finished until ${pruned.newestFinishedAt.slice(0, 16).replace('T', ' ')}` : '';
        write(`${pruned.dryRun ? 'Would remove' : 'Removed'} the output of ${pruned.tasks} task(s): ${size(pruned.outputBytes)} (${size(pruned.diskBytes)} on disk)${until}.\n`);
      }),
  );

  const logs = new Command('logs')
    .description('a task\'s output (and, with -f, the rest as it comes)')
    .argument('<taskId>')
    .option('-f, --follow', 'keep printing until the task ends')
    .option('--json', 'print the task and its output as JSON')
    .action(async (taskId: string, opts: { follow?: boolean; json?: boolean }) => {
      const client = api();
      if (opts.json) {
        let text = '';
        const task = await printOutput(client, taskId, { follow: opts.follow ?? false, write: (t) => (text += t) });
        return printJson({ task, output: text });
      }
      const task = await printOutput(client, taskId, { follow: opts.follow ?? false, write, ...(opts.follow ? { idle: approvalNotices(client, taskId, write) } : {}) });
      if (['succeeded', 'failed', 'cancelled', 'timed_out', 'lost'].includes(task.state)) {
        write(resultLine(task) + '\n');
        process.exitCode = exitFor(task);
      }
    });

  const cancel = new Command('cancel')
    .description('cancel a task (queued: at once; running: SIGINT, then SIGTERM, then SIGKILL)')
    .argument('<taskId>')
    .option('--json', 'print JSON')
    .action(async (taskId: string, opts: { json?: boolean }) => {
      const { task } = await api().post(`/api/tasks/${encodeURIComponent(taskId)}/cancel`, schemas.task);
      if (opts.json) return printJson({ task });
      write(task.state === 'cancelled' ? `Task ${task.id} cancelled.\n` : `Cancelling task ${task.id} on ${task.machine}...\n`);
    });

  return [run, deploy, sh, list, logs, cancel];
}
