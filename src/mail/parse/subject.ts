import { parseCommand } from '../../commands/parse.js';
import { definitionOf } from '../../commands/definitions.js';
import type { CommandName } from '../../commands/command.js';

/** One reply/forward marker ("Re:", "Fwd:", "AW:", "WG:", "Re[2]:", ...) or one "[tag]", at the start. */
const SUBJECT_PREFIX = /^\s*(?:(?:re|fwd?|aw|wg|sv|vs|antw)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]|\[[^\]]*\])\s*/i;

/** What the chat prefix looks like; `parseCommand` drops it, and so must the word count here. */
const PIA_PREFIX = /^\s*(?:\/pia|@pia|pia)(?=\s|$)/i;

/**
 * Commands a subject line may be on its own. Not `run`, `deploy` and `sh`: their free text (a prompt, a shell
 * command) belongs in the body, where it is read whole.
 */
const SUBJECT_COMMANDS: ReadonlySet<CommandName> = new Set([
  'help', 'status', 'machines', 'wake', 'bootstrap', 'power', 'sleep', 'shutdown', 'restart', 'tasks', 'logs', 'cancel', 'whoami',
]);

/** Commands that take one machine; mailed to a machine without one, they mean that machine. */
const MACHINE_COMMANDS: ReadonlySet<string> = new Set(['wake', 'bootstrap', 'power', 'sleep', 'shutdown', 'restart']);

/** A subject without its reply/forward markers and `[tags]`, trimmed. Empty when that was all it had. */
export function cleanSubject(subject: string): string {
  let s = subject.replace(/\s+/g, ' ');
  for (let before = ''; before !== s; ) {
    before = s;
    s = s.replace(SUBJECT_PREFIX, '');
  }
  return s.trim();
}

/** Whether the subject started with a reply or forward marker (tags aside). */
export function isReplySubject(subject: string): boolean {
  return /^\s*(?:\[[^\]]*\]\s*)*(?:re|fwd?|aw|wg|sv|vs|antw)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]/i.test(subject);
}

/**
 * The command a cleaned subject is by itself, or null. A bare machine command (`wake`, `restart`, ...) comes back as
 * just that word, lowercased: the caller adds the machine the mail was sent to. A subject naming a machine (`wake
 * m3`, `status m2`) comes back as written. `help` counts only bare or with a command name as topic, since the
 * grammar would read "Help me fix the login test" as help on "me".
 */
export function subjectCommand(subject: string): string | null {
  const words = subject.replace(PIA_PREFIX, '').trim().split(/\s+/).filter(Boolean);
  const first = words[0]?.toLowerCase();
  if (first === undefined) return null;
  if (words.length === 1 && MACHINE_COMMANDS.has(first)) return first;
  const parsed = parseCommand(subject);
  if (!parsed.ok || !SUBJECT_COMMANDS.has(parsed.command.name)) return null;
  if (parsed.command.name === 'help') {
    const topic = parsed.command.topic;
    if (words.length > 2 || (topic !== undefined && !definitionOf.has(topic as CommandName))) return null;
  }
  return subject;
}
