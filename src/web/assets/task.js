import { get } from './api.js';
import { run } from './actions.js';
import { h, replace, setText } from './dom.js';
import { duration, finalStates, stateLabel, time } from './format.js';
import { on, onResync, onTaskStates } from './live.js';
import { createOutput } from './output.js';
import { createApprovalList } from './approvals.js';
import { can } from './session.js';

/**
 * A task's page: what it was asked, its state, its output streaming live (colours kept, agent events as lines,
 * nothing of it ever interpreted as markup), what its agent waits for (Allow/Deny), Cancel, the full log, and a box
 * to continue the agent's session.
 * @param {HTMLElement} view
 * @param {string} id
 * @returns {() => void}
 */
export function taskView(view, id) {
  const state = h('span', { class: 'state' });
  const meta = h('dl', { class: 'facts wide' });
  const prompt = h('pre', { class: 'prompt' });
  const buttons = h('div', { class: 'actions' });
  const pre = h('div', { class: 'output', role: 'log', tabindex: '0', 'aria-label': 'Output', 'aria-live': 'off' });
  const follow = h('div');
  const approvals = createApprovalList({ taskId: id, showTask: false, empty: 'Its agent waits for nothing.' });
  replace(
    view,
    h('p', {}, h('a', { href: '#/tasks' }, '← Tasks')),
    h('h1', {}, `Task ${id} `, state),
    meta,
    h('h2', {}, 'Asked'),
    prompt,
    buttons,
    h('section', { 'aria-labelledby': 't-approvals' }, h('h2', { id: 't-approvals' }, 'Approvals'), approvals.el),
    h('h2', {}, 'Output'),
    pre,
    follow,
  );
  const output = createOutput(pre);
  let task = /** @type {any} */ (null);
  let fetching = false;

  /** Reads stored output from where the page is, until it has all of it (or the stream filled the gap). */
  async function fill() {
    if (fetching) return;
    fetching = true;
    try {
      for (;;) {
        const page = await get(`/api/tasks/${id}/output?from=${output.nextSeq}&limit=1000`);
        for (const c of page.chunks) output.add(c);
        if (page.chunks.length < 1000) break;
      }
    } finally {
      fetching = false;
    }
  }

  function render() {
    if (!task) return;
    state.dataset.state = task.state;
    setText(state, stateLabel(task.state));
    const end = task.finishedAt ? Date.parse(task.finishedAt) : Date.now();
    const rows = [
      ['Machine', task.machine],
      ['Kind', task.kind],
      ['Repository', task.repo ? `${task.repo.url}${task.repo.ref ? ` @ ${task.repo.ref}` : ''}` : null],
      ['Agent', task.agent],
      ['Mode', task.mode],
      ['Asked by', `${task.requester} (${task.origin.kind})`],
      ['Created', time(task.createdAt)],
      ['Ran for', task.startedAt ? duration((end - Date.parse(task.startedAt)) / 1000) : null],
      ['Exit code', task.exitCode],
      ['Cost', typeof task.costUsd === 'number' ? `$${task.costUsd.toFixed(4)}` : null],
      ['Error', task.error],
      ['Summary', task.summary],
      ['Continues', task.parentId],
    ].filter(([, v]) => v !== null && v !== undefined && v !== '');
    replace(meta, ...rows.flatMap(([k, v]) => [h('dt', {}, String(k)), h('dd', {}, k === 'Continues' ? h('a', { href: `#/tasks/${v}` }, String(v)) : String(v))]));
    setText(prompt, task.kind === 'shell' ? (task.argv ?? []).join(' ') : task.prompt ?? '');
    const done = finalStates.has(task.state);
    replace(
      buttons,
      !done && can('operator') ? h('button', { type: 'button', class: 'danger', onclick: () => run({ name: 'cancel', taskId: id }) }, 'Cancel') : null,
      h('a', { class: 'button secondary', href: `/api/tasks/${id}/log`, download: `pia-${id}.log` }, 'Download full log'),
    );
    if (task.kind !== 'shell' && can('operator') && follow.childElementCount === 0) follow.append(followUp());
  }

  function followUp() {
    const text = /** @type {HTMLTextAreaElement} */ (h('textarea', { id: 'follow-up', rows: '3', placeholder: 'Now update the docs…' }));
    const error = h('p', { class: 'error', role: 'alert' });
    const form = h('form', { class: 'follow-up' }, h('h2', {}, h('label', { for: 'follow-up' }, 'Continue this session')), text, error, h('div', { class: 'buttons' }, h('button', { type: 'submit' }, 'Continue')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      setText(error, '');
      const result = await run({ name: 'continue', taskId: id, prompt: text.value });
      if (result.kind === 'tasks_started') location.hash = `#/tasks/${result.tasks[0].id}`;
      else if (result.text) setText(error, result.text);
    });
    return form;
  }

  async function load() {
    try {
      ({ task } = await get(`/api/tasks/${id}`));
    } catch (err) {
      replace(view, h('p', { class: 'error', role: 'alert' }, /** @type {Error} */ (err).message));
      return;
    }
    render();
    await fill();
  }

  const offs = [
    on('task.output', (d) => {
      if (d.taskId === id && !output.add(d)) void fill();
    }),
    onTaskStates((taskId, s, full) => {
      if (taskId !== id || !task) return;
      task = full ?? { ...task, state: s };
      render();
      if (full) void fill();
    }),
    onResync(() => void load()),
  ];
  void load();
  return () => {
    approvals.stop();
    offs.forEach((off) => off());
  };
}
