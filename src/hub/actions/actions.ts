import { randomUUID } from 'node:crypto';
import { assertNever, errorMessage, PiaError } from '../../common/errors.js';
import type { Command, CommandName, MachineSelector } from '../../commands/command.js';
import { definitionOf } from '../../commands/definitions.js';
import { helpText } from '../../commands/parse.js';
import { allows, normalizeIdentity, type Role } from '../../commands/roles.js';
import type { Finding } from '../../power/doctor.js';
import type { PowerOperation } from '../../power/operations.js';
import type { PowerReading } from '../../power/prober.js';
import type { Origin } from '../../protocol/tasks.js';
import type { PowerAction } from '../../protocol/power.js';
import { machineJson } from '../http/machine-json.js';
import type { Actor } from '../machine-admin.js';
import type { AuditRecord } from '../registry/audit.js';
import type { Machine } from '../registry/machine.js';
import type { MachineStore } from '../registry/machines.js';
import type { PlacementService } from '../placement/placement.js';
import type { ScheduleService } from '../schedules/schedule-service.js';
import type { TaskService } from '../tasks/task-service.js';
import type { ApprovalService } from '../approvals/approval-service.js';
import { answersFor } from '../approvals/answers.js';
import type { ActionResult } from './result.js';
import { scheduleAction } from './schedule-actions.js';

/** Who is asking, and where: every action is checked against the role and audited with both. */
export interface Requester {
  identity: string;
  origin: Origin;
  /** At most this role, whatever the identity has (a dashboard session opened by a link with `--role`). */
  maxRole?: Role;
}

/** How a command is carried out. */
export interface ExecuteOptions {
  /** Ask the person to confirm a destructive command first (chat): the answer is a `confirm` result. */
  confirmFirst?: boolean;
  /**
   * Makes task creation idempotent: a second execute with the same key returns the tasks the first created instead
   * of creating more (mail uses its Message-ID, so a mail handled again after a crash acts once).
   */
  idempotencyKey?: string;
}

/** The hub's actions: the one place every front end's commands are authorised, audited and carried out. */
export interface Actions {
  /**
   * Carries out a command for a requester: checks the role (a refusal is audited and answered, never thrown), asks
   * for confirmation of destructive commands when `confirmFirst` is set, and turns errors into results.
   */
  execute(command: Command, who: Requester, opts?: ExecuteOptions): Promise<ActionResult>;
  /** The refusal (audited) when `who` may not use `name`; undefined when allowed. */
  authorize(name: CommandName, who: Requester): ActionResult | undefined;
  /** Runs a command confirmed by the same person who asked (within 10 minutes). */
  confirm(token: string, who: Requester): Promise<ActionResult>;
  /** Stops the sweep of expired confirmations. */
  close(): void;
}

/** What the actions need of power. */
export interface ActionPower {
  powerState(name: string): Promise<PowerReading>;
  wake(name: string, actor: Actor): PowerOperation;
  bootstrap(name: string, actor: Actor): PowerOperation;
  command(name: string, action: PowerAction, actor: Actor): Promise<{ ok: boolean; message: string }>;
  doctor(name: string): Finding[];
}

/** What the actions need of the rest of the hub. */
export interface ActionDeps {
  machines: Pick<MachineStore, 'get' | 'list' | 'page' | 'countByStatus'>;
  tasks: Pick<TaskService, 'run' | 'followUp' | 'deploy' | 'shell' | 'cancel' | 'get' | 'list' | 'logText' | 'keyed'>;
  approvals: Pick<ApprovalService, 'decide' | 'get' | 'list'>;
  power: ActionPower;
  users: { roleOf(identity: string): Role | undefined };
  audit: { record(entry: AuditRecord): void };
  /** Picks machines for `any[...]` targets. */
  placement: Pick<PlacementService, 'place' | 'matching'>;
  /** Schedules: the `schedule` command. */
  schedules: Omit<ScheduleService, 'stored'>;
  /** The linked worker's newest heartbeat, fresher than the registry's batched value. */
  lastSeen(machineId: number): number | undefined;
  /** Issues a one-time sign-in link to the web dashboard; none: the dashboard is off. */
  dashboardLink?(input: { identity: string; role?: Role; by: string }): { url: string; expiresAt: string };
  now?: () => number;
}

