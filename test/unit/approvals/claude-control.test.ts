import { describe, expect, it } from 'vitest';
import type { ApprovalAnswer, ApprovalRequested } from '../../../src/protocol/approvals.js';
import type { WorkerMessage } from '../../../src/protocol/messages.js';
import { createClaudeSession } from '../../../src/worker/tasks/claude-session.js';
import { createWorkerApprovals } from '../../../src/worker/tasks/task-approvals.js';
import { silentLogger } from '../../../src/common/logger.js';

// The worker's side of Claude Code's control protocol, fed the CLI's own lines (as 2.1.328 writes them).
function rig() {
  const written: unknown[] = [];
  let ended = false;
  const sent: WorkerMessage[] = [];
  const events: string[] = [];
  const approvals = createWorkerApprovals({ link: { send: (m) => (sent.push(m), true) }, log: silentLogger() });
  const session = createClaudeSession({
    taskId: 'task000001',
    input: { write: (line) => void written.push(JSON.parse(line)), end: () => void (ended = true) },
    approvals,
    onEvent: (line) => void events.push(line),
    asked: () => undefined,
    now: () => 1000,
  });
  return { written, sent, events, approvals, session, ended: () => ended };
}

const canUseTool = (id: string, tool = 'Bash', input: object = { command: 'touch hello.txt', description: 'Create hello.txt' }) =>
  JSON.stringify({
    type: 'control_request',
    request_id: id,
    request: {
      subtype: 'can_use_tool',
      tool_name: tool,
      display_name: tool,
      input,
      permission_suggestions: [
        { type: 'addRules', rules: [{ toolName: 'Bash', ruleContent: 'touch hello.txt' }], behavior: 'allow', destination: 'localSettings' },
        { type: 'setMode', mode: 'acceptEdits', destination: 'session' },
      ],
      tool_use_id: 'toolu_1',
    },
  });
const answer = (requestId: string, over: Partial<ApprovalAnswer> = {}): ApprovalAnswer => ({ type: 'approval.answer', taskId: 'task000001', requestId, decision: 'allow', scope: 'once', by: 'slack:U1', ...over });

describe('Claude Code over its control protocol', () => {
  it('sends the prompt as a user message, and a permission prompt to the hub as an approval', () => {
    const r = rig();
    r.session.start('--permission-mode bypassPermissions');
    expect(r.written).toEqual([{ type: 'user', message: { role: 'user', content: '--permission-mode bypassPermissions' }, parent_tool_use_id: null, session_id: '' }]);
    r.session.line(canUseTool('req-1'));
    expect(r.sent).toEqual([
      {
        type: 'approval.requested',
        taskId: 'task000001',
        requestId: 'req-1',
        kind: 'tool',
        tool: 'Bash',
        summary: 'touch hello.txt',
        detail: '(Create hello.txt)',
        canAlways: true,
        at: 1000,
      } satisfies ApprovalRequested,
    ]);
  });

  it('answers each prompt once, in the shapes the Agent SDK writes', () => {
    const r = rig();
    r.session.line(canUseTool('req-1'));
    r.approvals.answered(answer('req-1', { scope: 'always' }));
    r.approvals.answered(answer('req-1', { decision: 'deny' })); // sent again after a reconnect: ignored, acknowledged
    expect(r.written).toEqual([
      {
        type: 'control_response',
        response: {
          subtype: 'success',
          request_id: 'req-1',
          response: {
            behavior: 'allow',
            updatedInput: { command: 'touch hello.txt', description: 'Create hello.txt' },
            updatedPermissions: [{ type: 'addRules', rules: [{ toolName: 'Bash', ruleContent: 'touch hello.txt' }], behavior: 'allow', destination: 'userSettings' }],
          },
        },
      },
    ]);
    expect(r.sent.filter((m) => m.type === 'approval.applied')).toHaveLength(2);
    r.session.line(canUseTool('req-2'));
    r.approvals.answered(answer('req-2', { decision: 'deny', message: 'Denied by slack:U1: not now' }));
    expect(r.written.at(-1)).toEqual({ type: 'control_response', response: { subtype: 'success', request_id: 'req-2', response: { behavior: 'deny', message: 'Denied by slack:U1: not now' } } });
    r.session.line(canUseTool('req-3', 'AskUserQuestion', { questions: [{ question: 'Which?', options: [{ label: 'A' }, { label: 'B' }], multiSelect: false }] }));
    r.approvals.answered(answer('req-3', { answers: { 'Which?': 'B' } }));
    expect(r.written.at(-1)).toMatchObject({ response: { response: { behavior: 'allow', updatedInput: { questions: [{ question: 'Which?' }], answers: { 'Which?': 'B' } } } } });
  });

  it('a withdrawn prompt is withdrawn on the hub, a late answer to it is dropped; the result closes stdin', () => {
    const r = rig();
    r.session.line(canUseTool('req-1'));
    r.session.interrupt();
    expect(r.written.at(-1)).toMatchObject({ type: 'control_request', request: { subtype: 'interrupt' } });
    r.session.line(JSON.stringify({ type: 'control_cancel_request', request_id: 'req-1' }));
    expect(r.sent.at(-1)).toEqual({ type: 'approval.withdrawn', taskId: 'task000001', requestId: 'req-1', reason: 'the agent stopped waiting for it (interrupted)' });
    const before = r.written.length;
    r.approvals.answered(answer('req-1'));
    expect(r.written).toHaveLength(before);
    expect(r.ended()).toBe(false);
    r.session.line('{"duration_ms":1,"type":"result","subtype":"error_during_execution","is_error":true}');
    expect(r.ended()).toBe(true);
    expect(r.events.at(-1)).toContain('"type":"result"');
  });

  it('requests PIA does not handle are answered with an error, not left waiting; other lines pass through', () => {
    const r = rig();
    r.session.line(JSON.stringify({ type: 'control_request', request_id: 'h1', request: { subtype: 'hook_callback', callback_id: 'hook_0' } }));
    expect(r.written).toEqual([{ type: 'control_response', response: { subtype: 'error', request_id: 'h1', error: 'PIA does not handle hook_callback requests' } }]);
    r.session.line('not json at all');
    r.session.line('{"type":"control_response","response":{"subtype":"success","request_id":"req_1","response":{}}}');
    expect(r.events).toEqual(['not json at all']);
  });

  it('the agent exiting withdraws what it waited on; the link coming back sends what still waits', () => {
    const r = rig();
    r.session.line(canUseTool('req-1'));
    r.approvals.onLinkUp();
    expect(r.sent.filter((m) => m.type === 'approval.requested')).toHaveLength(2);
    r.session.ended();
    expect(r.sent.at(-1)).toMatchObject({ type: 'approval.withdrawn', requestId: 'req-1', reason: 'the agent exited' });
    expect(r.approvals.pending()).toBe(0);
  });
});
