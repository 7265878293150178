/** Words and numbers as a person reads them. */

/**
 * "12 s ago", "5 min ago", "3 h ago", "2 d ago".
 * @param {string|null|undefined} iso
 */
export function ago(iso) {
  if (!iso) return 'never';
  const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  if (s < 60) return `${Math.round(s)} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

/** @param {number} bytes */
export function gib(bytes) {
  return `${(bytes / 1024 ** 3).toFixed(bytes >= 10 * 1024 ** 3 ? 0 : 1)} GiB`;
}

/** @param {string|null|undefined} iso */
export function time(iso) {
  return iso ? new Date(iso).toLocaleString() : '';
}

/** @param {number} seconds */
export function duration(seconds) {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

/** Task states that never change again. */
export const finalStates = new Set(['succeeded', 'failed', 'cancelled', 'timed_out', 'lost']);

/** @param {string} state */
export const stateLabel = (state) => state.replace('_', ' ');

/**
 * What a task does, in one line.
 * @param {{kind: string, prompt: string|null, argv: string[]|null, repo: {url: string}|null}} task
 */
export function what(task) {
  if (task.kind === 'shell') return (task.argv ?? []).join(' ');
  return task.prompt ?? '';
}
