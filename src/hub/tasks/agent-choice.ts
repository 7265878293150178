import { PiaError } from '../../common/errors.js';
import { AGENT_CATALOG, agentsThatAsk, catalogAgent, closestName } from '../../protocol/agent-catalog.js';
import type { AgentFact } from '../../protocol/facts.js';
import type { TaskMode } from '../../protocol/tasks.js';
import type { Machine } from '../registry/machine.js';

/** The agents a machine's worker said it runs (workers before agent facts said only what was on PATH). */
function runnable(machine: Machine): AgentFact[] | undefined {
  const agents = machine.facts?.agents.filter((a) => a.approvals !== undefined);
  return agents && agents.length > 0 ? agents : undefined;
}

/**
 * Agent names to offer (Discord's autocomplete): those installed on the machine named (by name or alias) when its
 * worker said, else those installed anywhere in the fleet, then the built-in ones.
 */
export function agentNamesFor(machines: Machine[], machine?: string): string[] {
  const m = machine ? machines.find((x) => x.name === machine || x.aliases.includes(machine)) : undefined;
  const installed = (m ? [m] : machines).flatMap((x) => runnable(x) ?? []).map((a) => a.name);
  return [...new Set([...installed, ...(m && runnable(m) ? [] : AGENT_CATALOG.map((a) => a.name))])];
}

/** "claude 2.1.3 (default), codex 0.150.1". */
export function agentList(agents: AgentFact[]): string {
  return agents.map((a) => `${a.name}${a.version ? ` ${a.version}` : ''}${a.default ? ' (default)' : ''}`).join(', ');
}

/**
 * The agent a new task runs: the one asked for, else the machine's default (`pia machines set m --agent`), else the
 * hub's (PIA_DEFAULT_AGENT), else none (the worker's own default). Checked against what the machine's worker said
 * it has, when it has said: an unknown name gets a "did you mean" and the list of what is installed there; `ask`
 * mode on an agent that cannot ask a person is refused with the agents that can.
 */
export function chooseAgent(machine: Machine, asked: string | undefined, mode: TaskMode, hubDefault: string | undefined): string | undefined {
  const name = asked ?? machine.capabilities.defaultAgent ?? hubDefault;
  const installed = runnable(machine);
  if (name && installed && !installed.some((a) => a.name === name)) {
    const guess = closestName(name, [...new Set([...installed.map((a) => a.name), ...AGENT_CATALOG.map((a) => a.name)])]);
    const known = catalogAgent(name);
    throw new PiaError(
      'agent_unknown',
      known
        ? `${known.title} (${name}) is not installed on ${machine.name} (${known.install}). Installed there: ${agentList(installed)}.`
        : `No agent named "${name.slice(0, 64)}" on ${machine.name}.${guess ? ` Did you mean ${guess}?` : ''} Installed there: ${agentList(installed)}.`,
    );
  }
  if (name && !installed && !catalogAgent(name) && asked !== undefined) {
    // The worker has not said what it runs: only a typo of a built-in name is caught here; the worker checks the rest.
    const guess = closestName(name, AGENT_CATALOG.map((a) => a.name));
    if (guess) throw new PiaError('agent_unknown', `No agent named "${name.slice(0, 64)}". Did you mean ${guess}? Built in: ${AGENT_CATALOG.map((a) => a.name).join(', ')}.`);
  }
  if (mode === 'ask') {
    const effective = name ?? installed?.find((a) => a.default)?.name;
    const fact = installed?.find((a) => a.name === effective);
    const catalog = effective ? catalogAgent(effective) : undefined;
    if (effective && catalog && !catalog.capabilities.approvals && fact?.approvals !== true) {
      const can = installed ? installed.filter((a) => a.approvals).map((a) => a.name) : agentsThatAsk();
      throw new PiaError(
        'agent_cannot_ask',
        `${catalog.title} (${effective}) cannot ask for approval, so it cannot run a task in ask mode. ` +
          `${can.length ? `Agents that can${installed ? ` on ${machine.name}` : ''}: ${can.join(', ')}. ` : ''}` +
          `Or choose what it may do without asking: --mode plan, --mode edits or --mode full.`,
      );
    }
  }
  return name;
}
