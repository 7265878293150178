import { run } from './actions.js';
import { learn } from './approvals-store.js';
import { h, replace, setAttr, setText } from './dom.js';
import { time } from './format.js';
import { can } from './session.js';

const headings = /** @type {Record<string, string>} */ ({ tool: 'Approval needed', question: 'The agent asks', plan: 'Plan to approve' });

/**
 * How a settled approval reads (the same words as the chat's settled line): who decided what, and when.
 * @param {any} a
 */
export function settledWords(a) {
  const at = a.decidedAt ? ` at ${time(a.decidedAt)}` : '';
  switch (a.state) {
    case 'allowed':
      if (a.kind === 'question') return `Answered by ${a.decidedBy}${at}: ${Object.values(a.answers ?? {}).join(', ')}`;
      if (a.kind === 'plan') return `Approved by ${a.decidedBy}${at}`;
      return `Allowed ${a.scope === 'task' ? 'for this task' : a.scope === 'always' ? `always on ${a.machine}` : 'once'} by ${a.decidedBy}${at}`;
    case 'denied':
      return `${a.kind === 'plan' ? 'Sent back to planning' : 'Denied'} by ${a.decidedBy}${at}${a.reason ? `: ${a.reason}` : ''}`;
    case 'timed_out':
      return `Timed out${at}: nobody answered, so it was denied`;
    case 'withdrawn':
      return `No longer needed${a.reason ? ` (${a.reason})` : ''}`;
    default:
      return `Waiting for an answer until ${time(a.expiresAt)}`;
  }
}

/**
 * Sends an answer as the signed-in person, through the same command as chat and mail (`approve`, `deny`,
 * `answer`): the hub checks the role, the first answer wins, and the settled approval comes back (and as an event).
 * @param {object} cmd
 */
async function answer(cmd) {
  const result = await run(cmd);
  if (result.kind === 'approval') learn(result.approval);
}

/**
 * The buttons of a pending approval for this person: none for a viewer; "Always on this machine" only for an admin
 * and only when the agent offered a rule.
 * @param {any} a
 * @returns {HTMLElement[]}
 */
function buttonsOf(a) {
  if (!can('operator')) return [];
  const id = a.id;
  const button = (/** @type {string} */ label, /** @type {object} */ cmd, cls = '') => h('button', { type: 'button', class: cls || null, onclick: () => answer(cmd) }, label);
  if (a.kind === 'plan') return [button('Approve plan', { name: 'approve', id, scope: 'once' }), button('Keep planning', { name: 'deny', id }, 'secondary')];
  if (a.kind === 'question') {
    const only = a.questions?.length === 1 && !a.questions[0].multiSelect ? a.questions[0] : undefined;
    const choices = only ? only.options.map((/** @type {any} */ o, /** @type {number} */ i) => button(o.label, { name: 'answer', id, text: String(i + 1) })) : [];
    const text = /** @type {HTMLInputElement} */ (h('input', { type: 'text', 'aria-label': `Your answer to ${id}`, placeholder: only ? 'or in your words' : 'a number per question, or your words' }));
    const send = h('button', { type: 'button', class: 'secondary', onclick: () => text.value.trim() && answer({ name: 'answer', id, text: text.value.trim() }) }, 'Answer');
    return [...choices, text, send, button('Skip', { name: 'deny', id }, 'secondary')];
  }
  return [
    button('Allow once', { name: 'approve', id, scope: 'once' }),
    button('Allow for this task', { name: 'approve', id, scope: 'task' }, 'secondary'),
    a.canAlways && can('admin') ? button('Always on this machine', { name: 'approve', id, scope: 'always' }, 'secondary') : null,
    button('Deny', { name: 'deny', id }, 'danger'),
  ].filter((b) => b !== null);
}

/**
 * One approval as a card: what the agent wants (everything it wrote shown as text), the questions and choices, and
 * for a pending one the answers this person may give. `update` turns it into its settled copy in place.
 * @param {any} a
 * @param {{showTask?: boolean}} [opts]
 */
export function createApprovalCard(a, opts = {}) {
  const status = h('p', { class: 'status' });
  const buttons = h('div', { class: 'actions' });
  const questions = (a.questions ?? []).map((/** @type {any} */ q) =>
    h('div', { class: 'question' }, h('p', {}, q.question, q.multiSelect ? ' (one or more)' : ''), h('ol', {}, ...q.options.map((/** @type {any} */ o) => h('li', {}, o.label, o.description ? `: ${o.description}` : '')))),
  );
  const el = h(
    'article',
    { class: 'card approval', 'data-approval': a.id, 'aria-label': `Approval ${a.id}` },
    h(
      'header',
      {},
      h('strong', {}, headings[a.kind] ?? 'Approval'),
      ' ',
      h('code', {}, a.id),
      ' · ',
      h('a', { href: `#/machines/${encodeURIComponent(a.machine)}` }, a.machine),
      opts.showTask === false ? null : h('span', {}, ' · task ', h('a', { href: `#/tasks/${a.taskId}` }, a.taskId)),
    ),
    a.kind === 'tool' ? h('p', { class: 'tool' }, 'wants to use ', h('strong', {}, a.tool)) : null,
    h('pre', { class: 'summary' }, a.summary),
    a.detail ? h('details', {}, h('summary', {}, 'Details'), h('pre', { class: 'detail' }, a.detail)) : null,
    ...questions,
    status,
    buttons,
  );

  /** @param {any} next */
  function update(next) {
    setAttr(el, 'data-state', next.state);
    setText(status, settledWords(next));
    if (next.state === 'pending') {
      if (buttons.childElementCount === 0) replace(buttons, ...buttonsOf(next));
    } else buttons.replaceChildren();
  }
  update(a);
  return { el, update };
}
