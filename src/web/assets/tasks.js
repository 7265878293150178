import { get } from './api.js';
import { h, replace } from './dom.js';
import { on, onResync, onTaskStates } from './live.js';
import { machines, ready } from './store.js';
import { createTaskTable } from './task-table.js';

const states = ['queued', 'dispatched', 'running', 'succeeded', 'failed', 'cancelled', 'timed_out', 'lost'];

/**
 * The tasks page: the newest 100, filtered by machine and state; new tasks and state changes arrive live.
 * @param {HTMLElement} view
 * @returns {() => void}
 */
export function tasksView(view) {
  const machine = /** @type {HTMLSelectElement} */ (h('select', { id: 't-machine' }, h('option', { value: '' }, 'any machine')));
  const state = /** @type {HTMLSelectElement} */ (h('select', { id: 't-state' }, h('option', { value: '' }, 'any state'), ...states.map((s) => h('option', { value: s }, s.replace('_', ' ')))));
  const table = createTaskTable({ empty: 'No tasks match.' });
  replace(view, h('h1', {}, 'Tasks'), h('div', { class: 'toolbar' }, h('label', { for: 't-machine' }, 'Machine'), machine, h('label', { for: 't-state' }, 'State'), state), table.el);

  async function load() {
    const q = new URLSearchParams({ limit: '100' });
    if (machine.value) q.set('machine', machine.value);
    if (state.value) q.set('state', state.value);
    const { tasks } = await get(`/api/tasks?${q}`);
    table.set(tasks);
  }
  machine.addEventListener('change', () => void load());
  state.addEventListener('change', () => void load());
  void ready().then(() => {
    for (const name of [...machines.keys()].sort()) machine.append(h('option', { value: name }, name));
  });
  void load();

  const offs = [
    on('task.created', (d) => {
      if ((!machine.value || d.task.machine === machine.value) && (!state.value || d.task.state === state.value)) table.prepend(d.task);
    }),
    onTaskStates((id, s) => table.setState(id, s)),
    onResync(() => void load()),
  ];
  return () => offs.forEach((off) => off());
}
