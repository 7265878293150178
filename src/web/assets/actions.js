import { byName, command } from './api.js';
import { confirmDialog } from './dialog.js';
import { h } from './dom.js';
import { can } from './session.js';
import { notify } from './toasts.js';

/**
 * Runs a command as the signed-in person and says what came of it. Progress of wakes and tasks arrives as events
 * (toasts, cards); refusals and errors are shown here. Returns the result.
 * @param {object} cmd
 * @returns {Promise<any>}
 */
export async function run(cmd) {
  try {
    const result = await command(cmd);
    switch (result.kind) {
      case 'refused':
      case 'error':
        notify(result.text, 'error');
        break;
      case 'power_commands':
        for (const r of result.results) notify(`${r.machine}: ${r.message}`, r.ok ? 'ok' : 'error');
        break;
      case 'task':
        notify(result.task.state === 'cancelled' ? `Task ${result.task.id} cancelled.` : `Cancelling task ${result.task.id}…`);
        break;
      default:
        break;
    }
    return result;
  } catch (err) {
    notify(err instanceof Error ? err.message : String(err), 'error');
    return { kind: 'error', text: String(err) };
  }
}

const titles = /** @type {Record<string, string>} */ ({ sleep: 'Sleep', restart: 'Restart', shutdown: 'Shut down' });

/**
 * The power buttons a machine offers the signed-in person: Wake and Start worker (operators) while its worker is
 * not linked; Sleep, Restart and Shut down (admins, after confirming) while it is. Viewers get none.
 * @param {{name: string, status: string}} m
 * @returns {HTMLElement[]}
 */
export function powerButtons(m) {
  const machine = byName(m.name);
  const out = [];
  if (can('operator') && m.status !== 'online') {
    out.push(h('button', { type: 'button', 'aria-label': `Wake ${m.name}`, onclick: () => run({ name: 'wake', machine }) }, 'Wake'));
    out.push(h('button', { type: 'button', class: 'secondary', 'aria-label': `Start the worker on ${m.name}`, onclick: () => run({ name: 'bootstrap', machine }) }, 'Start worker'));
  }
  if (can('admin') && m.status === 'online') {
    for (const action of ['sleep', 'restart', 'shutdown']) {
      const label = titles[action];
      out.push(
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            'aria-label': `${label} ${m.name}`,
            onclick: async () => {
              if (await confirmDialog(`${label} ${m.name}?`, `${m.name} will ${action === 'shutdown' ? 'shut down' : action} through its worker. Tasks running there stop.`, label)) await run({ name: action, machine });
            },
          },
          label,
        ),
      );
    }
  }
  return out;
}
