import type { ProgressEvent } from '../../protocol/tasks.js';

/** What one line of agent output becomes: text for the log, and progress events. */
export interface Rendered {
  text: string;
  events: ProgressEvent[];
}

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
 * Turns one line of Claude Code's `--output-format stream-json` into readable text and progress: assistant text,
 * tool use ("▸ Edit src/x.ts"), the session id, and the result with its cost. A line that is not one of its JSON
 * events is passed through as text.
 */
export function renderClaudeLine(line: string): Rendered {
  let msg: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { text: line + '\n', events: [] };
    msg = parsed as Record<string, unknown>;
  } catch {
    return { text: line + '\n', events: [] };
  }
  const events: ProgressEvent[] = [];
  let text = '';
  const sessionId = str(msg.session_id);
  switch (msg.type) {
    case 'system':
      if (msg.subtype === 'init' && sessionId) events.push({ kind: 'session', sessionId });
      break;
    case 'assistant': {
      const content = (msg.message as { content?: unknown } | undefined)?.content;
      for (const part of Array.isArray(content) ? content : []) {
        const p = part as Record<string, unknown>;
        if (p.type === 'text' && str(p.text).trim()) {
          events.push({ kind: 'text', text: str(p.text) });
          text += str(p.text).trimEnd() + '\n';
        } else if (p.type === 'tool_use') {
          const tool = str(p.name) || 'tool';
          const detail = describeTool(tool, (p.input as Record<string, unknown>) ?? {});
          events.push({ kind: 'tool', tool, detail });
          text += `▸ ${tool}${detail ? (tool === 'Bash' ? ': ' : ' ') + detail : ''}\n`;
        }
      }
      break;
    }
    case 'result': {
      const result = str(msg.result);
      const isError = msg.is_error === true || (typeof msg.subtype === 'string' && msg.subtype !== 'success');
      const cost = typeof msg.total_cost_usd === 'number' ? msg.total_cost_usd : undefined;
      const turns = typeof msg.num_turns === 'number' ? msg.num_turns : undefined;
      if (sessionId) events.push({ kind: 'session', sessionId });
      events.push({ kind: 'result', text: result, isError, ...(cost !== undefined ? { costUsd: cost } : {}), ...(turns !== undefined ? { turns } : {}) });
      text += `${isError ? '✗' : '✓'} ${result || (isError ? 'the agent reported an error' : 'done')}\n`;
      break;
    }
    default:
      // user (tool results) and other events: progress enough is already shown
      break;
  }
  return { text, events };
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
