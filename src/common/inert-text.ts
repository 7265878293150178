/**
 * Text that came from an agent (a tool's input: a command line, a file's content) on its way to a person. It may
 * hold anything: terminal escapes, carriage returns that overwrite what came before, right-to-left overrides that
 * show a command other than the one run, a megabyte on one line. What a person reads must be what it is.
 */

/** C0 controls (but tab and newline), DEL and C1 controls: matching them is the point. */
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
/** Bidirectional overrides and isolates, zero-width and other invisible format characters. */
const INVISIBLE = /[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]/g;

/** A control character as its visible picture (U+2400 block) or code, so `\x1b[2J` reads as "␛[2J". */
function picture(char: string): string {
  const code = char.charCodeAt(0);
  if (code < 0x20) return String.fromCharCode(0x2400 + code);
  if (code === 0x7f) return '\u2421';
  return `<U+${code.toString(16).toUpperCase().padStart(4, '0')}>`;
}

/**
 * Makes text inert and short: controls shown as pictures, invisible characters as `<U+XXXX>`, at most `max` characters
 * (cut on a whole code point, with "…" and how much was left out). With `oneLine`, line breaks and tabs show as "⏎"
 * and "⇥" (a summary must stay one line: a newline in a command is part of the command).
 */
export function inertText(text: string, max: number, opts: { oneLine?: boolean } = {}): string {
  // Cut first: a 1 MB command is not worth escaping whole.
  let cut = '';
  let dropped = 0;
  if (text.length > max * 2 + 16) {
    dropped = text.length - max * 2;
    text = text.slice(0, max * 2);
  }
  let out = text.replace(CONTROLS, picture).replace(INVISIBLE, (c) => `<U+${c.charCodeAt(0).toString(16).toUpperCase()}>`);
  if (opts.oneLine) out = out.replace(/\r?\n/g, '⏎').replace(/\t/g, '⇥');
  const points = Array.from(out);
  if (points.length > max || dropped > 0) {
    const kept = points.slice(0, Math.max(0, max - 1)).join('');
    const more = points.length - Math.max(0, max - 1) + dropped;
    cut = `${kept}… (${more} more characters)`;
    return cut;
  }
  return out;
}
