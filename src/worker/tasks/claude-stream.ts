import { inertText } from '../../common/inert-text.js';
import type { AgentEvent } from '../../protocol/agent-events.js';
import { jsonObject, oneLine, rawLine, textEvent } from '../agents/parse-helpers.js';

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** A one-line summary of a tool call: "Edit src/x.ts", "Bash: npm test". */
export function describeTool(name: string, input: Record<string, unknown>): string {
  const file = str(input.file_path) || str(input.path) || str(input.notebook_path);
  switch (name) {
    case 'Bash':
      return str(input.command).split('\n')[0]!.slice(0, 200);
    case 'Read':
    case 'Edit':
    case 'MultiEdit':
    case 'Write':
    case 'NotebookEdit':
      return file;
    case 'Grep':
    case 'Glob':
      return str(input.pattern).slice(0, 200);
    case 'WebFetch':
      return str(input.url).slice(0, 200);
    case 'WebSearch':
      return str(input.query).slice(0, 200);
    case 'Task':
      return str(input.description).slice(0, 200);
    default:
      return file || '';
  }
}

/**
 * What a task's lines have said so far about refused tools: each refusal is reported once (by tool-use id), and a
 * refusal a person decided (the tool was `asked` through an approval) is counted but not shown again.
 */
export interface Refusals {
  /** Tool-use ids already reported or counted. */
  seen: Set<string>;
  /** Tool-use ids a person was asked about. */
  asked: Set<string>;
  /** "Bash: touch hello.txt", one per refused tool use: for the task's final message. */
  refused: string[];
  /** What the agent's recent tool uses were (a refusal line names only the tool-use id). */
  tools: Map<string, { name: string; input: unknown }>;
}

/** A fresh record of refusals, for one task. */
export function newRefusals(): Refusals {
  return { seen: new Set(), asked: new Set(), refused: [], tools: new Map() };
}

/** "Bash: touch hello.txt", "Edit src/x.ts": a refused tool use in a line, inert. */
function refusedTool(name: string, input: unknown): string {
  const detail = describeTool(name, (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>);
  return inertText(`${name}${detail ? (name === 'Bash' ? ': ' : ' ') + detail : ''}`, 200, { oneLine: true });
}

/** Records one refusal; returns its event unless it was already reported (or a person decided it). */
function refusal(state: Refusals | undefined, toolUseId: string, tool: string, input: unknown, reason: string): AgentEvent[] {
  const known = state?.tools.get(toolUseId);
  const what = refusedTool(tool, input ?? known?.input);
  if (state) {
    if (toolUseId && state.seen.has(toolUseId)) return [];
    if (toolUseId) state.seen.add(toolUseId);
    state.refused.push(what);
    if (toolUseId && state.asked.has(toolUseId)) return [];
  }
  const why = inertText(reason, 500, { oneLine: true });
  return [{ kind: 'denied', tool: inertText(tool, 100, { oneLine: true }), detail: what, reason: why }];
}

/** The text of a tool_result's content (a string, or text blocks). */
function resultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((b) => str((b as Record<string, unknown>).text)).join('');
}

/**
 * Turns one line of Claude Code's `--output-format stream-json` into events: assistant text, tool use (Edit
 * src/x.ts), failed tool results, the session id, refused tools, usage and the result with its cost. A line that is
 * not one of its JSON events is text. `refusals`, kept per task, makes each refusal show once.
 */
