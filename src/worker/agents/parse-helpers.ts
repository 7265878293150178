import type { AgentEvent } from '../../protocol/agent-events.js';

/** A JSON object, or undefined. */
export type Obj = Record<string, unknown>;

/** Parses one line as a JSON object; anything else (text, truncated JSON, an array) is undefined. */
export function jsonObject(raw: string): Obj | undefined {
  const first = raw.charCodeAt(0);
  // Only a line starting with "{" can be one of the formats' events: skip the parse (and its exception) for text.
  if (first !== 123 /* { */) return undefined;
  try {
    const v: unknown = JSON.parse(raw);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
  } catch {
    return undefined;
  }
}

export const obj = (v: unknown): Obj | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined);
export const str = (v: unknown): string => (typeof v === 'string' ? v : '');
export const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);
export const int = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.round(v) : undefined);

/** The first line of a text, at most `max` characters: a summary stays one line. */
export function oneLine(text: string, max = 200): string {
  const nl = text.indexOf('\n');
  const line = nl === -1 ? text : text.slice(0, nl);
  return line.length > max ? line.slice(0, max - 1) + '…' : line;
}

/** Agent text as an event, cut to what the protocol carries. */
export function textEvent(text: string): AgentEvent {
  return { kind: 'text', text: text.length > 100_000 ? text.slice(0, 100_000) : text };
}

/** A line that is not in the agent's format: shown as it is (never a crash, never dropped). */
export function rawLine(raw: string): AgentEvent[] {
  return raw.trim() ? [textEvent(raw)] : [];
}

/** A one-line summary of a tool's input, whatever the agent calls its fields. */
export function inputSummary(input: Obj | undefined): string {
  if (!input) return '';
  const v =
    str(input.command) || str(input.file_path) || str(input.filePath) || str(input.path) || str(input.dir_path) || str(input.pattern) || str(input.url) || str(input.query) || str(input.description);
  return oneLine(v);
}

/** A result's final text, cut to what the protocol carries. */
export function finalText(text: string): string {
  return text.length > 100_000 ? text.slice(-100_000) : text;
}
