import { get } from './api.js';
import { h, replace, setAttr, setText } from './dom.js';
import { ago, gib, time } from './format.js';
import { on, onTaskStates } from './live.js';
import { powerButtons } from './actions.js';
import { settingsDialog, trustDialog } from './settings.js';
import { can } from './session.js';
import { dotState, machines, ready, watch } from './store.js';
import { createTaskTable } from './task-table.js';
import { createApprovalList } from './approvals.js';
import { runForm } from './run-form.js';

/**
 * A machine's page: its power and actions, facts, network, repositories and agents found by its worker, a task to
 * run (agent and mode), what its agents wait for, its recent tasks, the progress of a wake, and the audit trail.
 * @param {HTMLElement} view
 * @param {string} name
 * @returns {() => void}
 */
export function machineView(view, name) {
  const dot = h('span', { class: 'dot', role: 'img' });
  const title = h('h1', {}, dot, ' ', name);
  const summary = h('p', { class: 'summary' });
  const buttons = h('div', { class: 'actions' });
  const facts = h('dl', { class: 'facts wide' });
  const network = h('div');
  const repos = h('div');
  const agents = h('div');
  const progress = h('ol', { class: 'progress-steps', 'aria-live': 'polite' });
  const tasks = createTaskTable({ showMachine: false, empty: 'No tasks on this machine yet.' });
  const audit = h('ol', { class: 'audit' });
  const approvals = createApprovalList({ machine: name, empty: 'Its agents wait for nothing.' });
  const start = can('operator') ? runForm(name) : undefined;
  replace(
    view,
    h('p', {}, h('a', { href: '#/fleet' }, '← Fleet')),
    title,
    summary,
    buttons,
    h('section', { 'aria-labelledby': 'm-power' }, h('h2', { id: 'm-power' }, 'Wake and start'), progress),
    h('section', { 'aria-labelledby': 'm-facts' }, h('h2', { id: 'm-facts' }, 'Facts'), facts),
    h('section', { 'aria-labelledby': 'm-net' }, h('h2', { id: 'm-net' }, 'Network'), network),
    h('section', { 'aria-labelledby': 'm-repos' }, h('h2', { id: 'm-repos' }, 'Repositories'), repos),
    h('section', { 'aria-labelledby': 'm-agents' }, h('h2', { id: 'm-agents' }, 'Agents installed'), agents),
    h('section', { 'aria-labelledby': 'm-approvals' }, h('h2', { id: 'm-approvals' }, 'Approvals'), approvals.el),
    start ? h('section', { 'aria-labelledby': 'm-run' }, h('h2', { id: 'm-run' }, 'Run a task'), start.el) : null,
    h('section', { 'aria-labelledby': 'm-tasks' }, h('h2', { id: 'm-tasks' }, 'Recent tasks'), tasks.el),
    h('section', { 'aria-labelledby': 'm-audit' }, h('h2', { id: 'm-audit' }, 'Audit trail'), audit),
  );
  progress.append(h('li', { class: 'muted' }, 'No wake or start while this page is open.'));

  let statusKey = '';
  function render() {
    const m = machines.get(name);
    if (!m) {
      replace(summary, `No machine named ${name}.`);
      return;
    }
    const state = dotState(m);
    setAttr(dot, 'data-state', state);
    setAttr(dot, 'aria-label', `${state}${m.powerEvidence ? `: ${m.powerEvidence}` : ''}`);
    setAttr(dot, 'title', m.powerEvidence ?? state);
    setText(summary, `${m.status === 'online' ? 'Online' : `Offline, power ${m.powerState}`}${m.powerEvidence ? ` (${m.powerEvidence})` : ''} · last seen ${ago(m.lastSeen)}${m.aliases.length ? ` · also ${m.aliases.join(', ')}` : ''}`);
    const key = m.status;
    if (key !== statusKey) {
      statusKey = key;
      replace(
        buttons,
        ...powerButtons(m),
        can('admin') ? h('button', { type: 'button', class: 'secondary', onclick: () => settingsDialog(machines.get(name)) }, 'Settings') : null,
        can('admin') ? h('button', { type: 'button', class: 'secondary', onclick: () => trustDialog(name) }, 'Trust host key') : null,
      );
    }
    const f = m.facts;
    const c = m.capabilities;
    const rows = [
      ['Host', f?.hostname],
      ['OS', f ? `${f.os.platform} ${f.os.release}${f.os.version ? ` (${f.os.version})` : ''}` : 'never linked'],
      ['Architecture', f?.arch],
      ['CPUs', f ? `${f.cpus}${f.cpuModel ? ` × ${f.cpuModel}` : ''}` : undefined],
      ['Memory', f ? gib(f.memoryBytes) : undefined],
      ['GPU', f?.gpus?.length ? f.gpus.map((g) => g.name).join(', ') : undefined],
      ['Worker', f ? `${f.workerVersion}${f.user ? ` as ${f.user.name}` : ''}` : undefined],
      ['Gateway', f?.gateway ?? undefined],
      ['MAC', c.mac],
      ['IP', c.ip],
      ['SSH', c.sshUser ? `${c.sshUser}@${c.sshHost ?? c.ip ?? '?'}:${c.sshPort ?? 22}` : undefined],
      ['Host key', c.sshHostKey],
      ['Tags', (c.tags ?? []).join(', ') || undefined],
      // What any[...] targets match: from the worker's facts and the tags.
      ['Labels', (m.labels ?? []).join(' ') || undefined],
      ['Auto-wake', c.autoWake ? 'on' : 'off'],
      ['Mail', m.email],
      ['Registered', time(m.createdAt)],
    ].filter(([, v]) => v !== undefined && v !== null && v !== '');
    replace(facts, ...rows.flatMap(([k, v]) => [h('dt', {}, String(k)), h('dd', {}, String(v))]));
    replace(network, f?.interfaces.length ? list(f.interfaces.map((/** @type {any} */ i) => `${i.name}: ${i.address} (${i.cidr}) ${i.mac}`)) : h('p', { class: 'muted' }, 'Not known yet.'));
    replace(repos, f?.repos.length ? list(f.repos.map((/** @type {any} */ r) => `${r.name} · ${r.branch ?? 'detached'} · ${r.remote ?? 'no remote'} · ${r.path}`)) : h('p', { class: 'muted' }, 'None found under the worker’s roots.'));
    start?.refresh();
    replace(agents, f?.agents.length ? list(f.agents.map((/** @type {any} */ a) => `${a.name} (${a.path})`)) : h('p', { class: 'muted' }, 'No agent CLI found on its PATH.'));
  }

  async function loadTasks() {
    const t = await get(`/api/tasks?machine=${encodeURIComponent(name)}&limit=20`);
    tasks.set(t.tasks);
  }

  async function loadAudit() {
    const a = await get(`/api/audit?target=${encodeURIComponent(name)}&limit=30`);
    replace(audit, ...a.entries.map((/** @type {any} */ e) => h('li', { 'data-outcome': e.outcome }, `${time(e.at)} · ${e.actor} · ${e.action}${e.target && e.target !== name ? ` ${e.target}` : ''} · ${e.outcome}${e.detail ? `: ${e.detail}` : ''}`)));
    if (a.entries.length === 0) audit.append(h('li', { class: 'muted' }, 'Nothing recorded yet.'));
  }

  // The audit trail has no events of its own: it is read again (at most once a second) when the machine changes.
  let auditTimer = 0;
  const auditSoon = () => {
    clearTimeout(auditTimer);
    auditTimer = window.setTimeout(() => void loadAudit(), 1000);
  };

  const offs = [
    watch((changed) => {
      if (changed === null || changed === name) {
        render();
        auditSoon();
      }
    }),
    on('power.progress', (p) => {
      if (p.machine !== name) return;
      if (p.index === 0) progress.replaceChildren();
      progress.querySelector('li.muted')?.remove();
      progress.append(h('li', { 'data-state': p.state }, `${p.message}${p.error ? `: ${p.error}` : ''} (${p.progress}%)`));
    }),
    on('task.created', (d) => {
      if (d.task.machine === name) tasks.prepend(d.task);
    }),
    onTaskStates((id, state) => tasks.setState(id, state)),
  ];
  void ready().then(render);
  void loadTasks();
  void loadAudit();
  return () => {
    approvals.stop();
    clearTimeout(auditTimer);
    offs.forEach((off) => off());
  };
}

/** @param {string[]} items */
function list(items) {
  return h('ul', {}, ...items.map((i) => h('li', {}, i)));
}