export function parseClaudeLine(line: string, refusals?: Refusals): AgentEvent[] {
  const msg = jsonObject(line);
  if (!msg) return rawLine(line);
  const events: AgentEvent[] = [];
  const sessionId = str(msg.session_id);
  switch (msg.type) {
    case 'system':
      if (msg.subtype === 'init' && sessionId) events.push({ kind: 'session', sessionId, agent: 'claude', ...(str(msg.model) ? { model: str(msg.model).slice(0, 256) } : {}) });
      if (msg.subtype === 'permission_denied') {
        // Refused without asking anyone (its configuration, its mode, or no way to ask): never silent.
        events.push(...refusal(refusals, str(msg.tool_use_id), str(msg.tool_name) || 'tool', msg.tool_input, str(msg.message) || 'not permitted'));
      }
      break;
    case 'assistant': {
      const content = (msg.message as { content?: unknown } | undefined)?.content;
      for (const part of Array.isArray(content) ? content : []) {
        const p = part as Record<string, unknown>;
        if (p.type === 'text' && str(p.text).trim()) {
          events.push(textEvent(str(p.text)));
        } else if (p.type === 'tool_use') {
          const tool = str(p.name) || 'tool';
          const detail = describeTool(tool, (p.input as Record<string, unknown>) ?? {});
          if (refusals && str(p.id)) {
            refusals.tools.set(str(p.id), { name: tool, input: p.input });
            // Only recent ones matter: a refusal or a result comes soon after its tool use.
            if (refusals.tools.size > 200) refusals.tools.delete(refusals.tools.keys().next().value!);
          }
          events.push({ kind: 'tool', tool, detail });
        }
      }
      break;
    }
    case 'user': {
      // Only failures are worth a line: a refusal is reported as one (below, and from the result's denials).
      const content = (msg.message as { content?: unknown } | undefined)?.content;
      for (const part of Array.isArray(content) ? content : []) {
        const p = part as Record<string, unknown>;
        if (p.type !== 'tool_result' || p.is_error !== true) continue;
        const id = str(p.tool_use_id);
        const error = resultText(p.content);
        if (/requested permissions|haven't granted/.test(error)) continue;
        const known = refusals?.tools.get(id);
        const tool = known?.name ?? 'tool';
        events.push({ kind: 'tool_done', tool, detail: known ? describeTool(tool, (known.input as Record<string, unknown>) ?? {}) : '', ok: false, error: oneLine(error, 300) });
      }
      break;
    }
    case 'result': {
      const result = str(msg.result);
      const isError = msg.is_error === true || (typeof msg.subtype === 'string' && msg.subtype !== 'success');
      const cost = typeof msg.total_cost_usd === 'number' && msg.total_cost_usd >= 0 ? msg.total_cost_usd : undefined;
      const turns = typeof msg.num_turns === 'number' && msg.num_turns >= 0 ? Math.round(msg.num_turns) : undefined;
      if (sessionId) events.push({ kind: 'session', sessionId, agent: 'claude' });
      for (const d of Array.isArray(msg.permission_denials) ? (msg.permission_denials as Array<Record<string, unknown>>) : []) {
        events.push(...refusal(refusals, str(d.tool_use_id), str(d.tool_name) || 'tool', d.tool_input, 'the agent was not permitted to use it'));
      }
      const usage = msg.usage as Record<string, unknown> | undefined;
      const inTokens = usage ? [usage.input_tokens, usage.cache_creation_input_tokens, usage.cache_read_input_tokens].reduce<number>((a, v) => a + (typeof v === 'number' ? v : 0), 0) : undefined;
      const outTokens = typeof usage?.output_tokens === 'number' ? usage.output_tokens : undefined;
      if (inTokens !== undefined || cost !== undefined) {
        events.push({ kind: 'usage', ...(inTokens !== undefined ? { inputTokens: inTokens } : {}), ...(outTokens !== undefined ? { outputTokens: outTokens } : {}), ...(cost !== undefined ? { costUsd: cost } : {}) });
      }
      events.push({ kind: 'result', text: result.slice(0, 100_000), isError, ...(cost !== undefined ? { costUsd: cost } : {}), ...(turns !== undefined ? { turns } : {}), ...(sessionId ? { sessionId } : {}) });
      break;
    }
    default:
      // other events (rate limits, retries, partial messages): progress enough is already shown
      break;
  }
  return events;
}

/** Splits a byte stream into lines, keeping the unfinished tail for the next chunk. */
export function createLineSplitter(onLine: (line: string) => void): { push(data: string): void; end(): void } {
  let tail = '';
  return {
    push(data) {
      const parts = (tail + data).split('\n');
      tail = parts.pop() ?? '';
      for (const p of parts) onLine(p.endsWith('\r') ? p.slice(0, -1) : p);
    },
    end() {
      if (tail) onLine(tail);
      tail = '';
    },
  };
}
