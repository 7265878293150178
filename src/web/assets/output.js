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
 * of stored output, is shown once), stdout and stderr with their colours, the worker's steps as lines.
 *
 * Chunks are drawn once a frame, neighbours of the same stream converted together; and the text goes into blocks of
 * a few hundred lines (a new block only after a whole line), which the browser lays out and paints only when seen
 * (`content-visibility`). One long run of text would be laid out again whole with every chunk: an hour of output
 * would make each new line cost seconds.
 * @param {HTMLElement} panel
 * @param {number} [maxChars] characters kept on the page (the full log is a download away)
 */
export function createOutput(panel, maxChars = 2_000_000) {
  const ansi = newAnsi();
  let nextSeq = 1;
  let chars = 0;
  /** @type {Map<number, any>} */
  const early = new Map();
  /** @type {Array<{seq: number, stream: string, data: string}>} */
  let queue = [];
  let drawQueued = false;
  let block = /** @type {HTMLElement|null} */ (null);
  let blockChars = 0;
  let endsWithLine = true;
  // Follow the end while the reader is there. Whether they are is learnt from their scrolling, never by measuring the
  // layout after each chunk (that forces a layout per chunk: thousands of chunks would freeze the page).
  let atEnd = true;
  panel.addEventListener('scroll', () => {
    atEnd = panel.scrollHeight - panel.scrollTop - panel.clientHeight < 40;
  });

  /** The block new text goes into: a new one once this one is full and ends with a whole line. */
  function target() {
    if (!block || (blockChars > BLOCK_CHARS && endsWithLine)) {
      block = h('div', { class: 'block' });
      panel.append(block);
      blockChars = 0;
    }
    return block;
  }

  function draw() {
    drawQueued = false;
    const chunks = queue;
    queue = [];
    for (let i = 0; i < chunks.length; ) {
      const chunk = chunks[i];
      if (chunk.stream === 'event') {
        i++;
        let event;
        try {
          event = JSON.parse(chunk.data);
        } catch {
          continue;
        }
        // The agent's text, tool use and result are in its stdout already (as chat shows them); the worker's own
        // steps (cloning, checked out, finished) are only events.
        const line = event?.kind === 'step' ? eventLine(event) : null;
        if (line) {
          if (!endsWithLine) target().append('\n');
          target().append(line);
          endsWithLine = true;
        }
        continue;
      }
      let text = '';
      const stream = chunk.stream;
      for (; i < chunks.length && chunks[i].stream === stream; i++) text += chunks[i].data;
      const frag = ansiNodes(ansi, text);
      target().append(stream === 'stderr' ? h('span', { class: 'stderr' }, frag) : frag);
      blockChars += text.length;
      chars += text.length;
      endsWithLine = text.endsWith('\n');
    }
    while (chars > maxChars && panel.firstChild && panel.firstChild !== block) {
      chars -= panel.firstChild.textContent?.length ?? 0;
      panel.firstChild.remove();
    }
    if (atEnd) panel.scrollTop = panel.scrollHeight;
  }

  /** @param {{seq: number, stream: string, data: string}} chunk */
  function push(chunk) {
    queue.push(chunk);
    nextSeq++;
    if (drawQueued) return;
    drawQueued = true;
    requestAnimationFrame(draw);
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
      push(chunk);
      for (let c = early.get(nextSeq); c; c = early.get(nextSeq)) {
        early.delete(nextSeq);
        push(c);
      }
      return true;
    },
  };
}

/** Characters of text in one block of an output panel. */
const BLOCK_CHARS = 16_000;
