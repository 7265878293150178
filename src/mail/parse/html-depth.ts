/** Elements that never hold content, so a start tag does not open a level. */
const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr']);

/**
 * Elements a sibling closes implicitly (`<li>` after `<li>`, `<td>` after `<td>`), so an unclosed run of them does not
 * nest. Sloppy but common in mail; leaving them out keeps such mail convertible.
 */
const IMPLIED_END = new Set(['p', 'li', 'dt', 'dd', 'option', 'optgroup', 'tr', 'td', 'th', 'thead', 'tbody', 'tfoot', 'rt', 'rp']);

const NAME_CHAR = /[A-Za-z0-9:_-]/;

/**
 * Whether `html` nests elements deeper than `maxDepth`, in one linear pass that follows what the HTML parser builds: a
 * start tag opens an element, an end tag closes down to the nearest open element of its name (and is ignored when
 * there is none). htmlparser2 is quadratic in the nesting depth and html-to-text recursive, so a hostile mail of a
 * few hundred thousand nested tags would hold the process for seconds, or overflow the stack, without this check.
 * (mailparser runs the same check before its own conversion, which PIA skips.)
 */
export function nestsDeeperThan(html: string, maxDepth: number): boolean {
  const stack: string[] = [];
  const open = new Map<string, number>();
  // indexOf and a forward scan only: a regex over unterminated tags or comments would itself be quadratic.
  for (let i = html.indexOf('<'); i >= 0; ) {
    let pos = i + 1;
    if (html.startsWith('!--', pos)) {
      const end = html.indexOf('-->', pos + 3);
      i = end < 0 ? -1 : html.indexOf('<', end + 3);
      continue;
    }
    const closing = html[pos] === '/';
    if (closing) pos++;
    const nameStart = pos;
    while (pos < html.length && NAME_CHAR.test(html[pos]!)) pos++;
    const end = pos === nameStart ? pos : html.indexOf('>', pos);
    if (end < 0) break;
    const name = html.slice(nameStart, pos).toLowerCase();
    if (name !== '' && !VOID.has(name) && !IMPLIED_END.has(name)) {
      if (!closing) {
        stack.push(name);
        open.set(name, (open.get(name) ?? 0) + 1);
        if (stack.length > maxDepth) return true;
      } else if (open.get(name)) {
        let popped: string | undefined;
        do {
          popped = stack.pop();
          if (popped !== undefined) open.set(popped, (open.get(popped) ?? 1) - 1);
        } while (popped !== undefined && popped !== name);
      }
    }
    i = html.indexOf('<', name === '' ? pos : end + 1);
  }
  return false;
}
