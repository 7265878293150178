import { z } from 'zod';

/**
 * One event model for every coding agent. Each agent CLI's own output (Claude Code's stream-json, Codex's JSONL,
 * Gemini's stream-json, opencode's JSON, Cursor's stream-json, Aider's text) is parsed on the worker into these
 * events; the stored log, the chat threads and the mail result are rendered from them, never from an agent's raw
 * format. A question an agent asks a person is an approval (src/protocol/approvals.ts); the `approval` event here
 * only marks in the log that it asked.
 */
export const AgentEvent = z.discriminatedUnion('kind', [
  /** The agent's session: what a follow-up continues. */
  z.object({ kind: z.literal('session'), sessionId: z.string().max(256), model: z.string().max(256).optional(), agent: z.string().max(64).optional() }),
  /** What the agent says (also: a line of its output that is not in its format, shown as it is). */
  z.object({ kind: z.literal('text'), text: z.string().max(100_000) }),
  /** A tool started: its name and a one-line summary ("src/x.ts", "npm test"). */
  z.object({ kind: z.literal('tool'), tool: z.string().max(256), detail: z.string().max(4096) }),
  /** A tool finished; `error` says why when it did not succeed. */
  z.object({ kind: z.literal('tool_done'), tool: z.string().max(256), detail: z.string().max(4096), ok: z.boolean(), error: z.string().max(2000).optional() }),
  /** The agent asked a person (an approval is on its way to the hub). */
  z.object({ kind: z.literal('approval'), tool: z.string().max(256), detail: z.string().max(1000) }),
  /** The agent was refused a tool without anyone being asked (its configuration, its mode, no way to ask). */
  z.object({ kind: z.literal('denied'), tool: z.string().max(256), detail: z.string().max(1000), reason: z.string().max(2000) }),
  /** Tokens and cost, when the agent reports them (the run's totals so far). */
  z.object({
    kind: z.literal('usage'),
    inputTokens: z.number().int().nonnegative().optional(),
    outputTokens: z.number().int().nonnegative().optional(),
    costUsd: z.number().nonnegative().optional(),
  }),
  /** How the run ended, by the agent's own account. */
  z.object({
    kind: z.literal('result'),
    text: z.string().max(100_000),
    isError: z.boolean(),
    costUsd: z.number().nonnegative().optional(),
    turns: z.number().int().nonnegative().optional(),
    sessionId: z.string().max(256).optional(),
  }),
]);
export type AgentEvent = z.infer<typeof AgentEvent>;

/** Tools whose summary is a command line: shown as "Bash: npm test" rather than "Edit src/x.ts". */
const shellTools = new Set(['Bash', 'bash', 'shell', 'Shell', 'run_shell_command', 'command']);

/** "Bash: npm test", "Edit src/x.ts", "Read". */
export function toolLine(tool: string, detail: string): string {
  return `${tool}${detail ? (shellTools.has(tool) ? ': ' : ' ') + detail : ''}`;
}

/** "48,211 tokens in, 1,377 out, $0.0831". */
export function usageText(e: Extract<AgentEvent, { kind: 'usage' }>): string {
  const parts: string[] = [];
  if (e.inputTokens !== undefined) parts.push(`${e.inputTokens.toLocaleString('en-US')} tokens in`);
  if (e.outputTokens !== undefined) parts.push(`${e.outputTokens.toLocaleString('en-US')} out`);
  if (e.costUsd !== undefined) parts.push(`$${e.costUsd.toFixed(4)}`);
  return parts.join(', ');
}

/**
 * The text an event adds to a task's log (what `pia logs`, the live tail in chat and the mail's last lines show):
 * "▸ Bash: npm test", "✗ Read CHANGELOG.md: file not found", "✓ the agent's final words". Events with nothing to
 * show (the session id) add nothing.
 */
export function agentEventText(e: AgentEvent): string {
  switch (e.kind) {
    case 'text':
      return e.text.trim() ? e.text.trimEnd() + '\n' : '';
    case 'tool':
      return `▸ ${toolLine(e.tool, e.detail)}\n`;
    case 'tool_done':
      return e.ok ? '' : `  ✗ ${toolLine(e.tool, e.detail)}${e.error ? `: ${e.error}` : ' failed'}\n`;
    case 'approval':
      return `✋ asked to use ${e.detail || e.tool}\n`;
    case 'denied':
      return `✋ ${e.detail} refused: ${e.reason}\n`;
    case 'usage': {
      const text = usageText(e);
      return text ? `· ${text}\n` : '';
    }
    case 'result':
      return `${e.isError ? '✗' : '✓'} ${e.text || (e.isError ? 'the agent reported an error' : 'done')}\n`;
    case 'session':
      return '';
  }
}
