import type { AgentEvent } from '../../protocol/agent-events.js';
import type { TaskMode } from '../../protocol/tasks.js';
import type { AgentAdapter, AgentParser } from './adapter.js';
import { finalText, int, jsonObject, obj, oneLine, rawLine, str, textEvent, type Obj } from './parse-helpers.js';

/** `codex exec` never asks (approval requests are refused in exec), so no `ask`; the sandbox is the mode. */
const sandbox: Partial<Record<TaskMode, string[]>> = {
  plan: ['--sandbox', 'read-only'],
  edits: ['--sandbox', 'workspace-write'],
  full: ['--dangerously-bypass-approvals-and-sandbox'],
};

/** "/bin/bash -lc 'npm test'" -> "npm test": the wrapper Codex puts around every command says nothing. */
function command(text: string): string {
  const m = /^(?:\/\S*\/)?(?:ba|z)?sh -lc (?:'([\s\S]*)'|"([\s\S]*)"|([\s\S]*))$/.exec(text);
  return oneLine(m ? (m[1] ?? m[2] ?? m[3] ?? '') : text);
}

/** An item's tool name and summary, or undefined for items that are not tools. */
function toolOf(item: Obj): { tool: string; detail: string } | undefined {
  switch (str(item.type) || str(item.item_type)) {
    case 'command_execution':
      return { tool: 'shell', detail: command(str(item.command)) };
    case 'file_change': {
      const changes = Array.isArray(item.changes) ? item.changes.map(obj).filter((c) => c !== undefined) : [];
      return { tool: 'edit', detail: oneLine(changes.map((c) => `${str(c.kind)} ${str(c.path)}`.trim()).join(', ')) };
    }
    case 'mcp_tool_call':
      return { tool: `${str(item.server)}.${str(item.tool)}`, detail: '' };
    case 'web_search':
      return { tool: 'web_search', detail: oneLine(str(item.query)) };
    default:
      return undefined;
  }
}

function parser(agent: string): AgentParser {
  const started = new Set<string>();
  let last = '';
  let done = false;
  let sessionId: string | undefined;

  function item(kind: string, it: Obj): AgentEvent[] {
    const type = str(it.type) || str(it.item_type);
    if (type === 'agent_message' || type === 'assistant_message') {
      if (kind !== 'item.completed') return [];
      last = str(it.text);
      return [textEvent(last)];
    }
    if (type === 'error') return kind === 'item.completed' ? [textEvent(`⚠ ${str(it.message)}`)] : [];
    const tool = toolOf(it);
    if (!tool) return []; // reasoning, todo lists: not progress a person follows
    const id = str(it.id);
    const events: AgentEvent[] = [];
    if (!started.has(id)) {
      started.add(id);
      events.push({ kind: 'tool', ...tool });
    }
    if (kind === 'item.completed') {
      started.delete(id);
      const status = str(it.status);
      const exit = typeof it.exit_code === 'number' ? it.exit_code : undefined;
      const ok = status === 'completed' && (exit === undefined || exit === 0);
      const error = ok ? undefined : exit !== undefined && exit !== 0 ? `exit ${exit}` : str(obj(it.error)?.message) || status || 'failed';
      events.push({ kind: 'tool_done', ...tool, ok, ...(error ? { error: oneLine(error, 300) } : {}) });
    }
    return events;
  }

  return {
    line(raw) {
      const msg = jsonObject(raw);
      if (!msg) return rawLine(raw);
      switch (str(msg.type)) {
        case 'thread.started':
          sessionId = str(msg.thread_id) || sessionId;
          return sessionId ? [{ kind: 'session', sessionId, agent }] : [];
        case 'item.started':
        case 'item.updated':
        case 'item.completed': {
          const it = obj(msg.item);
          return it ? item(str(msg.type), it) : [];
        }
        case 'turn.completed': {
          done = true;
          const usage = obj(msg.usage);
          const input = int(usage?.input_tokens);
          const output = int(usage?.output_tokens);
          return [
            { kind: 'usage', ...(input !== undefined ? { inputTokens: input } : {}), ...(output !== undefined ? { outputTokens: output } : {}) },
            { kind: 'result', text: finalText(last), isError: false, ...(sessionId ? { sessionId } : {}) },
          ];
        }
        case 'turn.failed':
          done = true;
          return [{ kind: 'result', text: finalText(str(obj(msg.error)?.message) || 'the turn failed'), isError: true, ...(sessionId ? { sessionId } : {}) }];
        case 'error':
          // Not necessarily the end: reconnect notices come this way too. turn.failed is the end.
          return [textEvent(`⚠ ${str(msg.message)}`)];
        default:
          return []; // turn.started, and types newer than this parser
      }
    },
    end() {
      // Exit 0 with no end of turn is an incomplete run, not a success.
      return done ? [] : [{ kind: 'result', text: 'Codex ended without finishing its turn.', isError: true, ...(sessionId ? { sessionId } : {}) }];
    },
  };
}

/**
 * OpenAI Codex: `codex exec --json` (JSONL: thread.started, turn.*, item.* with agent_message, command_execution,
 * file_change, mcp_tool_call...), continued with `codex exec resume <thread id>`. Flags go before `resume` (older
 * builds read none after it) and the prompt after `--`, so neither a prompt starting with "-" nor the word
 * "resume" is read as anything but the prompt. It reports tokens, never cost.
 */
export const codexAdapter: AgentAdapter = {
  name: 'codex',
  modes: ['plan', 'edits', 'full'],
  argv(run) {
    return [run.program, 'exec', '--json', ...(sandbox[run.mode] ?? []), '--skip-git-repo-check', ...(run.session ? ['resume', run.session] : []), '--', run.prompt];
  },
  parser: (ctx) => parser(ctx.agent),
};
