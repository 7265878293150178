import { byName } from './api.js';
import { run } from './actions.js';
import { h, setText } from './dom.js';
import { agentsOn, modeSelect, replaceOptions } from './task-options.js';

/**
 * "Run a task" on a machine's page: the prompt, an agent the machine has installed, a mode. It is the `run` command
 * of the chat language; the new task's page opens.
 * @param {string} machine
 * @returns {{el: HTMLElement, refresh: () => void}} refresh: the machine's agents changed
 */
export function runForm(machine) {
  const prompt = /** @type {HTMLTextAreaElement} */ (h('textarea', { id: 'r-prompt', rows: '3', placeholder: 'What should the agent do?' }));
  const agent = /** @type {HTMLSelectElement} */ (h('select', { id: 'r-agent' }, h('option', { value: '' }, 'the machine’s default')));
  const mode = modeSelect('r-mode');
  const error = h('p', { class: 'error', role: 'alert' });
  const el = h(
    'form',
    { class: 'deploy run', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'r-prompt' }, 'Task'), prompt),
    h('div', { class: 'row' }, h('div', { class: 'field' }, h('label', { for: 'r-agent' }, 'Agent'), agent), h('div', { class: 'field' }, h('label', { for: 'r-mode' }, 'Mode'), mode)),
    error,
    h('div', { class: 'buttons' }, h('button', { type: 'submit' }, 'Run')),
  );
  el.addEventListener('submit', async (e) => {
    e.preventDefault();
    setText(error, '');
    if (!prompt.value.trim()) return setText(error, 'Say what the agent should do.');
    const result = await run({ name: 'run', machine: byName(machine), prompt: prompt.value, ...(agent.value ? { agent: agent.value } : {}), ...(mode.value ? { mode: mode.value } : {}) });
    if (result.kind === 'tasks_started') location.hash = `#/tasks/${result.tasks[0].id}`;
    else if (result.text) setText(error, result.text);
  });
  return { el, refresh: () => replaceOptions(agent, agentsOn([machine])) };
}
