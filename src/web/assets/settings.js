import { ApiError, call, get } from './api.js';
import { openDialog } from './dialog.js';
import { h, replace, setText } from './dom.js';
import { notify } from './toasts.js';

/**
 * The fields of the settings dialog: what an operator tells PIA about a machine that its worker cannot tell.
 * `kind` says how the text becomes the API's value.
 */
const fields = [
  { key: 'mac', label: 'MAC address', kind: 'text', hint: 'aa:bb:cc:dd:ee:ff' },
  { key: 'ip', label: 'IP address', kind: 'text', hint: '192.168.1.20' },
  { key: 'secureOn', label: 'SecureOn password', kind: 'text', hint: '4 or 6 bytes, e.g. 00:11:22:33:44:55' },
  { key: 'wolTargets', label: 'Wake targets', kind: 'list', hint: 'host:port, comma-separated (default: computed)' },
  { key: 'sshUser', label: 'SSH user', kind: 'text', hint: '' },
  { key: 'sshHost', label: 'SSH host', kind: 'text', hint: 'when not its IP' },
  { key: 'sshPort', label: 'SSH port', kind: 'number', hint: '22' },
  { key: 'startCommand', label: 'Start command', kind: 'lines', hint: 'one argument per line (default: the OS’s service manager)' },
  { key: 'tags', label: 'Tags', kind: 'list', hint: 'comma-separated, e.g. gpu, lab' },
  { key: 'autoWake', label: 'Wake it when a task is sent while it is off', kind: 'bool', hint: '' },
  { key: 'defaultMode', label: 'Default mode', kind: 'choice', hint: 'for tasks that name none', choices: () => ['', 'plan', 'ask', 'edits', 'full'], none: 'ask (the default)' },
  // The agents its worker found installed (and the current choice, even if it is gone since).
  {
    key: 'defaultAgent',
    label: 'Default agent',
    kind: 'choice',
    hint: 'for tasks that name none',
    choices: (/** @type {any} */ m) => ['', ...new Set([...(m.facts?.agents ?? []).map((/** @type {any} */ a) => a.name), ...(m.capabilities.defaultAgent ? [m.capabilities.defaultAgent] : [])])],
    none: 'the hub’s default',
  },
  { key: 'allowFull', label: 'Allow full mode (never asking; admins only)', kind: 'bool', hint: '' },
];

/**
 * The settings dialog. As the person types, the API checks the values without saving (`?check=1`) and each field
 * shows the API's own message; Save sends them again and the API checks again: one set of rules and words, on the
 * page and on the hub. Nothing is saved while any field is wrong.
 * @param {any} m
 */
