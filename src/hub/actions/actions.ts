import { randomUUID } from 'node:crypto';
import { errorMessage, PiaError } from '../../common/errors.js';
import type { Command, MachineSelector } from '../../commands/command.js';
import { definitionOf } from '../../commands/definitions.js';
import { helpText } from '../../commands/parse.js';
import type { Origin } from '../../protocol/tasks.js';
import type { PowerManager } from '../../power/power-manager.js';
import { allows } from '../../commands/roles.js';
import type { UserStore } from '../auth/users.js';
import { machineJson } from '../http/machine-json.js';
import type { LinkServer } from '../link/link-server.js';
import type { AuditLog } from '../registry/audit.js';
import type { Machine } from '../registry/machine.js';
import type { MachineStore } from '../registry/machines.js';
import { readOutput } from '../tasks/task-store.js';
import type { TaskService } from '../tasks/task-service.js';
import type { Db } from '../db/database.js';
import type { ActionResult } from './result.js';

/** Who is asking, and where: every action is checked against the role and audited with both. */
export interface Requester {
  identity: string;
  origin: Origin;
}

/** Machines listed in a chat answer. */
const FLEET_PAGE = 50;

/** Commands that change or stop a machine: asked to confirm first when they come from chat. */
const destructive = new Set(['shutdown', 'sleep', 'restart', 'sh']);

/** The hub's actions: the one place every front end's commands are authorised, audited and carried out. */
export type Actions = ReturnType<typeof createActions>;

