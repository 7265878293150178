import { h } from './dom.js';
import { can } from './session.js';
import { machines } from './store.js';

/** The modes of a task, in the words a person chooses by (the hub's own list: plan, ask, edits, full). */
const modes = [
  ['plan', 'plan: read and plan only'],
  ['ask', 'ask: ask before any change'],
  ['edits', 'edits: edit files, ask for the rest'],
  ['full', 'full: never ask (admins)'],
];

/**
 * A mode picker: the machine's default first, then the modes this person may choose (full only for admins; the hub
 * refuses it to anyone else anyway).
 * @param {string} id
 * @returns {HTMLSelectElement}
 */
export function modeSelect(id) {
  const options = modes.filter(([value]) => value !== 'full' || can('admin')).map(([value, label]) => h('option', { value }, label));
  return /** @type {HTMLSelectElement} */ (h('select', { id, name: 'mode' }, h('option', { value: '' }, 'the machine’s default'), ...options));
}

/**
 * The agents installed on these machines, as their workers report them (the CLIs found on their PATH), each with the
 * machines that have it.
 * @param {string[]} names
 * @returns {Array<[string, string[]]>} agent name -> machines
 */
export function agentsOn(names) {
  /** @type {Map<string, string[]>} */
  const found = new Map();
  for (const name of names) {
    for (const a of machines.get(name)?.facts?.agents ?? []) {
      const on = found.get(a.name) ?? [];
      on.push(name);
      found.set(a.name, on);
    }
  }
  return [...found].sort(([a], [b]) => a.localeCompare(b));
}

/**
 * Replaces an agent picker's choices, keeping the first ("the machine's default") and the current choice if it is
 * still offered.
 * @param {HTMLSelectElement} select
 * @param {Array<[string, string[]]>} agents
 */
export function replaceOptions(select, agents) {
  const current = select.value;
  const first = select.options[0];
  select.replaceChildren(...(first ? [first] : []), ...agents.map(([name, on]) => h('option', { value: name }, on.length > 3 ? `${name} (${on.length} machines)` : `${name} (${on.join(', ')})`)));
  select.value = agents.some(([name]) => name === current) ? current : '';
}
