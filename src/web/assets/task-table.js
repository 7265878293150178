import { h, replace, setText } from './dom.js';
import { ago, stateLabel, what } from './format.js';

/**
 * A table of tasks (id, machine, state, what, when) whose rows follow the tasks' state as events arrive.
 * @param {{showMachine?: boolean, empty?: string}} [opts]
 */
export function createTaskTable(opts = {}) {
  const body = h('tbody');
  const table = h(
    'table',
    { class: 'tasks' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Task'), opts.showMachine === false ? null : h('th', { scope: 'col' }, 'Machine'), h('th', { scope: 'col' }, 'State'), h('th', { scope: 'col' }, 'What'), h('th', { scope: 'col' }, 'Created'))),
    body,
  );
  /** @type {Map<string, HTMLElement>} */
  const states = new Map();

  /** @param {any} t */
  function row(t) {
    const state = h('td', {}, h('span', { class: 'state', 'data-state': t.state }, stateLabel(t.state)));
    states.set(t.id, /** @type {HTMLElement} */ (state.firstChild));
    return h(
      'tr',
      { 'data-task': t.id },
      h('td', {}, h('a', { href: `#/tasks/${t.id}` }, t.id)),
      opts.showMachine === false ? null : h('td', {}, t.machine),
      state,
      h('td', { class: 'what' }, what(t).slice(0, 200)),
      h('td', { title: t.createdAt }, ago(t.createdAt)),
    );
  }

  return {
    el: table,
    /** @param {any[]} tasks */
    set(tasks) {
      states.clear();
      replace(body, ...tasks.map(row));
      if (tasks.length === 0) body.append(h('tr', {}, h('td', { colspan: '5', class: 'muted' }, opts.empty ?? 'No tasks.')));
    },
    /** @param {any} t */
    prepend(t) {
      if (states.has(t.id)) return;
      body.querySelector('td.muted')?.parentElement?.remove();
      body.prepend(row(t));
    },
    /**
     * @param {string} id
     * @param {string} state
     */
    setState(id, state) {
      const el = states.get(id);
      if (!el) return;
      el.dataset.state = state;
      setText(el, stateLabel(state));
    },
  };
}
