import type { ApprovalAnswer, ApprovalRequested } from '../../protocol/approvals.js';
import { summarizeToolUse } from './approval-summary.js';
import type { ClaudeControl, PermissionRequest } from './claude-control.js';

/**
 * Claude Code's permission prompts in PIA's terms, and PIA's answers in Claude Code's: the mapping between a
 * `can_use_tool` request and an approval, and between a decision and the `control_response` the CLI reads.
 */

type Suggestion = Record<string, unknown>;

/** The "allow" rules among the CLI's suggestions: what "for this task" and "always" remember. */
function allowRules(suggestions: Suggestion[]): Suggestion[] {
  return suggestions.filter((s) => s.type === 'addRules' && s.behavior === 'allow' && Array.isArray(s.rules));
}

/** The approval a permission request becomes (without the `at`). */
export function approvalOf(taskId: string, req: PermissionRequest, at: number): ApprovalRequested {
  const s = summarizeToolUse(req.tool, req.input, req.reason);
  return {
    type: 'approval.requested',
    taskId,
    requestId: req.requestId,
    kind: s.kind,
    tool: req.tool.slice(0, 256),
    summary: s.summary,
    ...(s.detail ? { detail: s.detail } : {}),
    ...(s.questions ? { questions: s.questions } : {}),
    canAlways: s.kind === 'tool' && allowRules(req.suggestions).length > 0,
    at,
  };
}

/**
 * Writes the CLI's answer to a permission request. Allowed "for this task", the CLI's own suggested rules are kept
 * for the session (or, when it suggested none, the tool for the session); "always", its suggested rules go into the
 * user's settings on this machine, so later tasks run the same command without asking. A question's answers go back
 * in the tool's input, keyed by question text, as AskUserQuestion reads them.
 */
export function answerPermission(control: Pick<ClaudeControl, 'allow' | 'deny'>, req: PermissionRequest, answer: ApprovalAnswer): void {
  if (answer.decision === 'deny') {
    control.deny(req.requestId, answer.message?.trim() || `Denied by ${answer.by}.`);
    return;
  }
  if (req.tool === 'AskUserQuestion') {
    control.allow(req.requestId, { ...req.input, answers: answer.answers ?? {} });
    return;
  }
  const rules = allowRules(req.suggestions);
  let updates: Suggestion[] = [];
  if (answer.scope === 'task') {
    updates = rules.length ? rules.map((r) => ({ ...r, destination: 'session' })) : [{ type: 'addRules', rules: [{ toolName: req.tool }], behavior: 'allow', destination: 'session' }];
  } else if (answer.scope === 'always') {
    updates = rules.map((r) => ({ ...r, destination: 'userSettings' }));
  }
  control.allow(req.requestId, req.input, updates);
}
