import { newText } from './reply-text.js';

/** `allow 4kq2mf [task|always]`, `approve ...`, `deny 4kq2mf [reason]`, `answer 4kq2mf <choice>`, at the start of a line. */
const ANSWER = /^\s*(allow|approve|deny|answer)\s+([a-z0-9]{4,16})\b[ \t]*(.*)$/i;

/**
 * The answer to an approval a reply mail gives, as a command line of the chat language (`approve 4kq2mf task`), or
 * null. Only the mail's new text counts (the quoted approval mail says `allow 4kq2mf` too), and only its first line
 * with words on it: "allow 4kq2mf" answers; a paragraph that mentions the words later does not.
 */
export function approvalReply(text: string): string | null {
  const first = newText(text)
    .split('\n')
    .find((line) => line.trim() !== '');
  const m = first === undefined ? null : ANSWER.exec(first);
  if (!m) return null;
  const verb = m[1]!.toLowerCase() === 'allow' ? 'approve' : m[1]!.toLowerCase();
  return `${verb} ${m[2]!.toLowerCase()}${m[3]!.trim() ? ` ${m[3]!.trim()}` : ''}`;
}
