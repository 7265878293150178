import { byName, get } from './api.js';
import { run } from './actions.js';
import { h, replace, setText } from './dom.js';
import { stateLabel } from './format.js';
import { on, onTaskStates } from './live.js';
import { createOutput } from './output.js';
import { can } from './session.js';
import { agentsOn, modeSelect, replaceOptions } from './task-options.js';
import { machines, ready } from './store.js';

/**
 * Fleet Deploy: a repository, the machines (ticked, or a selector such as tag:gpu), one task for all or a task per
 * machine, a ref, an agent (of those the machines' workers found installed) and a mode; then one card per machine
 * with its live state and output. It is the `deploy` command of the chat language, with the same per-machine tasks
 * as `deploy <url> m2:"…" m3:"…"`.
 * @param {HTMLElement} view
 * @returns {() => void}
 */
export function deployView(view) {
  if (!can('operator')) {
    replace(view, h('h1', {}, 'Fleet Deploy'), h('p', {}, 'Deploying needs the operator role.'));
    return () => undefined;
  }
  const repo = /** @type {HTMLInputElement} */ (h('input', { id: 'd-repo', name: 'repo', type: 'url', required: true, placeholder: 'https://github.com/acme/app', autocomplete: 'off' }));
  const ref = /** @type {HTMLInputElement} */ (h('input', { id: 'd-ref', name: 'ref', type: 'text', placeholder: 'default branch', autocomplete: 'off' }));
  const agent = /** @type {HTMLSelectElement} */ (h('select', { id: 'd-agent', name: 'agent' }, h('option', { value: '' }, 'the machine’s default')));
  const mode = modeSelect('d-mode');
  const selector = /** @type {HTMLInputElement} */ (h('input', { id: 'd-selector', name: 'selector', type: 'text', placeholder: 'tag:gpu, all', autocomplete: 'off' }));
  const picks = h('fieldset', { class: 'picks' }, h('legend', {}, 'Machines'));
  const perMachine = /** @type {HTMLInputElement} */ (h('input', { id: 'd-per', type: 'checkbox' }));
  const prompt = /** @type {HTMLTextAreaElement} */ (h('textarea', { id: 'd-prompt', name: 'prompt', rows: '3', placeholder: 'What should the agent do?' }));
  const promptField = h('div', { class: 'field' }, h('label', { for: 'd-prompt' }, 'Task'), prompt);
  const perFields = h('div', { class: 'per-machine', hidden: true });
  const error = h('p', { class: 'error', role: 'alert' });
  const cards = h('div', { class: 'cards', 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'deploy', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'd-repo' }, 'Repository URL'), repo),
    h('div', { class: 'row' }, h('div', { class: 'field' }, h('label', { for: 'd-ref' }, 'Ref'), ref), h('div', { class: 'field' }, h('label', { for: 'd-agent' }, 'Agent'), agent), h('div', { class: 'field' }, h('label', { for: 'd-mode' }, 'Mode'), mode)),
    picks,
    h('div', { class: 'field' }, h('label', { for: 'd-selector' }, 'Or machines by selector'), selector),
    h('div', { class: 'field check' }, perMachine, h('label', { for: 'd-per' }, 'A task per machine')),
    promptField,
    perFields,
    error,
    h('div', { class: 'buttons' }, h('button', { type: 'submit' }, 'Deploy')),
  );
  replace(view, h('h1', {}, 'Fleet Deploy'), form, h('h2', {}, 'Deploys'), cards);

  /** @type {Map<string, HTMLInputElement>} */
  const boxes = new Map();
  /** @type {Map<string, HTMLTextAreaElement>} */
  const perPrompt = new Map();

  void ready().then(() => {
    for (const name of [...machines.keys()].sort()) {
      const m = machines.get(name);
      const id = `d-m-${name}`;
      const box = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', id, value: name }));
      boxes.set(name, box);
      picks.append(h('span', { class: 'pick' }, box, h('label', { for: id }, `${name}${m.status === 'online' ? '' : ' (offline)'}`)));
    }
    if (boxes.size === 0) picks.append(h('p', { class: 'muted' }, 'No machines yet.'));
    syncAgents();
  });

  /** The agents installed on the chosen machines (on any machine while none is chosen), as their workers report. */
  function syncAgents() {
    const names = chosen().filter((n) => machines.has(n));
    replaceOptions(agent, agentsOn(names.length ? names : [...machines.keys()]));
  }

  function chosen() {
    const names = [...boxes].filter(([, b]) => b.checked).map(([n]) => n);
    const extra = selector.value.split(/[,\s]+/).filter(Boolean);
    return [...names, ...extra];
  }

  function syncPer() {
    promptField.hidden = perMachine.checked;
    perFields.hidden = !perMachine.checked;
    if (!perMachine.checked) return;
    const want = chosen();
    for (const [name, area] of perPrompt) {
      if (want.includes(name)) continue;
      area.closest('.field')?.remove();
      perPrompt.delete(name);
    }
    for (const name of want) {
      if (perPrompt.has(name)) continue;
      const area = /** @type {HTMLTextAreaElement} */ (h('textarea', { id: `d-task-${name}`, rows: '2', 'data-machine': name }));
      area.value = prompt.value;
      perPrompt.set(name, area);
      perFields.append(h('div', { class: 'field' }, h('label', { for: `d-task-${name}` }, `Task for ${name}`), area));
    }
  }
  perMachine.addEventListener('change', syncPer);
  picks.addEventListener('change', syncPer);
  selector.addEventListener('input', syncPer);
  picks.addEventListener('change', syncAgents);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    setText(error, '');
    const words = chosen();
    if (!repo.value.trim()) return setText(error, 'Paste the repository URL.');
    if (words.length === 0) return setText(error, 'Pick at least one machine.');
    /** @type {any[]} */
    let selectors;
    try {
      selectors = words.map(toSelector);
    } catch (err) {
      return setText(error, /** @type {Error} */ (err).message);
    }
    const cmd = {
      name: 'deploy',
      repo: repo.value.trim(),
      ...(ref.value.trim() ? { ref: ref.value.trim() } : {}),
      ...(agent.value ? { agent: agent.value } : {}),
      ...(mode.value ? { mode: mode.value } : {}),
      machines: perMachine.checked ? [] : selectors,
      prompt: perMachine.checked ? '' : prompt.value,
      ...(perMachine.checked ? { tasks: words.map((w, i) => ({ machine: selectors[i], prompt: perPrompt.get(w)?.value ?? '' })) } : {}),
    };
    const result = await run(cmd);
    if (result.kind === 'error' || result.kind === 'refused') return setText(error, result.text);
    if (result.kind === 'tasks_started') for (const t of result.tasks) cards.prepend(card(t));
  });

  const offs = [
    onTaskStates((id, state) => {
      const el = cards.querySelector(`[data-task="${CSS.escape(id)}"] .state`);
      if (el instanceof HTMLElement) {
        el.dataset.state = state;
        setText(el, stateLabel(state));
      }
    }),
    on('task.output', (d) => tails.get(d.taskId)?.(d)),
  ];
  return () => offs.forEach((off) => off());
}

