import { h, setText } from './dom.js';

const region = () => /** @type {HTMLElement} */ (document.getElementById('toasts'));
/** @type {Map<string, {el: HTMLElement, step: HTMLElement, message: HTMLElement, bar: HTMLProgressElement}>} */
const operations = new Map();

const stepLabels = /** @type {Record<string, string>} */ ({
  start: 'Starting',
  wake: 'Magic packets',
  wait_awake: 'Waiting for it to wake',
  bootstrap: 'Starting the worker',
  wait_online: 'Waiting for the worker',
  done: 'Done',
});

/**
 * A wake's or bootstrap's progress, one toast per operation (several at once), bottom-right: its step, message and
 * a bar. It stays while the operation runs; a success fades after a few seconds, a failure stays until closed.
 * @param {{operation: string, machine: string, kind: string, step: string, state: string, message: string, progress: number, error?: string}} p
 */
export function powerToast(p) {
  let t = operations.get(p.operation);
  if (!t) {
    const step = h('span', { class: 'step' });
    const message = h('span', { class: 'message' });
    const bar = /** @type {HTMLProgressElement} */ (h('progress', { max: '100', value: '0', 'aria-label': 'progress' }));
    const el = h(
      'div',
      { class: 'toast', 'data-operation': p.operation, 'data-machine': p.machine },
      h('strong', {}, `${p.kind === 'wake' ? 'Waking' : 'Starting the worker on'} ${p.machine}`),
      step,
      message,
      bar,
    );
    region().append(el);
    t = { el, step, message, bar };
    operations.set(p.operation, t);
  }
  setText(t.step, stepLabels[p.step] ?? p.step);
  setText(t.message, p.error ? `${p.message}: ${p.error}` : p.message);
  t.bar.value = p.progress;
  t.el.dataset.state = p.state;
  if (p.state === 'running') return;
  operations.delete(p.operation);
  finish(t.el, p.state === 'succeeded');
}

/**
 * A short notice (a result, an error); errors are announced at once to screen readers.
 * @param {string} text
 * @param {'ok'|'error'} [kind]
 */
export function notify(text, kind = 'ok') {
  const el = h('div', { class: 'toast', 'data-state': kind === 'ok' ? 'succeeded' : 'failed', role: kind === 'error' ? 'alert' : null }, h('span', { class: 'message' }, text));
  region().append(el);
  finish(el, kind === 'ok');
}

/**
 * @param {HTMLElement} el
 * @param {boolean} fade
 */
function finish(el, fade) {
  if (fade) {
    setTimeout(() => el.remove(), 6000);
    return;
  }
  el.append(h('button', { type: 'button', class: 'close', 'aria-label': 'Dismiss', onclick: () => el.remove() }, '×'));
}
