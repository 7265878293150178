import type { Role } from './roles.js';

/** Which machines a command targets: one by name or alias, every one, or those with a tag. */
export type MachineSelector = { kind: 'name'; name: string } | { kind: 'all' } | { kind: 'tag'; tag: string };

/** One machine's own task in a deploy (`m2:"fix the tests"`). */
export interface DeployTask {
  machine: MachineSelector;
  prompt: string;
}

/** A parsed command: the one typed shape every front end (chat, mail, CLI, web) hands to the hub's actions. */
export type Command =
  | { name: 'help'; topic?: string }
  | { name: 'status'; machine?: MachineSelector }
  | { name: 'machines' }
  | { name: 'wake' | 'bootstrap' | 'power' | 'sleep' | 'shutdown' | 'restart'; machine: MachineSelector }
  | { name: 'run'; machine: MachineSelector; prompt: string; agent?: string }
  /**
   * Clone-and-go. Each machine of `machines` gets `prompt`; a machine in `tasks` gets its own task instead (the
   * per-machine form `deploy <url> m2:"fix the tests" m3:"update the docs"` has only `tasks`, and `prompt` empty).
   */
  | { name: 'deploy'; repo: string; ref?: string; machines: MachineSelector[]; prompt: string; agent?: string; tasks?: DeployTask[] }
  /** Continues a task's agent session with a new prompt (a reply in its thread, a reply to its mail). */
  | { name: 'continue'; taskId: string; prompt: string }
  | { name: 'sh'; machine: MachineSelector; argv: string[] }
  | { name: 'tasks'; machine?: MachineSelector }
  | { name: 'logs' | 'cancel'; taskId: string }
  | { name: 'whoami' }
  /** A one-time sign-in link to the web dashboard, for oneself or (admins) for `as` with at most `role`. */
  | { name: 'dashboard'; as?: string; role?: Role };

export type CommandName = Command['name'];

/** How a selector reads in a reply. */
export function describeSelector(s: MachineSelector): string {
  return s.kind === 'name' ? s.name : s.kind === 'all' ? 'all machines' : `machines tagged ${s.tag}`;
}
