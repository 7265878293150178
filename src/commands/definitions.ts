import { roles, type Role } from './roles.js';
import { approvalScopes, type ApprovalScope } from '../protocol/approvals.js';
import { taskModes, type TaskMode } from '../protocol/tasks.js';
import type { Command, CommandName, DeployTask, MachineSelector } from './command.js';
import { describeTargetError, looksLikeTarget, parseTarget, splitTargets, TargetError } from './target.js';
import { restOf, type Token } from './tokenize.js';

/** Why a command line could not be understood, in words for the person who typed it. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage?: string,
    /** What is missing, when that is the fault: a caller may fill it in (mail adds the machine it was sent to). */
    readonly missing?: 'machine',
  ) {
    super(message);
  }
}

/** One command of the language: its words, who may use it, and how its arguments are read. */
export interface CommandDefinition {
  name: CommandName;
  usage: string;
  summary: string;
  role: Role;
  examples: string[];
  /** Reads the arguments (the tokens after the command word; `text` is the whole line, for verbatim prompts). */
  parse(args: Token[], text: string): Command;
}

const selectorPattern = /^(all|tag:[a-z0-9][a-z0-9_.-]{0,31}|[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?)$/;

/** Reads a machine word: a name or alias, `all`, `tag:<t>`, or a target such as `any[gpu]` or `gpu.mem>=24`. */
export function parseSelector(word: string, usage: string): MachineSelector {
  const w = word.trim().toLowerCase();
  if (looksLikeTarget(w)) {
    try {
      return parseTarget(word.trim());
    } catch (err) {
      if (err instanceof TargetError) throw new UsageError(describeTargetError(word.trim(), err), usage);
      throw err;
    }
  }
  if (!selectorPattern.test(w)) throw new UsageError(`"${word.slice(0, 64)}" is not a machine name, "all", tag:<tag> or any[<labels>].`, usage);
  if (w === 'all') return { kind: 'all' };
  if (w.startsWith('tag:')) return { kind: 'tag', tag: w.slice(4) };
  return { kind: 'name', name: w };
}

/**
 * The machine word at `args[i]`. A target typed with spaces inside its brackets (`any[os=linux, gpu]`) arrives as
 * several words: they are joined until the brackets close. Returns the word and the index after it.
 */
function machineWord(args: Token[], i: number): { word: string; next: number } {
  let word = args[i]!.value;
  let next = i + 1;
  const open = (w: string) => (w.match(/\[/g)?.length ?? 0) > (w.match(/]/g)?.length ?? 0);
  while (open(word) && next < args.length) word += ` ${args[next++]!.value}`;
  // Never closed: the first word alone, so the error points into the target rather than at a missing prompt.
  if (open(word)) return { word: args[i]!.value, next: i + 1 };
  return { word, next };
}

function need(args: Token[], n: number, what: string, usage: string): void {
  if (args.length < n) throw new UsageError(`Missing ${what}.`, usage, what === 'the machine' ? 'machine' : undefined);
}

function noMore(args: Token[], from: number, usage: string): void {
  if (args.length > from) throw new UsageError(`Unexpected "${args[from]!.value.slice(0, 40)}".`, usage);
}

/**
 * Reads `--name value` options from `args[from]` on, as long as they come (a prompt follows them). Only the names in
 * `allowed` are options; anything else starting with `--` is refused, so a typo is not sent to the agent as text.
 * The names in `flags` take no value (`--push`): they read as 'true'.
 */
function takeOptions(args: Token[], from: number, allowed: readonly string[], usage: string, flags: readonly string[] = []): { options: Record<string, string>; next: number } {
  const options: Record<string, string> = {};
  let i = from;
  while (args[i]?.value.startsWith('--') && args[i]!.value.length > 2) {
    const name = args[i]!.value.slice(2).toLowerCase();
    const known = [...allowed, ...flags];
    if (!known.includes(name)) throw new UsageError(`Unknown option "--${name.slice(0, 30)}"${known.length ? `; this command takes ${known.map((a) => `--${a}`).join(', ')}` : ''}.`, usage);
    if (flags.includes(name)) {
      options[name] = 'true';
      i += 1;
      continue;
    }
    need(args, i + 2, `the value after --${name}`, usage);
    options[name] = args[i + 1]!.value;
    i += 2;
  }
  return { options, next: i };
}

const AGENT_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
function agentName(word: string, usage: string): string {
  const name = word.trim().toLowerCase();
  if (!AGENT_NAME.test(name)) throw new UsageError(`"${word.slice(0, 40)}" is not an agent name.`, usage);
  return name;
}

/**
 * Whether a word starts a machine's own task: `m2:fix the tests` (the quotes of `m2:"fix the tests"` are gone by
 * now), `m2:` followed by the task as the next word, `tag:gpu:train it`. `tag:gpu` alone is a selector, not a task.
 */
function taskWord(word: string): boolean {
  const body = /^tag:/i.test(word) ? word.slice(4) : word;
  return /^[a-z0-9][a-z0-9_.-]{0,62}:/i.test(body);
}

/** Reads one `machine:task` (or `machine: task`) from `args[at]`. */
function deployTask(args: Token[], at: number, usage: string): { task: DeployTask; next: number } {
  const word = args[at]!.value;
  const colon = word.indexOf(':', /^tag:/i.test(word) ? 4 : 0);
  const machine = parseSelector(word.slice(0, colon), usage);
  let prompt = word.slice(colon + 1).trim();
  let next = at + 1;
  if (!prompt && args[next] && !taskWord(args[next]!.value) && !args[next]!.value.startsWith('--')) {
    prompt = args[next]!.value.trim();
    next++;
  }
  if (!prompt) throw new UsageError(`Missing the task for ${word.slice(0, colon)}: write ${word.slice(0, colon)}:"what to do".`, usage);
  return { task: { machine, prompt }, next };
}

function modeName(word: string, usage: string): TaskMode {
  const mode = word.trim().toLowerCase();
  if (!(taskModes as readonly string[]).includes(mode)) throw new UsageError(`"${word.slice(0, 40)}" is not a mode; use plan, ask, edits or full.`, usage);
  return mode as TaskMode;
}

const APPROVAL_ID = /^[a-z0-9]{4,16}$/;
function approvalId(word: string, usage: string): string {
  const id = word.trim().toLowerCase();
  if (!APPROVAL_ID.test(id)) throw new UsageError(`"${word.slice(0, 40)}" is not an approval code (pia approvals lists them).`, usage);
  return id;
}

const TASK_ID = /^[a-z0-9]{8,32}$/;
function taskId(word: string, usage: string): string {
  const id = word.trim().toLowerCase();
  if (!TASK_ID.test(id)) throw new UsageError(`"${word.slice(0, 40)}" is not a task id.`, usage);
  return id;
}

const machineCommand = (name: 'wake' | 'bootstrap' | 'power' | 'sleep' | 'shutdown' | 'restart', summary: string, role: Role): CommandDefinition => ({
  name,
  usage: `${name} <machine>`,
  summary,
  role,
  examples: [`${name} m2`],
  parse(args) {
    need(args, 1, 'the machine', this.usage);
    noMore(args, 1, this.usage);
    return { name, machine: parseSelector(args[0]!.value, this.usage) };
  },
});

/** Every command, in the order help lists them. */
export const definitions: CommandDefinition[] = [
  {
    name: 'help',
    usage: 'help [command]',
    summary: 'what you can do here',
    role: 'viewer',
    examples: ['help', 'help deploy'],
    parse(args) {
      return args[0] ? { name: 'help', topic: args[0].value.toLowerCase() } : { name: 'help' };
    },
  },
  {
    name: 'status',
    usage: 'status [machine]',
    summary: 'the fleet at a glance, or one machine',
    role: 'viewer',
    examples: ['status', 'status m2'],
    parse(args) {
      noMore(args, 1, this.usage);
      return args[0] ? { name: 'status', machine: parseSelector(args[0].value, this.usage) } : { name: 'status' };
    },
  },
  {
    name: 'machines',
    usage: 'machines',
    summary: 'every machine with its status',
    role: 'viewer',
    examples: ['machines'],
    parse(args) {
      noMore(args, 0, this.usage);
      return { name: 'machines' };
    },
  },
  machineCommand('wake', 'wake a machine and bring its worker online', 'operator'),
  machineCommand('bootstrap', "start a machine's worker over SSH", 'operator'),
  machineCommand('power', "probe a machine's power state now", 'viewer'),
  {
    name: 'run',
    usage: 'run <machine> [--agent A] [--mode M] [--push] <prompt...>',
    summary: "ask a machine's agent to do something (--mode plan|ask|edits|full; --push its branch)",
    role: 'operator',
    examples: ['run m2 fix the flaky test', 'run any[repo=acme/app] "fix the flaky test"', 'run any[gpu] "train the small model"', 'run m2 --agent codex "add a test"', 'run m2 --mode plan "how would you split this module?"'],
    parse(args, text) {
      need(args, 1, 'the machine', this.usage);
      const target = machineWord(args, 0);
      const { options, next } = takeOptions(args, target.next, ['agent', 'mode'], this.usage, ['push']);
      const prompt = restOf(text, args[next - 1]!.end);
      if (!prompt) throw new UsageError('Missing the prompt: say what the agent should do.', this.usage);
      return {
        name: 'run',
        machine: parseSelector(target.word, this.usage),
        prompt,
        ...(options.agent ? { agent: agentName(options.agent, this.usage) } : {}),
        ...(options.mode ? { mode: modeName(options.mode, this.usage) } : {}),
        ...(options.push ? { push: true } : {}),
      };
    },
  },
  {
    name: 'deploy',
    usage: 'deploy <git-url> <machine>[,<machine>...] [--ref R] [--agent A] [--mode M] [--push] <prompt...>',
    summary: 'clone a repository on machines and run the agent there, each task on its own branch (or a task each: m2:"...")',
    role: 'operator',
    examples: [
      'deploy https://github.com/acme/app m2,m3 fix the flaky test',
      'deploy git@github.com:acme/app.git all --ref main "update deps"',
      'deploy https://github.com/acme/app m2:"fix the tests" m3:"update the docs"',
      'deploy https://github.com/acme/app any[gpu]x3 "run the benchmarks"',
      'deploy https://github.com/acme/app m2 --push "fix the typo in the README"',
    ],
    parse(args, text) {
      need(args, 2, 'the repository and the machines', this.usage);
      const allowed = ['ref', 'agent', 'mode'];
      const flags = ['push'];
      const first = takeOptions(args, 1, allowed, this.usage, flags);
      let next = first.next;
      const options = first.options;
      const choices = (o: Record<string, string>) => ({
        ...(o.agent ? { agent: agentName(o.agent, this.usage) } : {}),
        ...(o.mode ? { mode: modeName(o.mode, this.usage) } : {}),
        ...(o.push ? { push: true } : {}),
      });
      if (args[next] && taskWord(args[next]!.value)) {
        const tasks: DeployTask[] = [];
        while (args[next] && taskWord(args[next]!.value)) {
          const read = deployTask(args, next, this.usage);
          tasks.push(read.task);
          next = read.next;
        }
        const after = takeOptions(args, next, allowed, this.usage, flags);
        if (args[after.next]) throw new UsageError(`Unexpected "${args[after.next]!.value.slice(0, 40)}": quote each machine's task, e.g. m2:"fix the tests".`, this.usage);
        const all = { ...options, ...after.options };
        return { name: 'deploy', repo: args[0]!.value, ...(all.ref !== undefined ? { ref: all.ref } : {}), machines: tasks.map((t) => t.machine), prompt: '', ...choices(all), tasks };
      }
      need(args, next + 1, 'the machines', this.usage);
      const list = machineWord(args, next);
      const machines = splitTargets(list.word).map((p) => parseSelector(p.word, this.usage));
      if (machines.length === 0) throw new UsageError('Missing the machines.', this.usage);
      const rest = takeOptions(args, list.next, allowed, this.usage, flags);
      const all = { ...options, ...rest.options };
      const prompt = restOf(text, args[rest.next - 1]!.end);
      if (!prompt) throw new UsageError('Missing the prompt: say what the agent should do.', this.usage);
      return { name: 'deploy', repo: args[0]!.value, ...(all.ref !== undefined ? { ref: all.ref } : {}), machines, prompt, ...choices(all) };
    },
  },
  {
    name: 'continue',
    usage: 'continue <task-id> <prompt...>',
    summary: "continue a task's agent session (what a reply in its thread does)",
    role: 'operator',
    examples: ['continue k3x9q2mfab now update the docs'],
    parse(args, text) {
      need(args, 1, 'the task id', this.usage);
      const prompt = restOf(text, args[0]!.end);
      if (!prompt) throw new UsageError('Missing the prompt: say what the agent should do next.', this.usage);
      return { name: 'continue', taskId: taskId(args[0]!.value, this.usage), prompt };
    },
  },
  {
    name: 'sh',
    usage: 'sh <machine> -- <command> [args...]',
    summary: 'run a command on a machine (no shell: arguments as written)',
    role: 'admin',
    examples: ['sh m2 -- uptime', 'sh m2 -- df -h /'],
    parse(args) {
      need(args, 1, 'the machine', this.usage);
      const target = machineWord(args, 0);
      const sep = args[target.next]?.value === '--' ? target.next + 1 : target.next;
      const argv = args.slice(sep).map((t) => t.value);
      if (argv.length === 0) throw new UsageError('Missing the command after --.', this.usage);
      return { name: 'sh', machine: parseSelector(target.word, this.usage), argv };
    },
  },
  {
    name: 'tasks',
    usage: 'tasks [machine]',
    summary: 'recent tasks',
    role: 'viewer',
    examples: ['tasks', 'tasks m2'],
    parse(args) {
      noMore(args, 1, this.usage);
      return args[0] ? { name: 'tasks', machine: parseSelector(args[0].value, this.usage) } : { name: 'tasks' };
    },
  },
  {
    name: 'logs',
    usage: 'logs <task-id>',
    summary: "a task's output",
    role: 'viewer',
    examples: ['logs k3x9q2mfab'],
    parse(args) {
      need(args, 1, 'the task id', this.usage);
      noMore(args, 1, this.usage);
      return { name: 'logs', taskId: taskId(args[0]!.value, this.usage) };
    },
  },
  {
    name: 'cancel',
    usage: 'cancel <task-id>',
    summary: 'cancel a task',
    role: 'operator',
    examples: ['cancel k3x9q2mfab'],
    parse(args) {
      need(args, 1, 'the task id', this.usage);
      noMore(args, 1, this.usage);
      return { name: 'cancel', taskId: taskId(args[0]!.value, this.usage) };
    },
  },
  {
    name: 'approvals',
    usage: 'approvals [task-id]',
    summary: 'what agents wait for: tools to allow, questions, plans',
    role: 'viewer',
    examples: ['approvals', 'approvals k3x9q2mfab'],
    parse(args) {
      noMore(args, 1, this.usage);
      return args[0] ? { name: 'approvals', taskId: taskId(args[0].value, this.usage) } : { name: 'approvals' };
    },
  },
  {
    name: 'approve',
    usage: 'approve <code> [once|task|always]',
    summary: 'allow it once, for the task, or always there (admin); a plan',
    role: 'operator',
    examples: ['approve 4kq2mf', 'approve 4kq2mf task'],
    parse(args) {
      need(args, 1, 'the approval code', this.usage);
      noMore(args, 2, this.usage);
      const scope = (args[1]?.value.toLowerCase() ?? 'once') as ApprovalScope;
      if (!(approvalScopes as readonly string[]).includes(scope)) throw new UsageError(`"${args[1]!.value.slice(0, 40)}" is not once, task or always.`, this.usage);
      return { name: 'approve', id: approvalId(args[0]!.value, this.usage), scope };
    },
  },
  {
    name: 'deny',
    usage: 'deny <code> [reason...]',
    summary: 'refuse it (a plan: keep planning); the agent reads why',
    role: 'operator',
    examples: ['deny 4kq2mf', 'deny 4kq2mf run the tests first'],
    parse(args, text) {
      need(args, 1, 'the approval code', this.usage);
      const reason = restOf(text, args[0]!.end);
      return { name: 'deny', id: approvalId(args[0]!.value, this.usage), ...(reason ? { reason: reason.slice(0, 1000) } : {}) };
    },
  },
  {
    name: 'answer',
    usage: 'answer <code> <choice...>',
    summary: "answer an agent's question: 1, 1,3, a label or your words",
    role: 'operator',
    examples: ['answer 4kq2mf 1', 'answer 4kq2mf "use MySQL instead"'],
    parse(args, text) {
      need(args, 2, 'the approval code and your answer', this.usage);
      return { name: 'answer', id: approvalId(args[0]!.value, this.usage), text: text.slice(args[0]!.end).trim().slice(0, 2000) };
    },
  },
  machineCommand('sleep', 'put a machine to sleep', 'admin'),
  machineCommand('shutdown', 'shut a machine down', 'admin'),
  machineCommand('restart', 'restart a machine', 'admin'),
  {
    name: 'schedule',
    usage: 'schedule add <name> --cron "<cron>" [--tz Z] -- <command...>',
    summary: 'run a command at cron times; also schedule list|pause|resume|rm <name>',
    role: 'operator',
    examples: ['schedule', 'schedule add nightly --cron "0 2 * * 1-5" --tz Europe/London -- run any[gpu] "run the nightly benchmarks"', 'schedule pause nightly', 'schedule rm nightly'],
    parse(args, text) {
      const action = (args[0]?.value ?? 'list').toLowerCase();
      if (action === 'list') {
        noMore(args, 1, this.usage);
        return { name: 'schedule', action: 'list' };
      }
      if (action === 'pause' || action === 'resume' || action === 'rm' || action === 'remove') {
        need(args, 2, 'the schedule name', this.usage);
        noMore(args, 2, this.usage);
        return { name: 'schedule', action: action === 'remove' ? 'rm' : action, schedule: args[1]!.value.toLowerCase() };
      }
      if (action !== 'add') throw new UsageError(`"${args[0]!.value.slice(0, 30)}" is not a schedule action: list, add, pause, resume or rm.`, this.usage);
      need(args, 2, 'the schedule name', this.usage);
      const { options, next } = takeOptions(args, 2, ['cron', 'tz', 'report'], this.usage);
      if (options.cron === undefined) throw new UsageError('Missing --cron "<minute hour day month weekday>" (quote it).', this.usage);
      if (args[next]?.value !== '--') {
        const hint = args[next] && /^[\d*/,-]+$/.test(args[next]!.value) ? ' Quote the cron expression: --cron "0 2 * * 1-5".' : '';
        throw new UsageError(`Put the command to run after --.${hint}`, this.usage);
      }
      const command = restOf(text, args[next]!.end);
      if (!command) throw new UsageError('Missing the command after --.', this.usage);
      return {
        name: 'schedule',
        action: 'add',
        schedule: args[1]!.value.toLowerCase(),
        cron: options.cron,
        ...(options.tz ? { tz: options.tz } : {}),
        ...(options.report ? { report: options.report } : {}),
        command,
      };
    },
  },
  {
    name: 'dashboard',
    usage: 'dashboard [--as <identity>] [--role viewer|operator|admin]',
    summary: 'a one-time sign-in link to the web dashboard (admins: for someone else with --as)',
    role: 'viewer',
    examples: ['dashboard', 'dashboard --as slack:U123 --role viewer'],
    parse(args) {
      const { options, next } = takeOptions(args, 0, ['as', 'role'], this.usage);
      noMore(args, next, this.usage);
      const role = options.role?.toLowerCase();
      if (role !== undefined && !(roles as readonly string[]).includes(role)) throw new UsageError(`"${role.slice(0, 20)}" is not a role; use viewer, operator or admin.`, this.usage);
      return { name: 'dashboard', ...(options.as ? { as: options.as.trim() } : {}), ...(role ? { role: role as Role } : {}) };
    },
  },
  {
    name: 'whoami',
    usage: 'whoami',
    summary: 'who PIA thinks you are, and what you may do',
    role: 'viewer',
    examples: ['whoami'],
    parse(args) {
      noMore(args, 0, this.usage);
      return { name: 'whoami' };
    },
  },
];

/** The definition of a command by name. */
export const definitionOf = new Map(definitions.map((d) => [d.name, d]));
