import type { AgentEvent } from '../../protocol/agent-events.js';
import type { TaskMode } from '../../protocol/tasks.js';
import type { AgentAdapter, AgentParser } from './adapter.js';
import { finalText, inputSummary, int, jsonObject, num, obj, oneLine, rawLine, str, textEvent } from './parse-helpers.js';

/**
 * opencode's permissions per mode, as its `OPENCODE_PERMISSION` variable (a headless run cannot ask: an "ask" rule is
 * rejected, or hangs in old builds, so none is left as "ask"). `edits` may edit without asking; what it would have
 * to ask for (commands, fetches) is denied.
 */
const permissions: Partial<Record<TaskMode, string>> = {
  plan: JSON.stringify({ edit: 'deny', bash: 'deny', webfetch: 'deny' }),
  edits: JSON.stringify({ '*': 'allow', bash: 'deny', webfetch: 'deny', external_directory: 'deny' }),
  full: JSON.stringify({ '*': 'allow' }),
};

const rejected = /rejected permission|rule which prevents/;

function parser(agent: string, ctx: { resumeSession?: string }): AgentParser {
  let sessionId = ctx.resumeSession;
  let announced = false;
  let stepText = '';
  let finalStep: string | undefined;
  let error: string | undefined;
  let input = 0;
  let output = 0;
  let cost = 0;
  let steps = 0;

  return {
    line(raw) {
      const msg = jsonObject(raw);
      if (!msg) return rawLine(raw);
      const events: AgentEvent[] = [];
      const sid = str(msg.sessionID);
      if (sid && !announced) {
        announced = true;
        sessionId = sid;
        events.push({ kind: 'session', sessionId: sid, agent });
      }
      const part = obj(msg.part);
      switch (str(msg.type)) {
        case 'step_start':
          stepText = '';
          break;
        case 'text': {
          const text = str(part?.text);
          stepText += text;
          events.push(textEvent(text));
          break;
        }
        case 'tool_use': {
          // Reported once, when the tool has finished: started and finished together.
          const state = obj(part?.state);
          const tool = { tool: oneLine(str(part?.tool) || 'tool', 100), detail: oneLine(str(state?.title)) || inputSummary(obj(state?.input)) };
          const status = str(state?.status);
          const why = str(state?.error);
          if (status === 'error' && rejected.test(why)) {
            events.push({ kind: 'denied', tool: tool.tool, detail: `${tool.tool} ${tool.detail}`.trim(), reason: oneLine(why, 300) });
            break;
          }
          const exit = obj(state?.metadata)?.exit;
          const ok = status === 'completed' && (typeof exit !== 'number' || exit === 0);
          const err = ok ? undefined : typeof exit === 'number' && exit !== 0 ? `exit ${exit}` : why || status || 'failed';
          events.push({ kind: 'tool', ...tool }, { kind: 'tool_done', ...tool, ok, ...(err ? { error: oneLine(err, 300) } : {}) });
          break;
        }
        case 'step_finish': {
          steps++;
          const tokens = obj(part?.tokens);
          input += (int(tokens?.input) ?? 0) + (int(obj(tokens?.cache)?.read) ?? 0);
          output += int(tokens?.output) ?? 0;
          cost += num(part?.cost) ?? 0;
          if (str(part?.reason) !== 'tool-calls') finalStep = stepText;
          break;
        }
        case 'error': {
          const e = obj(msg.error);
          error = str(obj(e?.data)?.message) || str(e?.message) || str(e?.name) || 'opencode reported an error';
          events.push(textEvent(`⚠ ${error}`));
          break;
        }
        default:
          break;
      }
      return events;
    },
    end() {
      const events: AgentEvent[] = [];
      if (steps > 0) events.push({ kind: 'usage', inputTokens: input, outputTokens: output, costUsd: Math.round(cost * 1e6) / 1e6 });
      const costUsd = steps > 0 ? { costUsd: Math.round(cost * 1e6) / 1e6 } : {};
      const session = sessionId ? { sessionId } : {};
      if (error) events.push({ kind: 'result', text: finalText(error), isError: true, ...costUsd, ...session });
      // Some builds finish a resumed session printing nothing: that is not a success.
      else if (finalStep === undefined) events.push({ kind: 'result', text: 'opencode ended before its last step finished.', isError: true, ...costUsd, ...session });
      else events.push({ kind: 'result', text: finalText(finalStep.trim()), isError: false, ...costUsd, ...session });
      return events;
    },
  };
}

/**
 * opencode: `opencode run --format json -- <p>` (step_start, text, tool_use, step_finish, error; the session id on
 * every line), continued with `--session=<id>`. Modes are its permission sets (the `--agent plan` for plan). It
 * reports tokens and cost per step; the run's are their sums.
 */
export const opencodeAdapter: AgentAdapter = {
  name: 'opencode',
  modes: ['plan', 'edits', 'full'],
  argv(run) {
    return [run.program, 'run', '--format', 'json', ...(run.mode === 'plan' ? ['--agent', 'plan'] : []), ...(run.session ? [`--session=${run.session}`] : []), '--', run.prompt];
  },
  env: (run) => ({ OPENCODE_PERMISSION: permissions[run.mode] ?? permissions.plan! }),
  parser: (ctx) => parser(ctx.agent, ctx),
};
