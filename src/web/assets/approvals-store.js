import { get } from './api.js';
import { on, onResync } from './live.js';

/**
 * What agents wait for, as the page knows it: every pending approval, kept current by the hub's events
 * (`approval.requested`, `approval.settled`). Views subscribe and get each approval that appeared or settled, so a
 * copy shown anywhere on the page (the approvals list, a task's page) changes in place, and tiles and the
 * navigation show the counts.
 */

/** @type {Map<string, any>} approval code -> the API's approval view, pending ones only */
export const pending = new Map();

/** @type {Set<(a: any|null) => void>} */
const watchers = new Set();
let loaded = /** @type {Promise<void>|undefined} */ (undefined);
/** Codes of approvals seen settled (the latest thousand). */
const settled = new Set();

/**
 * Calls `fn` with each approval that appeared or settled (null when all were reloaded); returns the unsubscribe.
 * @param {(a: any|null) => void} fn
 */
export function watchApprovals(fn) {
  watchers.add(fn);
  return () => watchers.delete(fn);
}

/** @param {any|null} a */
function changed(a) {
  for (const fn of watchers) {
    try {
      fn(a);
    } catch (err) {
      console.error('approval watcher failed', err);
    }
  }
}

/** Loads the pending approvals once (later calls wait for the same load). */
export function approvalsReady() {
  loaded ??= reload();
  return loaded;
}

async function reload() {
  const { approvals } = await get('/api/approvals?state=pending&limit=1000');
  pending.clear();
  for (const a of approvals) pending.set(a.id, a);
  changed(null);
}

/**
 * Takes an approval the page learnt of (an event, or the answer to its own click): pending ones are kept, settled
 * ones dropped, and every watcher hears of it.
 * @param {any} a
 */
export function learn(a) {
  const known = pending.get(a.id);
  // An older copy (the event of a request after the answer that settled it) does not undo a settled one.
  if (a.state === 'pending' && !known && settled.has(a.id)) return;
  if (a.state === 'pending') pending.set(a.id, a);
  else {
    pending.delete(a.id);
    settled.add(a.id);
    if (settled.size > 1000) settled.delete(settled.values().next().value);
  }
  changed(a);
}

/**
 * Pending approvals, oldest first; of one machine or one task when given.
 * @param {{machine?: string, taskId?: string}} [of]
 * @returns {any[]}
 */
export function pendingList(of = {}) {
  return [...pending.values()].filter((a) => (!of.machine || a.machine === of.machine) && (!of.taskId || a.taskId === of.taskId)).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/**
 * How many approvals wait on a machine.
 * @param {string} machine
 */
export function pendingCount(machine) {
  let n = 0;
  for (const a of pending.values()) if (a.machine === machine) n++;
  return n;
}

on('approval.requested', (d) => learn(d.approval));
on('approval.settled', (d) => learn(d.approval));
onResync(() => {
  loaded = reload();
});
