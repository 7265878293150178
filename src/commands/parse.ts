import { allows, type Role } from './roles.js';
import { closestNames } from '../common/suggest.js';
import type { Command } from './command.js';
import { definitionOf, definitions, UsageError } from './definitions.js';
import { tokenize } from './tokenize.js';

/** The longest command line accepted (a long prompt fits; a paste of a whole file does not). */
export const MAX_COMMAND_LENGTH = 100_000;

/** A parse: the command, or an error for the person who typed it (with "did you mean" and the usage). */
export type Parsed = { ok: true; command: Command } | { ok: false; error: string; usage?: string; suggestion?: string; missing?: 'machine' };

/**
 * Reads a command line: `wake m2`, `/pia run m2 "fix the test"`, `@pia deploy <url> m2,m3 go`. A leading `/pia`,
 * `pia` or `@pia` is dropped. Nothing is ever evaluated: quotes only group words.
 */
export function parseCommand(input: string): Parsed {
  let text = input.replace(/\r\n?/g, '\n');
  if (text.length > MAX_COMMAND_LENGTH) return { ok: false, error: `That is ${text.length} characters; a command may have at most ${MAX_COMMAND_LENGTH}.` };
  text = text.replace(/^\s*(?:\/pia|@pia|pia)(?=\s|$)/i, '');
  const tokens = tokenize(text);
  if (tokens.length === 0) return { ok: false, error: 'Say a command, e.g. `status` or `help`.' };
  const word = tokens[0]!.value.toLowerCase();
  const def = definitionOf.get(word as Command['name']);
  if (!def) {
    const near = closestNames(word, definitions.map((d) => d.name), 1);
    return {
      ok: false,
      error: `Unknown command "${tokens[0]!.value.slice(0, 40)}".${near.length ? ` Did you mean \`${near[0]}\`?` : ' Try `help`.'}`,
      ...(near[0] ? { suggestion: near[0] } : {}),
    };
  }
  // The arguments are read against the text after the command word, so a prompt keeps its exact spacing.
  const rest = text.slice(tokens[0]!.end);
  try {
    return { ok: true, command: def.parse(tokenize(rest), rest) };
  } catch (err) {
    if (err instanceof UsageError) return { ok: false, error: err.message, ...(err.usage ? { usage: err.usage } : {}), ...(err.missing ? { missing: err.missing } : {}) };
    throw err;
  }
}

/** Help generated from the definitions, listing only what `role` may do; with a topic, that command in detail. */
export function helpText(role: Role | undefined, topic?: string): string {
  const allowed = definitions.filter((d) => allows(role, d.role));
  if (topic) {
    const d = definitionOf.get(topic as Command['name']);
    if (!d) return `No command "${topic.slice(0, 40)}". ${allowed.length ? `Try: ${allowed.map((a) => a.name).join(', ')}` : ''}`.trim();
    const note = allows(role, d.role) ? '' : ` (needs the ${d.role} role)`;
    return `\`${d.usage}\`: ${d.summary}${note}\nExamples:\n${d.examples.map((e) => `  ${e}`).join('\n')}`;
  }
  if (allowed.length === 0) return 'You have no role in this PIA yet; ask an admin to add you (pia users add <identity> viewer|operator|admin).';
  const width = Math.max(...allowed.map((d) => d.usage.length));
  return [
    'Commands (machines by name or alias, `all`, `tag:<tag>`, or `any[<labels>]` to let the fleet pick, e.g. `run any[gpu] ...`):',
    ...allowed.map((d) => `  ${d.usage.padEnd(width)}  ${d.summary}`),
  ].join('\n');
}
