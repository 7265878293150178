/**
 * Live updates: the hub's events over Server-Sent Events. The browser reconnects by itself after a cut; each view
 * then reloads what it shows (`onResync`), since events sent while the page was away are not replayed.
 */

/** @type {Map<string, Set<(data: any, at: string) => void>>} */
const listeners = new Map();
/** @type {Set<() => void>} */
const resyncs = new Set();
let source = /** @type {EventSource|undefined} */ (undefined);
let wasOpen = false;

/** Opens the stream (once). */
export function connect() {
  if (source) return;
  const indicator = document.getElementById('live');
  source = new EventSource('/api/events/stream');
  source.addEventListener('open', () => {
    indicator?.classList.add('on');
    indicator?.setAttribute('title', 'Live: updates arrive as they happen');
    if (wasOpen) for (const fn of resyncs) fn();
    wasOpen = true;
  });
  source.addEventListener('error', () => {
    indicator?.classList.remove('on');
    indicator?.setAttribute('title', 'Reconnecting…');
  });
  source.addEventListener('message', (msg) => {
    let event;
    try {
      event = JSON.parse(msg.data);
    } catch {
      return;
    }
    for (const fn of listeners.get(event.event) ?? []) {
      try {
        fn(event.data, event.at);
      } catch (err) {
        console.error('event handler failed', event.event, err);
      }
    }
  });
}

/**
 * Listens to one event by name; returns the function that stops listening.
 * @param {string} name
 * @param {(data: any, at: string) => void} fn
 * @returns {() => void}
 */
export function on(name, fn) {
  let set = listeners.get(name);
  if (!set) listeners.set(name, (set = new Set()));
  set.add(fn);
  return () => set.delete(fn);
}

/**
 * Called after the stream reconnects; returns the function that stops it.
 * @param {() => void} fn
 */
export function onResync(fn) {
  resyncs.add(fn);
  return () => resyncs.delete(fn);
}

/**
 * Follows tasks' states: dispatched, running, and the final one (with the whole task).
 * @param {(id: string, state: string, task?: any) => void} fn
 * @returns {() => void}
 */
export function onTaskStates(fn) {
  const offs = [
    on('task.dispatched', (d) => fn(d.taskId, 'dispatched')),
    on('task.started', (d) => fn(d.taskId, 'running')),
    on('task.finished', (d) => fn(d.task.id, d.task.state, d.task)),
  ];
  return () => offs.forEach((off) => off());
}
