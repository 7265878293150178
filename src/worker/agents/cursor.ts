import type { AgentEvent } from '../../protocol/agent-events.js';
import type { TaskMode } from '../../protocol/tasks.js';
import type { AgentAdapter, AgentParser } from './adapter.js';
import { finalText, inputSummary, jsonObject, obj, oneLine, rawLine, str, textEvent, type Obj } from './parse-helpers.js';

/** Print mode cannot stop to ask (what needs approval is rejected), so no `ask`. */
const modeFlags: Partial<Record<TaskMode, string[]>> = { plan: ['--mode=plan'], edits: [], full: ['--force'] };

/** The one key of a tool call (`shellToolCall`, `function`) and its body. */
function callOf(toolCall: Obj | undefined): { tool: string; body: Obj | undefined } {
  for (const key in toolCall ?? {}) {
    const body = obj(toolCall![key]);
    if (key === 'function') return { tool: oneLine(str(body?.name) || 'function', 100), body };
    return { tool: key.endsWith('ToolCall') ? key.slice(0, -'ToolCall'.length) : key, body };
  }
  return { tool: 'tool', body: undefined };
}

function parser(agent: string): AgentParser {
  let sessionId: string | undefined;
  let done = false;

  return {
    line(raw) {
      const msg = jsonObject(raw);
      if (!msg) return rawLine(raw);
      sessionId = str(msg.session_id) || sessionId;
      switch (str(msg.type)) {
        case 'system':
          return msg.subtype === 'init' && sessionId ? [{ kind: 'session', sessionId, agent, ...(str(msg.model) ? { model: oneLine(str(msg.model), 256) } : {}) }] : [];
        case 'assistant': {
          const content = obj(msg.message)?.content;
          const text = Array.isArray(content) ? content.map((c) => str(obj(c)?.text)).join('') : '';
          return text.trim() ? [textEvent(text)] : [];
        }
        case 'tool_call': {
          const { tool, body } = callOf(obj(msg.tool_call));
          const detail = inputSummary(obj(body?.args));
          if (msg.subtype === 'started') return [{ kind: 'tool', tool, detail }];
          if (msg.subtype !== 'completed') return [];
          const result = obj(body?.result);
          const success = obj(result?.success);
          const exit = success?.exitCode;
          const ok = success !== undefined && (typeof exit !== 'number' || exit === 0);
          let error: string | undefined;
          if (!ok) {
            const other = result ? obj(Object.values(result)[0]) : undefined;
            error = typeof exit === 'number' ? `exit ${exit}` : str(other?.error) || str(other?.message) || (result ? Object.keys(result)[0] : undefined) || 'failed';
          }
          const events: AgentEvent[] = [{ kind: 'tool_done', tool, detail, ok, ...(error ? { error: oneLine(error, 300) } : {}) }];
          return events;
        }
        case 'result': {
          done = true;
          const isError = msg.is_error === true || (typeof msg.subtype === 'string' && msg.subtype !== 'success');
          return [{ kind: 'result', text: finalText(str(msg.result) || (isError ? 'Cursor reported an error.' : '')), isError, ...(sessionId ? { sessionId } : {}) }];
        }
        default:
          return []; // the prompt echoed, thinking
      }
    },
    end() {
      // On failure Cursor prints no result, only its reason on stderr.
      return done ? [] : [{ kind: 'result', text: 'Cursor ended without a result.', isError: true, ...(sessionId ? { sessionId } : {}) }];
    },
  };
}

/**
 * Cursor CLI: `cursor-agent -p --output-format stream-json -- <p>` (newer installs name it `agent`): system/init,
 * assistant, tool_call started/completed, result. Continued with `--resume=<chat id>`. `--force` lets it run
 * everything (full); without it, edits in the workspace run and what needs approval is rejected (edits). No tokens
 * or cost are reported.
 */
export const cursorAdapter: AgentAdapter = {
  name: 'cursor',
  modes: ['plan', 'edits', 'full'],
  argv(run) {
    return [run.program, '-p', '--output-format', 'stream-json', ...(modeFlags[run.mode] ?? []), ...(run.session ? [`--resume=${run.session}`] : []), '--', run.prompt];
  },
  parser: (ctx) => parser(ctx.agent),
};
