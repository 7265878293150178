import { createClaudeControl, type ControlInput, type PermissionRequest } from './claude-control.js';
import { answerPermission, approvalOf } from './claude-permissions.js';
import type { WorkerApprovals } from './task-approvals.js';

/** One task's Claude Code process, driven over its control protocol. */
export interface ClaudeSession {
  /** Feeds one stdout line of the CLI. */
  line(raw: string): void;
  /** Sends the prompt as the first user message. */
  start(prompt: string): void;
  /** Cancel, the protocol's way: the CLI withdraws what it waits on and ends its turn (then exits, its stdin closed). */
  interrupt(): void;
  /** The process ended: whatever it waited on is withdrawn. */
  ended(): void;
}

/**
 * Wires a CLI's control protocol to the worker: its permission prompts become approvals on the hub (and their answers
 * its `control_response`s), a withdrawn prompt is withdrawn on the hub, and its stdin is closed after the turn's result
 * so it exits (never while it waits on a prompt: that would deny it). `onEvent` gets every other line (progress).
 * `asked` is told the tool-use id of each prompt, so a denial that a person decided is not reported twice.
 */
export function createClaudeSession(deps: {
  taskId: string;
  input: ControlInput;
  approvals: WorkerApprovals;
  onEvent(line: string): void;
  asked(toolUseId: string): void;
  /** The agent asked about a tool use (for the log: "✋ asked to use Bash npm test"). */
  onAsk?(tool: string, input: Record<string, unknown>): void;
  now?: () => number;
}): ClaudeSession {
  const { taskId, approvals } = deps;
  const now = deps.now ?? Date.now;
  const waiting = new Map<string, PermissionRequest>();

  const control = createClaudeControl(deps.input, {
    onEvent: deps.onEvent,
    onPermission(req) {
      waiting.set(req.requestId, req);
      if (req.toolUseId) deps.asked(req.toolUseId);
      deps.onAsk?.(req.tool, req.input);
      approvals.ask(approvalOf(taskId, req, now()), (answer) => {
        if (!waiting.delete(req.requestId)) return;
        answerPermission(control, req, answer);
      });
    },
    onCancel(requestId) {
      waiting.delete(requestId);
      approvals.withdraw(taskId, requestId, 'the agent stopped waiting for it (interrupted)');
    },
    onResult() {
      control.endInput();
    },
  });

  return {
    line: (raw) => control.line(raw),
    start(prompt) {
      control.sendUser(prompt);
    },
    interrupt() {
      control.interrupt();
    },
    ended() {
      waiting.clear();
      approvals.withdrawTask(taskId, 'the agent exited');
    },
  };
}
