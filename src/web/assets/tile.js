import { h, replace, setAttr, setText } from './dom.js';
import { ago, gib } from './format.js';
import { powerButtons } from './actions.js';
import { dotState } from './store.js';
import { pendingCount } from './approvals-store.js';

const dotWords = /** @type {Record<string, string>} */ ({ online: 'online', awake: 'awake', waking: 'waking', off: 'off', unknown: 'unknown' });

/**
 * A machine's tile on the fleet page. `update` changes only what changed (text, the dot, the buttons), so an event
 * about one machine touches one tile.
 * @param {any} m
 */
export function createTile(m) {
  const dot = h('span', { class: 'dot', role: 'img' });
  const power = h('span', { class: 'power' });
  const aliases = h('span', { class: 'aliases' });
  const tags = h('p', { class: 'tags' });
  const os = h('dd');
  const hw = h('dd');
  const seen = h('dd');
  const running = h('dd');
  const waiting = h('dd');
  const buttons = h('div', { class: 'actions' });
  const el = h(
    'article',
    { class: 'tile', role: 'listitem', 'data-machine': m.name, 'aria-label': m.name },
    h('header', {}, dot, h('a', { class: 'name', href: `#/machines/${encodeURIComponent(m.name)}` }, m.name), aliases, power),
    tags,
    h('dl', { class: 'facts' }, h('dt', {}, 'OS'), os, h('dt', {}, 'CPU · RAM · GPU'), hw, h('dt', {}, 'Last seen'), seen, h('dt', {}, 'Tasks'), running, h('dt', {}, 'Approvals'), waiting),
    buttons,
  );
  let buttonsKey = '';

  /**
   * @param {any} machine
   * @param {number} activeTasks
   */
  function update(machine, activeTasks) {
    const state = dotState(machine);
    setAttr(dot, 'data-state', state);
    setAttr(el, 'data-state', state);
    const evidence = machine.powerEvidence ? `${dotWords[state]}: ${machine.powerEvidence}` : dotWords[state] ?? state;
    setAttr(dot, 'title', evidence);
    setAttr(dot, 'aria-label', evidence);
    setText(power, machine.status === 'online' ? 'online' : machine.powerState);
    setText(aliases, machine.aliases.length ? `(${machine.aliases.join(', ')})` : '');
    setText(tags, (machine.capabilities.tags ?? []).map((/** @type {string} */ t) => `#${t}`).join(' '));
    const f = machine.facts;
    setText(os, f ? `${f.os.platform} ${f.os.release} · ${f.arch}` : 'never linked');
    setText(hw, f ? `${f.cpus} CPUs · ${gib(f.memoryBytes)}${f.gpus?.length ? ` · ${f.gpus.map((g) => g.name).join(', ')}` : ''}` : '—');
    setAttr(seen, 'data-at', machine.lastSeen ?? '');
    setText(seen, ago(machine.lastSeen));
    setText(running, activeTasks ? `${activeTasks} active` : 'none');
    const asks = pendingCount(machine.name);
    setText(waiting, asks ? `${asks} waiting` : 'none');
    setAttr(waiting, 'data-waiting', asks ? 'yes' : null);
    const key = `${machine.status}`;
    if (key !== buttonsKey) {
      buttonsKey = key;
      replace(buttons, ...powerButtons(machine));
    }
  }
  update(m, 0);
  return { el, update, refreshAgo: () => setText(seen, ago(seen.getAttribute('data-at') || null)) };
}