/** Live output tails of the cards, by task id. */
const tails = new Map();

/** @param {string} word */
function toSelector(word) {
  const w = word.toLowerCase();
  if (w === 'all') return { kind: 'all' };
  if (w.startsWith('tag:')) return { kind: 'tag', tag: w.slice(4) };
  if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(w)) throw new Error(`"${word.slice(0, 40)}" is not a machine name, "all" or tag:<tag>.`);
  return byName(w);
}

/**
 * A deploy's card for one machine: its state and the last lines of its output, live.
 * @param {any} t
 */
function card(t) {
  const state = h('span', { class: 'state', 'data-state': t.state }, stateLabel(t.state));
  const tail = h('div', { class: 'tail', role: 'log', 'aria-live': 'off', 'aria-label': `Output on ${t.machine}` });
  const out = createOutput(tail, 20_000);
  tails.set(t.id, (/** @type {any} */ d) => out.add(d));
  void get(`/api/tasks/${t.id}/output?from=1&limit=500`).then((page) => {
    for (const c of page.chunks) out.add(c);
  });
  return h('article', { class: 'card', 'data-task': t.id, 'data-machine': t.machine, 'aria-label': `Deploy to ${t.machine}` }, h('header', {}, h('strong', {}, t.machine), ' ', state, ' ', h('a', { href: `#/tasks/${t.id}` }, t.id)), h('p', { class: 'what' }, t.prompt ?? ''), tail);
}
