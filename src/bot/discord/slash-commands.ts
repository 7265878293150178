import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  InteractionContextType,
  type APIApplicationCommandBasicOption,
  type APIApplicationCommandSubcommandOption,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';

/**
 * `/pia` and its subcommands: one table drives both the JSON Discord registers and the way an interaction is
 * turned back into a PIA command line, so the two cannot drift apart. The core's grammar (bot/commands) stays
 * the only parser: this file only writes text in that grammar.
 */

/** The top-level slash command's name. */
export const SLASH_COMMAND = 'pia';

/**
 * How an option's value goes into the command line. `machine`, `machines` and `word` must stay one word of the
 * core's grammar; `rest` is the verbatim tail (a prompt, a command line), which the core reads as typed.
 */
type OptionKind = 'machine' | 'machines' | 'agent' | 'word' | 'rest' | 'flag';

interface OptionSpec {
  name: string;
  description: string;
  kind: OptionKind;
  required: boolean;
}

interface SubcommandSpec {
  name: string;
  description: string;
  options: OptionSpec[];
  /** The words of the command line, in the core's order; absent optional values are left out. */
  words?(value: (name: string) => string | undefined): (string | undefined)[];
}

const machine = (required: boolean, description = 'machine name, alias, "all", tag:<tag>, or any[<labels>] to let PIA pick'): OptionSpec => ({
  name: 'machine',
  description,
  kind: 'machine',
  required,
});
const task: OptionSpec = { name: 'task', description: 'task id', kind: 'word', required: true };
const mode: OptionSpec = { name: 'mode', description: 'plan, ask (default), edits or full (admins)', kind: 'word', required: false };
/** A yes/no option (Discord's Boolean): `--push` in the command line when true. */
const push: OptionSpec = { name: 'push', description: "push the task's branch when it succeeds, and open a pull request", kind: 'flag', required: false };
const pushWords = (v: (name: string) => string | undefined) => (v('push') === 'true' ? ['--push'] : []);
const agent: OptionSpec = { name: 'agent', description: 'which agent: claude, codex, gemini, opencode, cursor, aider (default: the machine\'s)', kind: 'agent', required: false };
const code: OptionSpec = { name: 'code', description: 'the approval code, e.g. 4kq2mf', kind: 'word', required: true };
const onMachine = (name: string, description: string): SubcommandSpec => ({ name, description, options: [machine(true)] });

const subcommands: SubcommandSpec[] = [
  { name: 'help', description: 'what you can do here', options: [{ name: 'command', description: 'a command to explain', kind: 'word', required: false }] },
  { name: 'status', description: 'the fleet at a glance, or one machine', options: [machine(false)] },
  { name: 'machines', description: 'every machine with its status', options: [] },
  onMachine('wake', 'wake a machine and bring its worker online'),
  onMachine('bootstrap', "start a machine's worker over SSH"),
  onMachine('power', "probe a machine's power state now"),
  {
    name: 'run',
    description: "ask a machine's agent to do something",
    options: [machine(true), { name: 'prompt', description: 'what the agent should do', kind: 'rest', required: true }, mode, agent, push],
    words: (v) => ['run', v('machine'), ...(v('agent') !== undefined ? ['--agent', v('agent')] : []), ...(v('mode') !== undefined ? ['--mode', v('mode')] : []), ...pushWords(v), v('prompt')],
  },
  {
    name: 'deploy',
    description: 'clone a repository on machines and run the agent there',
    options: [
      { name: 'repo', description: 'git URL of the repository', kind: 'word', required: true },
      { name: 'machines', description: 'machines, comma-separated (m2,m3), "all" or tag:<tag>', kind: 'machines', required: true },
      { name: 'prompt', description: 'what the agent should do', kind: 'rest', required: true },
      { name: 'ref', description: 'branch, tag or commit to check out', kind: 'word', required: false },
      mode,
      agent,
      push,
    ],
    words: (v) => [
      'deploy',
      v('repo'),
      v('machines'),
      ...(v('ref') !== undefined ? ['--ref', v('ref')] : []),
      ...(v('agent') !== undefined ? ['--agent', v('agent')] : []),
      ...(v('mode') !== undefined ? ['--mode', v('mode')] : []),
      ...pushWords(v),
      v('prompt'),
    ],
  },
  {
    name: 'sh',
    description: 'run a command on a machine (no shell: arguments as written)',
    options: [machine(true), { name: 'command', description: 'the command and its arguments, e.g. df -h /', kind: 'rest', required: true }],
    words: (v) => ['sh', v('machine'), '--', v('command')],
  },
  { name: 'tasks', description: 'recent tasks', options: [machine(false)] },
  { name: 'logs', description: "a task's output", options: [task] },
  { name: 'cancel', description: 'cancel a task', options: [task] },
  { name: 'approvals', description: 'what agents wait for: tools to allow, questions, plans', options: [{ ...task, required: false }] },
  { name: 'approve', description: 'let an agent go on (once, for its task, or always there)', options: [code, { name: 'scope', description: 'once (default), task or always (admins)', kind: 'word', required: false }] },
  { name: 'deny', description: 'refuse what an agent asks; it reads the reason', options: [code, { name: 'reason', description: 'why', kind: 'rest', required: false }] },
  { name: 'answer', description: "answer an agent's question", options: [code, { name: 'choice', description: 'a number (several: 1,3), a label or your words', kind: 'rest', required: true }] },
  onMachine('sleep', 'put a machine to sleep'),
  onMachine('shutdown', 'shut a machine down'),
  onMachine('restart', 'restart a machine'),
  { name: 'whoami', description: 'who PIA thinks you are, and what you may do', options: [] },
  {
    name: 'schedule',
    description: 'run a command at cron times: list, add, pause, resume, rm',
    options: [{ name: 'args', description: 'e.g. add nightly --cron "0 2 * * 1-5" -- run any[gpu] "train"; empty: list', kind: 'rest', required: false }],
    words: (v) => ['schedule', v('args')],
  },
];