/** Machines listed in a chat answer. */
const FLEET_PAGE = 50;
/** How long a confirmation stays valid. */
const CONFIRM_TTL_MS = 10 * 60_000;

/** Where a sign-in link may be answered: only the asker reads the answer there (a terminal, their own mailbox). */
const privateOrigins: ReadonlySet<string> = new Set(['console', 'cli', 'http', 'web', 'mail']);

/** Commands that change or stop a machine: asked to confirm first when they come from chat. */
const destructive: ReadonlySet<CommandName> = new Set(['shutdown', 'sleep', 'restart', 'sh']);

/** Creates the actions. */
export function createActions(deps: ActionDeps): Actions {
  const { machines, tasks, power, users, audit, approvals } = deps;
  const now = deps.now ?? Date.now;
  const pending = new Map<string, { command: Command; identity: string; expires: number }>();
  const view = (m: Machine) => machineJson(m, deps.lastSeen(m.id));

  // Unanswered confirmations would otherwise stay in memory for as long as the hub runs.
  const sweeper = setInterval(() => {
    for (const [token, p] of pending) if (p.expires < now()) pending.delete(token);
  }, 60_000);
  sweeper.unref();

  /**
   * The machines a selector names. `any[...]` here is a filter (status): commands that act on a machine's power
   * refuse it, because "any" machine is not a thing to shut down; run, deploy and sh place it instead (see `placed`).
   */
  function select(s: MachineSelector, name: CommandName): Machine[] {
    if (s.kind === 'name') return [machines.get(s.name)];
    if (s.kind === 'any') {
      if (name !== 'status') throw new PiaError('usage', `\`${name}\` takes a machine by name, \`all\` or \`tag:<t>\`; any[...] picks machines for run, deploy and sh (status ${s.text} lists the machines that fit).`);
      const names = deps.placement.matching(s);
      if (names.length === 0) throw new PiaError('no_machines', `No machine fits ${s.text}.`);
      return names.map((n) => machines.get(n));
    }
    const all = machines.list();
    const found = s.kind === 'all' ? all : all.filter((m) => m.capabilities.tags?.includes(s.tag));
    if (found.length === 0) throw new PiaError('no_machines', s.kind === 'all' ? 'No machines are registered yet.' : `No machine is tagged ${s.tag}.`);
    return found;
  }

  /** The machines a task goes to: named ones as named, `any[...]` through placement (with its reason). */
  function placed(s: MachineSelector, name: CommandName): { names: string[]; reason?: string } {
    if (s.kind !== 'any') return { names: select(s, name).map((m) => m.name) };
    const p = deps.placement.place({ target: s });
    return { names: p.machines, reason: p.reason };
  }

  /** A deploy's machines: the named ones first, then each `any[...]` placed among the others, with the repo weighed. */
  function deployTargets(list: MachineSelector[], repo: string, ref: string | undefined): { names: string[]; reason?: string } {
    const names = new Set(list.filter((s) => s.kind !== 'any').flatMap((s) => select(s, 'deploy')).map((m) => m.name));
    const reasons: string[] = [];
    for (const s of list) {
      if (s.kind !== 'any') continue;
      const p = deps.placement.place({ target: s, repo, ...(ref ? { ref } : {}), exclude: names });
      for (const n of p.machines) names.add(n);
      reasons.push(p.reason);
    }
    return { names: [...names], ...(reasons.length ? { reason: reasons.join('\n') } : {}) };
  }

  /**
   * Counts come from SQL and only a page of machines is read: a chat answer shows at most a screenful, and reading
   * 10,000 machines' facts for it would hold up every other command.
   */
  function fleet(): ActionResult {
    const counts = machines.countByStatus();
    return { kind: 'fleet', total: counts.online + counts.offline, online: counts.online, machines: machines.page(FLEET_PAGE).map(view) };
  }

  /** The role a requester acts with: their identity's, capped by the session they ask from. */
  function roleOf(who: Requester): Role | undefined {
    const own = users.roleOf(who.identity);
    return own && who.maxRole && allows(own, who.maxRole) ? who.maxRole : own;
  }

  function authorize(name: CommandName, who: Requester): ActionResult | undefined {
    const need = definitionOf.get(name)!.role;
    const role = roleOf(who);
    if (allows(role, need)) return undefined;
    audit.record({ actor: who.identity, origin: who.origin.kind, action: `command.${name}`, outcome: 'refused', detail: role ? `${role} may not ${name}` : 'no role' });
    return {
      kind: 'refused',
      text: role ? `\`${name}\` needs the ${need} role; you are ${role}.` : `You (${who.identity}) have no role in this PIA. An admin can add you: pia users add ${who.identity} ${need}`,
    };
  }

  /** A refusal (audited) of something only an admin may do, even to those who may use the command. */
  function adminOnly(who: Requester, action: string, what: string): Extract<ActionResult, { kind: 'refused' }> | undefined {
    const role = users.roleOf(who.identity);
    if (role === 'admin') return undefined;
    audit.record({ actor: who.identity, origin: who.origin.kind, action, outcome: 'refused', detail: `${role ?? 'no role'} may not ${what}` });
    return { kind: 'refused', text: `Only an admin may ${what}; you are ${role ?? 'without a role'}.` };
  }

  /** Full mode (the agent never asks), asked for or a machine's default, is for admins. */
  function fullModeRefused(who: Requester, command: { name: string; mode?: string }, chosen: Machine[]): ActionResult | undefined {
    const full = chosen.filter((m) => (command.mode ?? m.capabilities.defaultMode) === 'full');
    if (full.length === 0) return undefined;
    const refused = adminOnly(who, `command.${command.name}`, `run tasks in full mode (${full.map((m) => m.name).join(', ')}${command.mode ? '' : ": the machine's default"})`);
    return refused && command.mode === undefined ? { ...refused, text: `${refused.text} Choose another mode with --mode ask.` } : refused;
  }

  /**
   * The tasks of the same request made before (a mail handled again after a crash), when it places by `any[...]`:
   * placed again, it could pick other machines (the first tasks now weigh on theirs) and run twice.
   */
  function placedBefore(command: Command, key: string | undefined): ActionResult | undefined {
    if (!key) return undefined;
    const targets = command.name === 'deploy' ? command.machines : command.name === 'run' || command.name === 'sh' ? [command.machine] : [];
    if (!targets.some((s) => s.kind === 'any')) return undefined;
    const earlier = tasks.keyed(key);
    return earlier.length ? { kind: 'tasks_started', tasks: earlier } : undefined;
  }

  async function run(command: Command, who: Requester, key: string | undefined): Promise<ActionResult> {
    const actor = { id: who.identity, origin: who.origin.kind };
    const origin = who.origin;
    const keyed = (machine: string) => (key ? { idempotencyKey: `${key}:${machine}` } : {});
    const again = placedBefore(command, key);
    if (again) return again;
    switch (command.name) {
      case 'help':
        return { kind: 'text', text: helpText(roleOf(who), command.topic) };
      case 'whoami': {
        const role = roleOf(who);
        return { kind: 'text', text: role ? `You are ${who.identity}, ${role}.` : `You are ${who.identity}, with no role here; ask an admin: pia users add ${who.identity} operator` };
      }
      case 'machines':
        return fleet();
      case 'status':
        if (!command.machine) return fleet();
        if (command.machine.kind !== 'name') {
          const chosen = select(command.machine, 'status');
          return { kind: 'fleet', total: chosen.length, online: chosen.filter((m) => m.status === 'online').length, machines: chosen.slice(0, FLEET_PAGE).map(view) };
        }
        return { kind: 'machine', machine: view(select(command.machine, 'status')[0]!) };
      case 'power':
        return { kind: 'power', readings: await Promise.all(select(command.machine, 'power').map((m) => power.powerState(m.name))) };
      case 'wake':
      case 'bootstrap':
        return { kind: 'operations', operations: select(command.machine, command.name).map((m) => (command.name === 'wake' ? power.wake(m.name, actor) : power.bootstrap(m.name, actor))) };
      case 'run': {
        const where = placed(command.machine, 'run');
        const refused = fullModeRefused(who, command, where.names.map((n) => machines.get(n)));
        if (refused) return refused;
        const opts = {
          prompt: command.prompt,
          origin,
          ...(command.agent ? { agent: command.agent } : {}),
          ...(command.mode ? { mode: command.mode } : {}),
          ...(command.push ? { push: true } : {}),
        };
        return {
          kind: 'tasks_started',
          tasks: where.names.map((m) => tasks.run(actor, { machine: m, ...opts, ...keyed(m) })),
          ...(where.reason ? { placement: where.reason } : {}),
        };
      }
      case 'continue':
        return { kind: 'tasks_started', tasks: [tasks.followUp(actor, { taskId: command.taskId, prompt: command.prompt, origin, ...keyed(command.taskId) })] };
      case 'deploy': {
        // One task per machine: the common prompt, or the machine's own task where it has one (`m2:"..."`).
        const where = deployTargets(command.machines, command.repo, command.ref);
        const plan = new Map<string, string>(where.names.map((n) => [n, command.prompt]));
        for (const t of command.tasks ?? []) for (const m of select(t.machine, 'deploy')) plan.set(m.name, t.prompt);
        const refused = fullModeRefused(who, command, [...plan.keys()].map((n) => machines.get(n)));
        if (refused) return refused;
        const targets = [...plan].map(([machine, prompt]) => ({ machine, prompt }));
        const deploy = {
          repo: command.repo,
          ...(command.ref ? { ref: command.ref } : {}),
          ...(command.agent ? { agent: command.agent } : {}),
          ...(command.mode ? { mode: command.mode } : {}),
          ...(command.push ? { push: true } : {}),
          targets,
          origin,
          ...(key ? { idempotencyKey: key } : {}),
        };
        return { kind: 'tasks_started', tasks: tasks.deploy(actor, deploy).tasks, ...(where.reason ? { placement: where.reason } : {}) };
      }
      case 'sh': {
        const where = placed(command.machine, 'sh');
        return {
          kind: 'tasks_started',
          tasks: where.names.map((m) => tasks.shell(actor, { machine: m, argv: command.argv, origin, ...keyed(m) })),
          ...(where.reason ? { placement: where.reason } : {}),
        };
      }
      case 'tasks': {
        const machine = command.machine ? select(command.machine, 'tasks')[0]!.name : undefined;
        return { kind: 'tasks', tasks: tasks.list({ ...(machine ? { machine } : {}), limit: 15 }) };
      }
      case 'logs': {
        const task = tasks.get(command.taskId);
        return { kind: 'logs', task, text: tasks.logText(task.id) };
      }
      case 'cancel':
        return { kind: 'task', task: tasks.cancel(actor, command.taskId) };
      case 'sleep':
      case 'shutdown':
      case 'restart': {
        const results = [];
        for (const m of select(command.machine, command.name)) {
          try {
            results.push({ machine: m.name, ...(await power.command(m.name, command.name, actor)) });
          } catch (err) {
            results.push({ machine: m.name, ok: false, message: errorMessage(err) });
          }
        }
        return { kind: 'power_commands', results };
      }
      case 'schedule':
        return scheduleAction(deps.schedules, command, who);
      case 'dashboard':
        return dashboard(command, who);
      case 'approvals':
        return { kind: 'approvals', approvals: approvals.list({ state: 'pending', ...(command.taskId ? { taskId: command.taskId } : {}), limit: 50 }) };
      case 'approve': {
        // A rule that outlives the task is for admins.
        const refused = command.scope === 'always' ? adminOnly(who, 'approval.allow', 'allow something always on a machine') : undefined;
        if (refused) return refused;
        const a = approvals.get(command.id);
        if (a.kind === 'question' && a.state === 'pending') throw new PiaError('approval_invalid', `Approval ${a.id} is a question: answer it with a choice, e.g. answer ${a.id} 1`);
        return { kind: 'approval', approval: approvals.decide(actor, a.id, { decision: 'allow', scope: command.scope }) };
      }
      case 'deny': {
        const a = approvals.get(command.id);
        const reason = command.reason ?? (a.kind === 'plan' ? 'Keep planning: the plan is not approved yet.' : undefined);
        return { kind: 'approval', approval: approvals.decide(actor, a.id, { decision: 'deny', ...(reason ? { reason } : {}) }) };
      }
      case 'answer': {
        const a = approvals.get(command.id);
        if (a.state === 'pending' && a.kind !== 'question') throw new PiaError('approval_invalid', `Approval ${a.id} asks no question: approve ${a.id} or deny ${a.id}.`);
        const answers = a.state === 'pending' ? answersFor(a.questions ?? [], command.text, a.id) : {};
        return { kind: 'approval', approval: approvals.decide(actor, a.id, { decision: 'allow', scope: 'once', answers }) };
      }
      default:
        return assertNever(command);
    }
  }

  /**
   * A sign-in link for oneself, or (an admin) for someone else, with at most their role. A link is as good as a
   * password for a few minutes, so it is only given where only the asker reads it: never into a chat channel.
   */
  function dashboard(command: Extract<Command, { name: 'dashboard' }>, who: Requester): ActionResult {
    if (!deps.dashboardLink) return { kind: 'error', code: 'not_found', text: 'The web dashboard is off on this hub.' };
    if (!privateOrigins.has(who.origin.kind)) {
      return { kind: 'refused', text: 'A sign-in link posted here could be used by anyone who reads it. Ask an admin to run `pia dashboard --as <your identity>` in a terminal and send it to you privately.' };
    }
    const identity = command.as ? normalizeIdentity(command.as) : who.identity;
    const asker = roleOf(who);
    if (identity !== who.identity && asker !== 'admin') {
      audit.record({ actor: who.identity, origin: who.origin.kind, action: 'dashboard.link', target: identity, outcome: 'refused', detail: 'only an admin may sign in someone else' });
      return { kind: 'refused', text: 'Only an admin can make a sign-in link for someone else.' };
    }
    const role = users.roleOf(identity);
    if (!role) return { kind: 'error', code: 'forbidden', text: `${identity.slice(0, 80)} has no role in this PIA; give one first: pia users add ${identity.slice(0, 80)} viewer` };
    if (command.role && !allows(role, command.role)) return { kind: 'error', code: 'role_invalid', text: `${identity.slice(0, 80)} is ${role}; a link cannot give more (--role ${role} or less).` };
    const link = deps.dashboardLink({ identity, ...(command.role ? { role: command.role } : {}), by: who.identity });
    audit.record({ actor: who.identity, origin: who.origin.kind, action: 'dashboard.link', target: identity, outcome: 'ok', detail: command.role ?? role });
    return { kind: 'link', url: link.url, expiresAt: link.expiresAt, identity, role: command.role ?? role };
  }

  const actions: Actions = {
    async execute(command, who, opts = {}) {
      const refused = authorize(command.name, who);
      if (refused) return refused;
      if (opts.confirmFirst && destructive.has(command.name)) {
        const token = randomUUID();
        pending.set(token, { command, identity: who.identity, expires: now() + CONFIRM_TTL_MS });
        const target = 'machine' in command && command.machine ? describe(command.machine) : '';
        const what = command.name === 'sh' ? `Run \`${command.argv.join(' ')}\` on ${target}` : `${command.name[0]!.toUpperCase()}${command.name.slice(1)} ${target}`;
        return { kind: 'confirm', text: `${what}?`, token };
      }
      try {
        return await run(command, who, opts.idempotencyKey);
      } catch (err) {
        if (err instanceof PiaError) return { kind: 'error', code: err.code, text: err.message };
        throw err;
      }
    },

    authorize,

    async confirm(token, who) {
      const p = pending.get(token);
      if (!p || p.expires < now()) {
        pending.delete(token);
        return { kind: 'error', code: 'conflict', text: 'That confirmation has expired; ask again.' };
      }
      if (p.identity !== who.identity) return { kind: 'refused', text: 'Only the person who asked can confirm.' };
      pending.delete(token);
      return actions.execute(p.command, who);
    },

    close() {
      clearInterval(sweeper);
    },
  };
  return actions;
}

function describe(s: MachineSelector): string {
  return s.kind === 'name' ? s.name : s.kind === 'all' ? 'all machines' : s.kind === 'any' ? s.text : `every machine tagged ${s.tag}`;
}
