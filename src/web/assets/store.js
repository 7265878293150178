import { get } from './api.js';
import { watchApprovals } from './approvals-store.js';
import { finalStates } from './format.js';
import { on, onResync } from './live.js';

/**
 * The fleet as the page knows it: every machine and the tasks each is running, kept current by the hub's events.
 * Views subscribe and are told which machine changed, so they touch only that machine's part of the page.
 */

/** @type {Map<string, any>} machine name -> the API's machine view */
export const machines = new Map();
/** @type {Map<string, Set<string>>} machine name -> ids of its queued, dispatched and running tasks */
export const active = new Map();

/** @type {Set<(name: string|null) => void>} */
const watchers = new Set();
let loaded = /** @type {Promise<void>|undefined} */ (undefined);

/** @param {string|null} name the machine that changed; null: all of them */
function changed(name) {
  for (const fn of watchers) fn(name);
}

/**
 * Calls `fn` with a machine's name when it changes (null when everything was reloaded); returns the unsubscribe.
 * @param {(name: string|null) => void} fn
 */
export function watch(fn) {
  watchers.add(fn);
  return () => watchers.delete(fn);
}

/** Loads the fleet once (later calls wait for the same load). */
export function ready() {
  loaded ??= reload();
  return loaded;
}

async function reload() {
  const [{ machines: list }, ...lists] = await Promise.all([
    get('/api/machines'),
    ...['queued', 'dispatched', 'running'].map((state) => get(`/api/tasks?state=${state}&limit=1000`)),
  ]);
  machines.clear();
  for (const m of list) machines.set(m.name, m);
  active.clear();
  for (const { tasks } of lists) for (const t of tasks) track(t);
  changed(null);
}

/** @param {{id: string, machine: string, state: string}} task */
function track(task) {
  let set = active.get(task.machine);
  if (!finalStates.has(task.state)) {
    if (!set) active.set(task.machine, (set = new Set()));
    set.add(task.id);
  } else set?.delete(task.id);
}

/** @param {string} name */
async function refetch(name) {
  try {
    const { machine } = await get(`/api/machines/${encodeURIComponent(name)}`);
    machines.set(machine.name, machine);
  } catch {
    machines.delete(name);
  }
  changed(name);
}

/**
 * @param {string} name
 * @param {Record<string, unknown>} patch
 */
function patch(name, patch) {
  const m = machines.get(name);
  if (!m) return void refetch(name);
  Object.assign(m, patch);
  changed(name);
}

on('machine.registered', (d) => void refetch(d.machine));
on('machine.updated', (d) => void refetch(d.machine));
on('machine.removed', (d) => {
  machines.delete(d.machine);
  changed(d.machine);
});
on('machine.online', (d, at) => {
  const m = machines.get(d.machine);
  patch(d.machine, { status: 'online', powerState: 'online', powerEvidence: 'worker linked', powerStateAt: at, lastSeen: at });
  // A new link brings new facts; fetch them only when they may differ from what the tile shows.
  if (!m?.facts || m.facts.hostname !== d.hostname) void refetch(d.machine);
});
on('machine.offline', (d, at) => patch(d.machine, { status: 'offline', powerState: 'unknown', powerEvidence: d.reason, powerStateAt: at }));
on('machine.power', (d, at) => patch(d.machine, { powerState: d.state, powerEvidence: d.evidence, powerStateAt: at }));
on('task.created', (d) => {
  track(d.task);
  changed(d.task.machine);
});
on('task.finished', (d) => {
  track(d.task);
  changed(d.task.machine);
});
onResync(() => {
  loaded = reload();
});
// A machine's tile counts the approvals waiting on it.
watchApprovals((a) => changed(a ? a.machine : null));

/**
 * How a machine's power reads on its dot: online green, awake amber, waking/booting/starting blue, off red,
 * unknown grey.
 * @param {any} m
 * @returns {'online'|'awake'|'waking'|'off'|'unknown'}
 */
export function dotState(m) {
  if (m.status === 'online') return 'online';
  switch (m.powerState) {
    case 'awake':
      return 'awake';
    case 'waking':
    case 'booting':
    case 'starting':
      return 'waking';
    case 'off':
      return 'off';
    default:
      return 'unknown';
  }
}