const byName = new Map(subcommands.map((s) => [s.name, s]));

/** Options whose values autocomplete, and from what: the machine list (one name or a list) or the agents. */
export function machineOptionKind(subcommand: string, option: string): 'machine' | 'machines' | 'agent' | undefined {
  const kind = byName.get(subcommand)?.options.find((o) => o.name === option)?.kind;
  return kind === 'machine' || kind === 'machines' || kind === 'agent' ? kind : undefined;
}

function optionJson(o: OptionSpec): APIApplicationCommandBasicOption {
  if (o.kind === 'flag') return { type: ApplicationCommandOptionType.Boolean, name: o.name, description: o.description, required: o.required };
  return {
    type: ApplicationCommandOptionType.String,
    name: o.name,
    description: o.description,
    required: o.required,
    ...(o.kind === 'machine' || o.kind === 'machines' || o.kind === 'agent' ? { autocomplete: true } : {}),
  };
}

/** The JSON body Discord registers for `/pia` (an array, as the bulk-overwrite endpoint takes it). */
export function commandDefinitions(): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
  const options: APIApplicationCommandSubcommandOption[] = subcommands.map((s) => ({
    type: ApplicationCommandOptionType.Subcommand,
    name: s.name,
    description: s.description,
    options: s.options.map(optionJson),
  }));
  return [
    {
      name: SLASH_COMMAND,
      description: 'Drive your fleet of machines',
      type: ApplicationCommandType.ChatInput,
      // Threads carry the conversation, and only guild channels have them.
      contexts: [InteractionContextType.Guild],
      options,
    },
  ];
}

/** A command line for the core, or why the values cannot make one. */
export type CommandLine = { ok: true; text: string } | { ok: false; problem: string };

// The core's tokenizer groups words by these quotes, so a one-word value containing one would swallow the words
// after it; whitespace would split it. Either way the core would read something other than what was picked.
const notOneWord = /[\s"'“”‘’«»]/;

/**
 * Turns a `/pia <subcommand>` and its option values back into PIA command text (`run m2 fix the test`,
 * `sh m2 -- df -h /`), quoting nothing: the core re-reads it with its own grammar.
 */
export function commandLine(subcommand: string, value: (name: string) => string | null | undefined): CommandLine {
  const spec = byName.get(subcommand);
  if (!spec) return { ok: false, problem: `Unknown command "${subcommand.slice(0, 40)}". Try /pia help.` };
  const values = new Map<string, string>();
  for (const o of spec.options) {
    const v = value(o.name)?.trim();
    if (!v) {
      if (o.required) return { ok: false, problem: `Missing ${o.name}. Try /pia help ${spec.name}.` };
      continue;
    }
    if (o.kind !== 'rest' && notOneWord.test(v)) {
      return { ok: false, problem: `${o.name} must be one word without spaces or quotes, got "${v.slice(0, 60)}".` };
    }
    values.set(o.name, v);
  }
  const get = (name: string): string | undefined => values.get(name);
  const words = spec.words ? spec.words(get) : [spec.name, ...spec.options.map((o) => get(o.name))];
  return { ok: true, text: words.filter((w): w is string => w !== undefined).join(' ') };
}
