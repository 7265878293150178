import { h } from './dom.js';

/**
 * A modal question with a native <dialog> (focus moves into it, Escape cancels). Resolves true when confirmed.
 * @param {string} title
 * @param {string} text
 * @param {string} okLabel
 * @returns {Promise<boolean>}
 */
export function confirmDialog(title, text, okLabel) {
  return new Promise((resolve) => {
    const ok = h('button', { type: 'submit', value: 'ok', class: 'danger' }, okLabel);
    const dialog = h(
      'dialog',
      { class: 'dialog', 'aria-labelledby': 'confirm-title' },
      h('form', { method: 'dialog' }, h('h2', { id: 'confirm-title' }, title), h('p', {}, text), h('div', { class: 'buttons' }, h('button', { type: 'submit', value: 'cancel' }, 'Cancel'), ok)),
    );
    const d = /** @type {HTMLDialogElement} */ (dialog);
    d.addEventListener('close', () => {
      resolve(d.returnValue === 'ok');
      d.remove();
    });
    document.body.append(d);
    d.showModal();
    ok.focus();
  });
}

/**
 * Opens a modal dialog with the given content; returns it (removed from the page when closed).
 * @param {string} title
 * @param {HTMLElement} content
 * @returns {HTMLDialogElement}
 */
export function openDialog(title, content) {
  const id = `dialog-${Math.random().toString(36).slice(2)}`;
  const d = /** @type {HTMLDialogElement} */ (h('dialog', { class: 'dialog', 'aria-labelledby': id }, h('h2', { id }, title), content));
  d.addEventListener('close', () => d.remove());
  document.body.append(d);
  d.showModal();
  return d;
}