export function settingsDialog(m) {
  /** @type {Map<string, {input: HTMLInputElement|HTMLTextAreaElement, error: HTMLElement}>} */
  const inputs = new Map();
  const rows = fields.map((f) => {
    const id = `set-${f.key}`;
    const value = m.capabilities[f.key];
    const input =
      f.kind === 'lines'
        ? /** @type {HTMLTextAreaElement} */ (h('textarea', { id, name: f.key, rows: '3' }))
        : f.kind === 'choice'
          ? /** @type {HTMLInputElement} */ (/** @type {unknown} */ (h('select', { id, name: f.key }, ...(f.choices?.(m) ?? []).map((c) => h('option', { value: c }, c || f.none)))))
          : /** @type {HTMLInputElement} */ (h('input', { id, name: f.key, type: f.kind === 'bool' ? 'checkbox' : 'text', autocomplete: 'off', inputmode: f.kind === 'number' ? 'numeric' : null }));
    if (f.kind === 'bool') /** @type {HTMLInputElement} */ (input).checked = value === true;
    else input.value = value === undefined ? '' : f.kind === 'list' ? value.join(', ') : f.kind === 'lines' ? value.join('\n') : String(value);
    const error = h('p', { class: 'field-error', id: `${id}-error`, role: 'alert' });
    input.setAttribute('aria-describedby', `${id}-error ${id}-hint`);
    inputs.set(f.key, { input, error });
    return h('div', { class: `field${f.kind === 'bool' ? ' check' : ''}` }, h('label', { for: id }, f.label), input, f.hint ? h('p', { class: 'hint', id: `${id}-hint` }, f.hint) : null, error);
  });
  const aliases = /** @type {HTMLInputElement} */ (h('input', { id: 'set-aliases', name: 'aliases', type: 'text', autocomplete: 'off' }));
  aliases.value = m.aliases.join(', ');
  const aliasError = h('p', { class: 'field-error', role: 'alert' });
  const formError = h('p', { class: 'error', role: 'alert' });
  const save = h('button', { type: 'submit' }, 'Save');
  const form = h(
    'form',
    { class: 'settings', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'set-aliases' }, 'Aliases'), aliases, h('p', { class: 'hint' }, 'other names, comma-separated'), aliasError),
    ...rows,
    formError,
    h('div', { class: 'buttons' }, h('button', { type: 'button', class: 'secondary', onclick: () => dialog.close() }, 'Cancel'), save),
  );
  const dialog = openDialog(`Settings of ${m.name}`, form);

  /** The request body: every field, empty ones removed (null). */
  function body() {
    /** @type {Record<string, unknown>} */
    const capabilities = {};
    for (const f of fields) {
      const { input } = inputs.get(f.key) ?? {};
      if (!input) continue;
      const text = input.value.trim();
      if (f.kind === 'bool') capabilities[f.key] = /** @type {HTMLInputElement} */ (input).checked;
      else if (!text) capabilities[f.key] = null;
      else if (f.kind === 'list') capabilities[f.key] = text.split(/[,\s]+/).filter(Boolean);
      else if (f.kind === 'lines') capabilities[f.key] = input.value.split('\n').map((l) => l.trim()).filter(Boolean);
      else if (f.kind === 'number') capabilities[f.key] = /^\d+$/.test(text) ? Number(text) : text;
      else capabilities[f.key] = text;
    }
    return { capabilities, aliases: aliases.value.split(/[,\s]+/).filter(Boolean) };
  }

  /** Shows the API's messages under their fields; returns whether all were right. */
  function show(/** @type {unknown} */ err) {
    for (const { error } of inputs.values()) setText(error, '');
    setText(aliasError, '');
    setText(formError, '');
    if (!err) return true;
    if (err instanceof ApiError && Object.keys(err.fields).length) {
      for (const [path, message] of Object.entries(err.fields)) {
        const key = path.replace(/^capabilities\./, '').split('.')[0] ?? '';
        if (key === 'aliases') setText(aliasError, message);
        else if (inputs.has(key)) setText(/** @type {any} */ (inputs.get(key)).error, message);
        else setText(formError, message);
      }
    } else setText(formError, err instanceof Error ? err.message : String(err));
    return false;
  }

  const path = `/api/machines/${encodeURIComponent(m.name)}`;
  let timer = 0;
  let checking = 0;
  form.addEventListener('input', () => {
    clearTimeout(timer);
    timer = window.setTimeout(async () => {
      const mine = ++checking;
      let err = null;
      try {
        await call('PATCH', `${path}?check=1`, body());
      } catch (e) {
        err = e;
      }
      if (mine === checking) show(err);
    }, 250);
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearTimeout(timer);
    checking++;
    try {
      await call('PATCH', path, body());
    } catch (err) {
      show(err);
      return;
    }
    dialog.close();
    notify(`Saved the settings of ${m.name}.`);
  });
}

/**
 * Trust: the hub connects to the machine's SSH server, shows the host key's fingerprint, and pins it only when the
 * person says it is the right one.
 * @param {string} name
 */
export function trustDialog(name) {
  const body = h('div', {}, h('p', { class: 'muted' }, 'Asking the machine’s SSH server for its host key…'));
  const dialog = openDialog(`Trust ${name}'s host key`, body);
  get(`/api/machines/${encodeURIComponent(name)}/host-key`).then(
    (key) => {
      const trust = h('button', { type: 'submit' }, 'Trust this key');
      const error = h('p', { class: 'error', role: 'alert' });
      const form = h(
        'form',
        {},
        h('p', {}, `${key.host}:${key.port} presents this key:`),
        h('p', {}, h('code', { class: 'fingerprint' }, key.fingerprint)),
        h('p', {}, key.pinned ? (key.pinned === key.fingerprint ? 'It is the key already pinned.' : `It differs from the pinned key ${key.pinned}.`) : 'No key is pinned yet.'),
        h('p', { class: 'hint' }, 'Compare it with the machine’s own (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub) before you trust it.'),
        error,
        h('div', { class: 'buttons' }, h('button', { type: 'button', class: 'secondary', onclick: () => dialog.close() }, 'Cancel'), trust),
      );
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        try {
          await call('POST', `/api/machines/${encodeURIComponent(name)}/trust`, { fingerprint: key.fingerprint });
          dialog.close();
          notify(`Pinned ${name}'s host key.`);
        } catch (err) {
          setText(error, err instanceof Error ? err.message : String(err));
        }
      });
      replace(body, form);
    },
    (err) => replace(body, h('p', { class: 'error', role: 'alert' }, err.message), h('div', { class: 'buttons' }, h('button', { type: 'button', onclick: () => dialog.close() }, 'Close'))),
  );
}
