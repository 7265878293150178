import type { AgentEvent } from '../../protocol/agent-events.js';
import type { TaskMode } from '../../protocol/tasks.js';
import type { AgentAdapter, AgentParser } from './adapter.js';
import { finalText, inputSummary, int, jsonObject, obj, oneLine, rawLine, str, textEvent } from './parse-helpers.js';

/** Headless Gemini turns "ask" into "deny" (the tools are removed), so no `ask`. */
const approvalMode: Partial<Record<TaskMode, string>> = { plan: 'plan', edits: 'auto_edit', full: 'yolo' };

function parser(agent: string): AgentParser {
  const names = new Map<string, { tool: string; detail: string }>();
  let sessionId: string | undefined;
  /** Assistant text since the last tool call: the final answer when the run ends. */
  let said = '';
  /** Deltas not yet shown: one line in the log per stretch of text, not one per chunk. */
  let pending = '';
  let done = false;

  function flush(): AgentEvent[] {
    if (!pending) return [];
    const text = pending;
    pending = '';
    return [textEvent(text)];
  }

  return {
    line(raw) {
      const msg = jsonObject(raw);
      if (!msg) return [...flush(), ...rawLine(raw)];
      switch (str(msg.type)) {
        case 'init':
          sessionId = str(msg.session_id) || sessionId;
          return sessionId ? [{ kind: 'session', sessionId, agent, ...(str(msg.model) ? { model: oneLine(str(msg.model), 256) } : {}) }] : [];
        case 'message':
          if (msg.role !== 'assistant') return []; // the prompt, echoed
          pending += str(msg.content);
          said += str(msg.content);
          return [];
        case 'tool_use': {
          const tool = { tool: oneLine(str(msg.tool_name) || 'tool', 100), detail: inputSummary(obj(msg.parameters)) };
          names.set(str(msg.tool_id), tool);
          said = '';
          return [...flush(), { kind: 'tool', ...tool }];
        }
        case 'tool_result': {
          const id = str(msg.tool_id);
          const tool = names.get(id) ?? { tool: 'tool', detail: '' };
          names.delete(id);
          const ok = str(msg.status) === 'success';
          const error = ok ? undefined : str(obj(msg.error)?.message) || str(msg.output) || 'failed';
          return [...flush(), { kind: 'tool_done', ...tool, ok, ...(error ? { error: oneLine(error, 300) } : {}) }];
        }
        case 'error':
          // Warnings (a loop stopped, a turn limit): worth a line, not the end.
          return [...flush(), textEvent(`⚠ ${str(msg.message)}`)];
        case 'result': {
          done = true;
          const stats = obj(msg.stats);
          const input = int(stats?.input_tokens);
          const output = int(stats?.output_tokens);
          const isError = str(msg.status) !== 'success';
          const text = isError ? str(obj(msg.error)?.message) || 'Gemini reported an error.' : said.trim();
          return [
            ...flush(),
            ...(stats ? [{ kind: 'usage' as const, ...(input !== undefined ? { inputTokens: input } : {}), ...(output !== undefined ? { outputTokens: output } : {}) }] : []),
            { kind: 'result', text: finalText(text), isError, ...(sessionId ? { sessionId } : {}) },
          ];
        }
        default:
          return [];
      }
    },
    end() {
      // Startup failures (bad flags, an untrusted folder, an unknown session) print nothing here: stderr says why.
      return [...flush(), ...(done ? [] : [{ kind: 'result' as const, text: 'Gemini ended without a result.', isError: true, ...(sessionId ? { sessionId } : {}) }])];
    },
  };
}

/**
 * Gemini CLI: `gemini --prompt=<p> --output-format stream-json` (init, message, tool_use, tool_result, error,
 * result), continued with `--resume=<session id>` from the same folder. The prompt is inside `--prompt=`, so one
 * starting with "-" stays the prompt. The workspace is trusted through the environment (older builds ignore it;
 * newer ones exit 55 in an untrusted folder). It reports tokens, never cost.
 */
export const geminiAdapter: AgentAdapter = {
  name: 'gemini',
  modes: ['plan', 'edits', 'full'],
  argv(run) {
    return [run.program, `--prompt=${run.prompt}`, '--output-format', 'stream-json', `--approval-mode=${approvalMode[run.mode] ?? 'default'}`, ...(run.session ? [`--resume=${run.session}`] : [])];
  },
  env: () => ({ GEMINI_CLI_TRUST_WORKSPACE: 'true' }),
  parser: (ctx) => parser(ctx.agent),
};
