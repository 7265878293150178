/** A line that opens or closes a Markdown code fence (``` or ~~~, indented at most three spaces). */
const FENCE = /^ {0,3}(?:```|~~~)/;

/** Splits mail text into lines, whatever line endings it came with. */
export function splitLines(text: string): string[] {
  return text.replace(/\r\n?/g, '\n').split('\n');
}

/**
 * Which lines are inside a code fence, fence lines included. Such lines are code the sender pasted, so no reply or
 * signature rule looks at them (a `> ` or `-- ` there is shell or diff, not a quote). An unclosed fence runs to the
 * end, which errs towards keeping text.
 */
export function fencedLines(lines: readonly string[]): boolean[] {
  let open = false;
  return lines.map((line) => {
    if (FENCE.test(line)) {
      open = !open;
      return true;
    }
    return open;
  });
}

/** True for an empty or whitespace-only line. */
export function isBlank(line: string): boolean {
  return line.trim() === '';
}

/**
 * Joins kept lines back into text: leading and trailing blank lines go, and a run of blank lines outside code fences
 * becomes one (cutting a quote out of the middle leaves such runs). Inside fences every line stays as it was.
 */
export function joinTidy(lines: readonly string[], fenced: readonly boolean[]): string {
  const out: string[] = [];
  lines.forEach((line, i) => {
    if (!fenced[i] && isBlank(line)) {
      if (out.length > 0 && out[out.length - 1] !== '') out.push('');
      return;
    }
    out.push(line);
  });
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out.join('\n');
}
