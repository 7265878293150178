import { call } from './api.js';
import { approvalsView } from './approvals.js';
import { approvalsReady, pending, watchApprovals } from './approvals-store.js';
import { deployView } from './deploy.js';
import { fleetView } from './fleet.js';
import { connect, on } from './live.js';
import { machineView } from './machine.js';
import { taskView } from './task.js';
import { tasksView } from './tasks.js';
import { powerToast } from './toasts.js';

/**
 * The dashboard's entry: live updates, power toasts, sign-out, and the views by address
 * (#/fleet, #/machines/<name>, #/deploy, #/tasks, #/tasks/<id>, #/approvals).
 */

const view = /** @type {HTMLElement} */ (document.getElementById('view'));
let cleanup = () => {};

const routes = [
  { pattern: /^#\/machines\/([^/]+)$/, nav: 'fleet', render: (/** @type {string[]} */ m) => machineView(view, decodeURIComponent(m[1] ?? '')) },
  { pattern: /^#\/deploy$/, nav: 'deploy', render: () => deployView(view) },
  { pattern: /^#\/tasks$/, nav: 'tasks', render: () => tasksView(view) },
  { pattern: /^#\/approvals$/, nav: 'approvals', render: () => approvalsView(view) },
  { pattern: /^#\/tasks\/([a-z0-9]+)$/, nav: 'tasks', render: (/** @type {string[]} */ m) => taskView(view, m[1] ?? '') },
  { pattern: /^(#\/fleet)?$/, nav: 'fleet', render: () => fleetView(view) },
];

function route() {
  cleanup();
  const hash = location.hash === '#/' ? '' : location.hash;
  const found = routes.find((r) => r.pattern.test(hash)) ?? routes[routes.length - 1];
  const match = /** @type {string[]} */ (hash.match(found.pattern) ?? []);
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a instanceof HTMLElement && a.dataset.nav === found.nav) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  cleanup = found.render(match);
  const title = view.querySelector('h1')?.textContent;
  document.title = `${title ? `${title} · ` : ''}PIA`;
}

on('power.progress', powerToast);
// The navigation says how many approvals wait, wherever the person is.
const badge = document.getElementById('approvals-count');
const showCount = () => {
  if (!badge) return;
  badge.textContent = String(pending.size);
  badge.hidden = pending.size === 0;
  badge.setAttribute('aria-label', `${pending.size} waiting`);
};
watchApprovals(showCount);
void approvalsReady();
connect();
window.addEventListener('hashchange', () => {
  route();
  view.focus({ preventScroll: true });
});
route();

document.getElementById('signout')?.addEventListener('click', async () => {
  try {
    await call('POST', '/auth/logout');
  } finally {
    location.href = '/';
  }
});
