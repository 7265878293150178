import { h, replace, setText } from './dom.js';
import { active, dotState, machines, ready, watch } from './store.js';
import { createTile } from './tile.js';
import { pendingCount } from './approvals-store.js';

/**
 * The fleet page: a tile per machine, filtered by status and tag and searched by name, alias, tag, host or OS.
 * Events change one tile at a time; nothing is polled (only the "last seen" words are refreshed every 30 s).
 * @param {HTMLElement} view
 * @returns {() => void} cleanup
 */
export function fleetView(view) {
  const search = /** @type {HTMLInputElement} */ (h('input', { type: 'search', id: 'fleet-search', placeholder: 'name, alias, tag, host, OS', autocomplete: 'off' }));
  const status = /** @type {HTMLSelectElement} */ (
    h(
      'select',
      { id: 'fleet-status' },
      ...[
        ['', 'any status'],
        ['online', 'online'],
        ['awake', 'awake'],
        ['waking', 'waking / booting'],
        ['off', 'off'],
        ['unknown', 'unknown'],
        ['busy', 'running tasks'],
        ['asking', 'waiting for approval'],
      ].map(([value, label]) => h('option', { value }, label)),
    )
  );
  const tag = /** @type {HTMLSelectElement} */ (h('select', { id: 'fleet-tag' }, h('option', { value: '' }, 'any tag')));
  const counts = h('p', { class: 'counts', 'aria-live': 'polite' });
  const grid = h('div', { class: 'grid', role: 'list', 'aria-label': 'Machines' });
  replace(
    view,
    h('h1', {}, 'Fleet'),
    h(
      'div',
      { class: 'toolbar', role: 'search' },
      h('label', { for: 'fleet-search' }, 'Search'),
      search,
      h('label', { for: 'fleet-status' }, 'Status'),
      status,
      h('label', { for: 'fleet-tag' }, 'Tag'),
      tag,
    ),
    counts,
    grid,
  );

  /** @type {Map<string, ReturnType<typeof createTile>>} */
  const tiles = new Map();
  const knownTags = new Set();

  /** @param {any} m */
  function matches(m) {
    const q = search.value.trim().toLowerCase();
    if (q) {
      const hay = [m.name, ...m.aliases, ...(m.capabilities.tags ?? []), m.facts?.hostname ?? '', m.facts?.os.platform ?? '', ...(m.facts?.gpus ?? []).map((g) => g.name)].join(' ').toLowerCase();
      if (!q.split(/\s+/).every((w) => hay.includes(w))) return false;
    }
    if (status.value === 'busy') {
      if (!active.get(m.name)?.size) return false;
    } else if (status.value === 'asking') {
      if (!pendingCount(m.name)) return false;
    } else if (status.value && dotState(m) !== status.value) return false;
    return !tag.value || (m.capabilities.tags ?? []).includes(tag.value);
  }

  /** @param {any} m */
  function addTags(m) {
    for (const t of m.capabilities.tags ?? []) {
      if (knownTags.has(t)) continue;
      knownTags.add(t);
      const options = [...knownTags].sort();
      replace(tag, h('option', { value: '' }, 'any tag'), ...options.map((o) => h('option', { value: o }, o)));
    }
  }

  let countsQueued = false;
  function showCounts() {
    if (countsQueued) return;
    countsQueued = true;
    requestAnimationFrame(() => {
      countsQueued = false;
      let online = 0;
      let shown = 0;
      for (const m of machines.values()) if (m.status === 'online') online++;
      for (const t of tiles.values()) if (!t.el.hidden) shown++;
      setText(counts, `${shown} of ${machines.size} machine(s) shown · ${online} online`);
    });
  }

  /** @param {string} name */
  function updateOne(name) {
    const m = machines.get(name);
    let tile = tiles.get(name);
    if (!m) {
      tile?.el.remove();
      tiles.delete(name);
    } else {
      if (!tile) {
        tile = createTile(m);
        tiles.set(name, tile);
        const after = [...grid.children].find((el) => (/** @type {HTMLElement} */ (el).dataset.machine ?? '') > name);
        grid.insertBefore(tile.el, after ?? null);
      }
      tile.update(m, active.get(name)?.size ?? 0);
      tile.el.hidden = !matches(m);
      addTags(m);
    }
    showCounts();
  }

  function renderAll() {
    const names = [...machines.keys()].sort();
    for (const [name, tile] of tiles) {
      if (machines.has(name)) continue;
      tile.el.remove();
      tiles.delete(name);
    }
    const frag = document.createDocumentFragment();
    for (const name of names) {
      const m = machines.get(name);
      let tile = tiles.get(name);
      if (!tile) tiles.set(name, (tile = createTile(m)));
      tile.update(m, active.get(name)?.size ?? 0);
      tile.el.hidden = !matches(m);
      addTags(m);
      frag.append(tile.el);
    }
    grid.replaceChildren(frag);
    if (names.length === 0) grid.append(h('p', { class: 'muted' }, 'No machines yet: pia machines add <name> registers one.'));
    showCounts();
  }

  const refilter = () => {
    for (const [name, tile] of tiles) tile.el.hidden = !matches(machines.get(name));
    showCounts();
  };
  search.addEventListener('input', refilter);
  status.addEventListener('change', refilter);
  tag.addEventListener('change', refilter);

  const unwatch = watch((name) => (name === null ? renderAll() : updateOne(name)));
  void ready().then(renderAll);
  const timer = setInterval(() => {
    for (const t of tiles.values()) if (!t.el.hidden) t.refreshAgo();
  }, 30_000);
  return () => {
    unwatch();
    clearInterval(timer);
  };
}
