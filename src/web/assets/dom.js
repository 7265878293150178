/**
 * Building the page without ever parsing data as HTML: elements are created one by one and every piece of text
 * from the hub (machine names, prompts, agent output) goes in as a text node, so a name like `<img onerror=...>`
 * is shown as written and never becomes an element.
 */

/**
 * Creates an element. `attrs`: `class`, `text` (its text), `on<Event>` listeners, `hidden`/`disabled`/`checked`
 * booleans, anything else as an attribute (set with setAttribute, which never parses markup).
 * Children: nodes, strings (as text), or null/false (skipped).
 * @param {string} tag
 * @param {Record<string, unknown>} [attrs]
 * @param {...(Node|string|number|null|undefined|false)} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = String(value);
    else if (key === 'text') el.textContent = String(value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2).toLowerCase(), /** @type {EventListener} */ (value));
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

/**
 * Appends children (nodes or text) to an element.
 * @param {Element} el
 * @param {Array<Node|string|number|null|undefined|false>} children
 */
export function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

/**
 * Replaces an element's content.
 * @param {Element} el
 * @param {...(Node|string|null|undefined|false)} children
 */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

/**
 * Sets text only when it changed (a tile updated 100 times a second touches the DOM only where it must).
 * @param {Element} el
 * @param {string} text
 */
export function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

/**
 * Sets or removes an attribute only when it changed.
 * @param {Element} el
 * @param {string} name
 * @param {string|null} value
 */
export function setAttr(el, name, value) {
  if (value === null) {
    if (el.hasAttribute(name)) el.removeAttribute(name);
  } else if (el.getAttribute(name) !== value) el.setAttribute(name, value);
}
