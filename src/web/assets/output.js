import { AnsiUp } from '/assets/vendor/ansi_up.js';
import { h } from './dom.js';

/** Classes ansi_up uses for the 16 standard colours; nothing else is copied from its output. */
const ansiClass = /^ansi-(?:bright-)?(?:black|red|green|yellow|blue|magenta|cyan|white)-(?:fg|bg)$/;
/** Style properties ansi_up sets for 256-colour and true-colour text, bold, faint, italic and underline. */
const styleProps = ['color', 'background-color', 'font-weight', 'opacity', 'font-style', 'text-decoration'];
const parser = new DOMParser();

/**
 * Turns agent output with ANSI escapes into inert nodes: ansi_up escapes the text and marks colours, its HTML is
 * parsed in a detached document (no script runs, nothing loads there), and only text and coloured spans are rebuilt
 * on the page: classes from a fixed list, colours set through the style object (which a strict CSP allows), links
 * turned into plain text. Whatever the output holds, it ends up as text.
 * @param {AnsiUp} ansi the stream's converter (colours carry over from one chunk to the next)
 * @param {string} text
 * @returns {DocumentFragment}
 */
export function ansiNodes(ansi, text) {
  const doc = parser.parseFromString(`<!doctype html><body>${ansi.ansi_to_html(text)}</body>`, 'text/html');
  const out = document.createDocumentFragment();
  for (const node of doc.body.childNodes) copy(node, out);
  return out;
}

/**
 * @param {ChildNode} node
 * @param {Node} into
 */
function copy(node, into) {
  if (node.nodeType === Node.TEXT_NODE) {
    into.appendChild(document.createTextNode(node.textContent ?? ''));
    return;
  }
  if (!(node instanceof Element)) return;
  if (node.tagName !== 'SPAN') {
    into.appendChild(document.createTextNode(node.textContent ?? ''));
    return;
  }
  const span = document.createElement('span');
  for (const c of node.classList) if (ansiClass.test(c)) span.classList.add(c);
  const style = /** @type {HTMLElement} */ (node).style;
  for (const prop of styleProps) {
    const value = style.getPropertyValue(prop);
    if (value) span.style.setProperty(prop, value);
  }
  for (const child of node.childNodes) copy(child, span);
  into.appendChild(span);
}

/** A new converter for one task's output. */
export function newAnsi() {
  const ansi = new AnsiUp();
  ansi.use_classes = true;
  ansi.url_allowlist = {};
  return ansi;
}

/**
 * One progress event of a task (a step, the agent's text, a tool it used, the result), as chat shows it.
 * @param {any} event
 * @returns {HTMLElement|null}
 */
export function eventLine(event) {
  switch (event?.kind) {
    case 'step':
      return h('div', { class: 'ev step' }, `▸ ${event.message}`);
    case 'text':
      return h('div', { class: 'ev text' }, event.text);
    case 'tool':
      return h('div', { class: 'ev tool' }, `▸ ${event.tool}${event.detail ? `: ${event.detail}` : ''}`);
    case 'result':
      return h('div', { class: `ev result${event.isError ? ' error' : ''}` }, `${event.isError ? '✖' : '✔'} ${event.text}${typeof event.costUsd === 'number' ? ` ($${event.costUsd.toFixed(4)})` : ''}`);
    case 'session':
      return null;
    default:
      return null;
  }
}


/**
 * A live output panel: chunks in order by seq (a chunk that arrives twice, from the event stream and from a page
 * of stored output, is shown once), stdout and stderr with their colours, events as lines.
 * @param {HTMLElement} pre
 * @param {number} [maxChars] characters kept on the page (the full log is a download away)
 */
export function createOutput(pre, maxChars = 2_000_000) {
  const ansi = newAnsi();
  let nextSeq = 1;
  let chars = 0;
  /** @type {Map<number, any>} */
  const early = new Map();
  // Follow the end while the reader is there. Whether they are is learnt from their scrolling, never by measuring the
  // layout after each chunk (that forces a layout per chunk: thousands of chunks would freeze the page).
  let atEnd = true;
  let scrollQueued = false;
  pre.addEventListener('scroll', () => {
    atEnd = pre.scrollHeight - pre.scrollTop - pre.clientHeight < 40;
  });
  function followEnd() {
    if (!atEnd || scrollQueued) return;
    scrollQueued = true;
    requestAnimationFrame(() => {
      scrollQueued = false;
      pre.scrollTop = pre.scrollHeight;
    });
  }

  /** @param {{seq: number, stream: string, data: string}} chunk */
  function render(chunk) {
    if (chunk.stream === 'event') {
      let event;
      try {
        event = JSON.parse(chunk.data);
      } catch {
        return;
      }
      // The agent's text, tool use and result are in its stdout already (as chat shows them); the worker's own
      // steps (cloning, checked out, finished) are only events.
      const line = event?.kind === 'step' ? eventLine(event) : null;
      if (line) pre.append(line);
    } else {
      const frag = ansiNodes(ansi, chunk.data);
      if (chunk.stream === 'stderr') pre.append(h('span', { class: 'stderr' }, frag));
      else pre.append(frag);
    }
    chars += chunk.data.length;
    while (chars > maxChars && pre.firstChild) {
      chars -= pre.firstChild.textContent?.length ?? 0;
      pre.firstChild.remove();
    }
  }

  return {
    get nextSeq() {
      return nextSeq;
    },
    /**
     * Adds a chunk; returns false when a chunk before it is still missing (the caller fetches the gap).
     * @param {{seq: number, stream: string, data: string}} chunk
     */
    add(chunk) {
      if (chunk.seq < nextSeq) return true;
      if (chunk.seq > nextSeq) {
        early.set(chunk.seq, chunk);
        return false;
      }
      render(chunk);
      nextSeq++;
      for (let c = early.get(nextSeq); c; c = early.get(nextSeq)) {
        early.delete(nextSeq);
        render(c);
        nextSeq++;
      }
      followEnd();
      return true;
    },
  };
}
