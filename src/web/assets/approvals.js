import { createApprovalCard } from './approval-card.js';
import { approvalsReady, pendingList, watchApprovals } from './approvals-store.js';
import { h, replace, setText } from './dom.js';

/**
 * A live list of approval cards: the pending ones (of one task, one machine, or all), new ones added as agents ask, and those
 * settled while the list is open kept in place with how they were settled (whoever answered, wherever).
 * @param {{taskId?: string, machine?: string, showTask?: boolean, empty: string}} opts
 * @returns {{el: HTMLElement, stop: () => void}}
 */
export function createApprovalList(opts) {
  const el = h('div', { class: 'cards approvals', 'aria-live': 'polite' });
  const empty = h('p', { class: 'muted' }, opts.empty);
  /** @type {Map<string, ReturnType<typeof createApprovalCard>>} */
  const cards = new Map();

  /** @param {any} a */
  function show(a) {
    if ((opts.taskId && a.taskId !== opts.taskId) || (opts.machine && a.machine !== opts.machine)) return;
    const card = cards.get(a.id);
    if (card) return card.update(a);
    if (a.state !== 'pending') return;
    const made = createApprovalCard(a, { showTask: opts.showTask });
    cards.set(a.id, made);
    el.append(made.el);
    empty.remove();
  }

  function all() {
    for (const a of pendingList({ ...(opts.taskId ? { taskId: opts.taskId } : {}), ...(opts.machine ? { machine: opts.machine } : {}) })) show(a);
    if (cards.size === 0) el.append(empty);
  }

  const stop = watchApprovals((a) => (a === null ? all() : show(a)));
  void approvalsReady().then(all);
  return { el, stop };
}

/**
 * The approvals page: everything agents wait for across the fleet, answered with a click by operators.
 * @param {HTMLElement} view
 * @returns {() => void}
 */
export function approvalsView(view) {
  const count = h('p', { class: 'counts', 'aria-live': 'polite' });
  const list = createApprovalList({ empty: 'Nothing waits for an answer.' });
  replace(view, h('h1', {}, 'Approvals'), count, list.el);
  const counter = () => setText(count, `${pendingList().length} waiting`);
  const stop = watchApprovals(counter);
  void approvalsReady().then(counter);
  return () => {
    list.stop();
    stop();
  };
}
