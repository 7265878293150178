import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { PiaError } from '../../../common/errors.js';
import type { Command } from '../../../commands/command.js';
import { approvalScopes } from '../../../protocol/approvals.js';
import { approvalStates, type ApiResponse } from '../../../protocol/api.js';
import type { Actions } from '../../actions/actions.js';
import type { ApprovalService } from '../../approvals/approval-service.js';
import { principalOf, requesterOf } from '../auth.js';

const ListQuery = z.object({
  state: z.enum([...approvalStates, 'all']).default('pending'),
  task: z.string().max(64).optional(),
  machine: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
});
const IdParam = z.object({ id: z.string().min(1).max(64) });
const AnswerBody = z
  .object({
    decision: z.enum(['allow', 'deny', 'answer']),
    scope: z.enum(approvalScopes).default('once'),
    /** Why (deny): the agent reads it. */
    reason: z.string().max(1000).optional(),
    /** A question's answer: a choice's number, its label, or free text (per question, space-separated). */
    answer: z.string().max(2000).optional(),
    origin: z.string().max(32).default('http'),
  })
  .strict();

/**
 * `GET /api/approvals` (what waits; `?state=all` for every one), `GET /api/approvals/:id`, and
 * `POST /api/approvals/:id {"decision": "allow"|"deny"|"answer", ...}`: the answer goes through the hub's actions,
 * as from any front end (the same checks, the same audit), as the caller: the admin token's holder, or the person
 * signed in to the web page (operators answer; "always" needs an admin).
 */
export function approvalRoutes(app: FastifyInstance, deps: { actions: Pick<Actions, 'execute'>; approvals: Pick<ApprovalService, 'list' | 'get'> }): void {
  app.get('/api/approvals', async (req): Promise<ApiResponse<'approvals'>> => {
    const q = ListQuery.parse(req.query);
    return { approvals: deps.approvals.list({ ...(q.state !== 'all' ? { state: q.state } : {}), ...(q.task ? { taskId: q.task } : {}), ...(q.machine ? { machine: q.machine } : {}), limit: q.limit }) };
  });

  app.get('/api/approvals/:id', async (req): Promise<ApiResponse<'approval'>> => ({ approval: deps.approvals.get(IdParam.parse(req.params).id) }));

  app.post('/api/approvals/:id', { config: { role: 'operator' } }, async (req): Promise<ApiResponse<'approval'>> => {
    const { id } = IdParam.parse(req.params);
    const body = AnswerBody.parse(req.body);
    const command: Command =
      body.decision === 'allow'
        ? { name: 'approve', id, scope: body.scope }
        : body.decision === 'deny'
          ? { name: 'deny', id, ...(body.reason ? { reason: body.reason } : {}) }
          : { name: 'answer', id, text: body.answer ?? '' };
    const who = requesterOf(req, principalOf(req).via === 'token' ? body.origin : undefined);
    const result = await deps.actions.execute(command, who);
    if (result.kind === 'approval') return { approval: result.approval };
    if (result.kind === 'error') throw new PiaError(result.code, result.text);
    throw new PiaError('forbidden', result.kind === 'refused' ? result.text : 'refused');
  });
}
