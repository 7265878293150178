import type { Role } from './roles.js';
import type { ApprovalScope } from '../protocol/approvals.js';
import type { TaskMode } from '../protocol/tasks.js';
import type { AnyTarget } from './target.js';

/**
 * Which machines a command targets: one by name or alias, every one, those with a tag, or `any[...]`: the best
 * machine(s) meeting label constraints, chosen by the hub's placement.
 */
export type MachineSelector = { kind: 'name'; name: string } | { kind: 'all' } | { kind: 'tag'; tag: string } | AnyTarget;

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
  /** `push`: push the task's branch when it succeeds, and open a pull request where the machine's gh can. */
  | { name: 'run'; machine: MachineSelector; prompt: string; agent?: string; mode?: TaskMode; push?: boolean }
  /**
   * Clone-and-go. Each machine of `machines` gets `prompt`; a machine in `tasks` gets its own task instead (the
   * per-machine form `deploy <url> m2:"fix the tests" m3:"update the docs"` has only `tasks`, and `prompt` empty).
   */
  | { name: 'deploy'; repo: string; ref?: string; machines: MachineSelector[]; prompt: string; agent?: string; mode?: TaskMode; tasks?: DeployTask[]; push?: boolean }
  /** Continues a task's agent session with a new prompt (a reply in its thread, a reply to its mail). */
  | { name: 'continue'; taskId: string; prompt: string }
  | { name: 'sh'; machine: MachineSelector; argv: string[] }
  | { name: 'tasks'; machine?: MachineSelector }
  | { name: 'logs' | 'cancel'; taskId: string }
  | { name: 'whoami' }
  /** Schedules: list them, add one (any other command, run at cron times as its owner), pause, resume, remove. */
  | { name: 'schedule'; action: 'list' }
  | { name: 'schedule'; action: 'add'; schedule: string; cron: string; tz?: string; report?: string; command: string }
  | { name: 'schedule'; action: 'pause' | 'resume' | 'rm'; schedule: string }
  /** A one-time sign-in link to the web dashboard, for oneself or (admins) for `as` with at most `role`. */
  | { name: 'dashboard'; as?: string; role?: Role }
  /** What agents wait for (all, or one task's). */
  | { name: 'approvals'; taskId?: string }
  | { name: 'approve'; id: string; scope: ApprovalScope }
  /** Denies (for a plan: keep planning), with a reason the agent reads. */
  | { name: 'deny'; id: string; reason?: string }
  /** Answers an agent's questions: per question a choice's number (several: "1,3"), its label, or free text. */
  | { name: 'answer'; id: string; text: string };

export type CommandName = Command['name'];

/** How a selector reads in a reply. */
export function describeSelector(s: MachineSelector): string {
  return s.kind === 'name' ? s.name : s.kind === 'all' ? 'all machines' : s.kind === 'any' ? s.text : `machines tagged ${s.tag}`;
}