/** Creates the actions. */
export function createActions(deps: { db: Db; machines: MachineStore; tasks: TaskService; power: PowerManager; users: UserStore; audit: AuditLog; links: LinkServer }) {
  const { machines, tasks, power, users, audit } = deps;
  const pending = new Map<string, { command: Command; identity: string; expires: number }>();
  const view = (m: Machine) => machineJson(m, deps.links.get(m.id)?.lastSeenMs);

  function select(s: MachineSelector): Machine[] {
    if (s.kind === 'name') return [machines.get(s.name)];
    const all = machines.list();
    const found = s.kind === 'all' ? all : all.filter((m) => m.capabilities.tags?.includes(s.tag));
    if (found.length === 0) throw new PiaError('no_machines', s.kind === 'all' ? 'No machines are registered yet.' : `No machine is tagged ${s.tag}.`);
    return found;
  }

  /**
   * Counts come from SQL and only a page of machines is read: a chat answer shows at most a screenful, and reading
   * 10,000 machines' facts for it would hold up every other command.
   */
  function fleet(): ActionResult {
    const counts = machines.countByStatus();
    return { kind: 'fleet', total: counts.online + counts.offline, online: counts.online, machines: machines.page(FLEET_PAGE).map(view) };
  }

  /** The refusal (audited) when the requester's role is not enough for a command; undefined when allowed. */
  function authorize(name: Command['name'], who: Requester): ActionResult | undefined {
    const need = definitionOf.get(name)!.role;
    const role = users.roleOf(who.identity);
    if (allows(role, need)) return undefined;
    audit.record({ actor: who.identity, origin: who.origin.kind, action: `command.${name}`, outcome: 'refused', detail: role ? `${role} may not ${name}` : 'no role' });
    return {
      kind: 'refused',
      text: role ? `\`${name}\` needs the ${need} role; you are ${role}.` : `You (${who.identity}) have no role in this PIA. An admin can add you: pia users add ${who.identity} ${need}`,
    };
  }

  async function run(command: Command, who: Requester): Promise<ActionResult> {
    const actor = { id: who.identity, origin: who.origin.kind };
    const origin = who.origin;
    switch (command.name) {
      case 'help':
        return { kind: 'text', text: helpText(users.roleOf(who.identity), command.topic) };
      case 'whoami': {
        const role = users.roleOf(who.identity);
        return { kind: 'text', text: role ? `You are ${who.identity}, ${role}.` : `You are ${who.identity}, with no role here; ask an admin: pia users add ${who.identity} operator` };
      }
      case 'machines':
        return fleet();
      case 'status':
        if (!command.machine) return fleet();
        if (command.machine.kind !== 'name') {
          const chosen = select(command.machine);
          return { kind: 'fleet', total: chosen.length, online: chosen.filter((m) => m.status === 'online').length, machines: chosen.slice(0, FLEET_PAGE).map(view) };
        }
        return { kind: 'machine', machine: view(select(command.machine)[0]!) };
      case 'power':
        return { kind: 'power', readings: await Promise.all(select(command.machine).map((m) => power.powerState(m.name))) };
      case 'wake':
      case 'bootstrap':
        return { kind: 'operations', operations: select(command.machine).map((m) => (command.name === 'wake' ? power.wake(m.name, actor) : power.bootstrap(m.name, actor))) };
      case 'run':
        return { kind: 'tasks_started', tasks: select(command.machine).map((m) => tasks.run(actor, { machine: m.name, prompt: command.prompt, origin })) };
      case 'deploy': {
        const targets = [...new Set(command.machines.flatMap(select).map((m) => m.name))].map((machine) => ({ machine, prompt: command.prompt }));
        return { kind: 'tasks_started', tasks: tasks.deploy(actor, { repo: command.repo, ...(command.ref ? { ref: command.ref } : {}), targets, origin }).tasks };
      }
      case 'sh':
        return { kind: 'tasks_started', tasks: select(command.machine).map((m) => tasks.shell(actor, { machine: m.name, argv: command.argv, origin })) };
      case 'tasks': {
        const machine = command.machine ? select(command.machine)[0]!.name : undefined;
        return { kind: 'tasks', tasks: tasks.list({ ...(machine ? { machine } : {}), limit: 15 }) };
      }
      case 'logs': {
        const task = tasks.get(command.taskId);
        const chunks = readOutput(deps.db, task.id, 1, 100_000).filter((c) => c.stream !== 'event');
        return { kind: 'logs', task, text: chunks.map((c) => c.data).join('') };
      }
      case 'cancel':
        return { kind: 'task', task: tasks.cancel(actor, command.taskId) };
      case 'sleep':
      case 'shutdown':
      case 'restart': {
        const results = [];
        for (const m of select(command.machine)) {
          try {
            results.push({ machine: m.name, ...(await power.command(m.name, command.name, actor)) });
          } catch (err) {
            results.push({ machine: m.name, ok: false, message: errorMessage(err) });
          }
        }
        return { kind: 'power_commands', results };
      }
    }
  }

  return {
    /**
     * Carries out a command for a requester: checks the role (a refusal is audited and answered, never thrown),
     * asks for confirmation of destructive commands when `confirmFirst` is set (chat), and turns errors into results.
     */
    async execute(command: Command, who: Requester, opts: { confirmFirst?: boolean } = {}): Promise<ActionResult> {
      const refused = authorize(command.name, who);
      if (refused) return refused;
      if (opts.confirmFirst && destructive.has(command.name)) {
        const token = randomUUID();
        pending.set(token, { command, identity: who.identity, expires: Date.now() + 10 * 60_000 });
        const target = 'machine' in command && command.machine ? describe(command.machine) : '';
        const what = command.name === 'sh' ? `Run \`${command.argv.join(' ')}\` on ${target}` : `${command.name[0]!.toUpperCase()}${command.name.slice(1)} ${target}`;
        return { kind: 'confirm', text: `${what}?`, token };
      }
      try {
        return await run(command, who);
      } catch (err) {
        if (err instanceof PiaError) return { kind: 'error', text: err.message };
        throw err;
      }
    },

    /** The refusal (audited) when `who` may not use `name`; undefined when allowed. For callers that act directly. */
    authorize,

    /** Continues a task's agent session with a new prompt (a reply in its thread); needs what `run` needs. */
    followUp(taskId: string, prompt: string, who: Requester): ActionResult {
      const refused = authorize('run', who);
      if (refused) return refused;
      try {
        return { kind: 'tasks_started', tasks: [tasks.followUp({ id: who.identity, origin: who.origin.kind }, { taskId, prompt, origin: who.origin })] };
      } catch (err) {
        if (err instanceof PiaError) return { kind: 'error', text: err.message };
        throw err;
      }
    },

    /** Runs a command confirmed by the same person who asked (within 10 minutes). */
    async confirm(token: string, who: Requester): Promise<ActionResult> {
      const p = pending.get(token);
      if (!p || p.expires < Date.now()) return { kind: 'error', text: 'That confirmation has expired; ask again.' };
      if (p.identity !== who.identity) return { kind: 'refused', text: 'Only the person who asked can confirm.' };
      pending.delete(token);
      return this.execute(p.command, who);
    },
  };
}

function describe(s: MachineSelector): string {
  return s.kind === 'name' ? s.name : s.kind === 'all' ? 'all machines' : `every machine tagged ${s.tag}`;
}
