import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ApiResponse } from '../../../protocol/api.js';
import { Origin, TaskMode, taskStates } from '../../../protocol/tasks.js';
import { describeTargetError, looksLikeTarget, parseTarget, TargetError, type AnyTarget } from '../../../commands/target.js';
import { PiaError } from '../../../common/errors.js';
import type { Actor } from '../../machine-admin.js';
import type { PlacementService } from '../../placement/placement.js';
import type { TaskService } from '../../tasks/task-service.js';

const origin = Origin.default({ kind: 'http' });
const timeoutS = z.number().positive().optional();

const CreateBody = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('run'),
      machine: z.string().min(1),
      prompt: z.string(),
      agent: z.string().max(64).optional(),
      workspace: z.string().optional(),
      continueTask: z.string().optional(),
      mode: TaskMode.optional(),
      timeoutS,
      origin,
    })
    .strict(),
  z
    .object({
      kind: z.literal('deploy'),
      repo: z.string(),
      ref: z.string().optional(),
      /** Either machines + prompt (one text for all) or targets (a text each). */
      machines: z.array(z.string().min(1)).max(10_000).optional(),
      prompt: z.string().optional(),
      targets: z.array(z.object({ machine: z.string().min(1), prompt: z.string() })).max(10_000).optional(),
      agent: z.string().max(64).optional(),
      mode: TaskMode.optional(),
      timeoutS,
      origin,
    })
    .strict(),
  z.object({ kind: z.literal('shell'), machine: z.string().min(1), argv: z.array(z.string()).min(1).max(1024), timeoutS, origin }).strict(),
]);

const ListQuery = z.object({
  machine: z.string().optional(),
  state: z.enum(taskStates).optional(),
  deploy: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
});
const IdParam = z.object({ id: z.string().min(1).max(64) });
const OutputQuery = z.object({ from: z.coerce.number().int().min(1).default(1), limit: z.coerce.number().int().min(1).max(10_000).default(1000) });

const adminActor: Actor = { id: 'admin-token', origin: 'http' };

/** A machine field that is a target (`any[gpu]`), read; undefined for a plain name. */
function targetOf(word: string): AnyTarget | undefined {
  if (!looksLikeTarget(word.trim().toLowerCase())) return undefined;
  try {
    return parseTarget(word.trim());
  } catch (err) {
    if (err instanceof TargetError) throw new PiaError('usage', describeTargetError(word.trim(), err));
    throw err;
  }
}

/** `/api/tasks`: run, deploy, shell; list, read, follow output, cancel. A machine may be a target: `any[gpu]`. */
export function taskRoutes(app: FastifyInstance, deps: { tasks: TaskService; placement: Pick<PlacementService, 'place'> }): void {
  const { tasks } = deps;

  /** The machines for a `machine` field: itself, or those placement picks for a target. */
  const machinesFor = (word: string) => {
    const target = targetOf(word);
    if (!target) return { names: [word] };
    const p = deps.placement.place({ target });
    return { names: p.machines, reason: p.reason };
  };

  app.post('/api/tasks', async (req, reply) => {
    const body = CreateBody.parse(req.body);
    const actor = { ...adminActor, origin: body.origin.kind };
    switch (body.kind) {
      case 'run': {
        if (body.continueTask) {
          const task = tasks.followUp(actor, { taskId: body.continueTask, prompt: body.prompt, origin: body.origin, timeoutS: body.timeoutS });
          return reply.status(201).send({ task, tasks: [task] } satisfies ApiResponse<'task'> & ApiResponse<'tasks'>);
        }
        const where = machinesFor(body.machine);
        const created = where.names.map((machine) => tasks.run(actor, { ...body, machine }));
        return reply.status(201).send({ task: created[0]!, tasks: created, ...(where.reason ? { placement: where.reason } : {}) } satisfies ApiResponse<'task'> & ApiResponse<'tasks'>);
      }
      case 'deploy': {
        const named = body.targets ?? (body.machines ?? []).filter((m) => !targetOf(m)).map((machine) => ({ machine, prompt: body.prompt ?? '' }));
        const reasons: string[] = [];
        const taken = new Set(named.map((t) => t.machine));
        for (const word of body.targets ? [] : (body.machines ?? [])) {
          const target = targetOf(word);
          if (!target) continue;
          const p = deps.placement.place({ target, repo: body.repo, ...(body.ref ? { ref: body.ref } : {}), exclude: taken });
          for (const machine of p.machines) {
            taken.add(machine);
            named.push({ machine, prompt: body.prompt ?? '' });
          }
          reasons.push(p.reason);
        }
        const out = tasks.deploy(actor, { repo: body.repo, ref: body.ref, targets: named, agent: body.agent, mode: body.mode, timeoutS: body.timeoutS, origin: body.origin });
        return reply.status(201).send({ ...out, ...(reasons.length ? { placement: reasons.join('\n') } : {}) } satisfies ApiResponse<'deployed'>);
      }
      case 'shell': {
        const where = machinesFor(body.machine);
        const created = where.names.map((machine) => tasks.shell(actor, { ...body, machine }));
        return reply.status(201).send({ task: created[0]!, tasks: created, ...(where.reason ? { placement: where.reason } : {}) } satisfies ApiResponse<'task'> & ApiResponse<'tasks'>);
      }
    }
  });

  app.get('/api/tasks', async (req): Promise<ApiResponse<'tasks'>> => {
    const q = ListQuery.parse(req.query);
    return { tasks: tasks.list({ machine: q.machine, state: q.state, deployId: q.deploy, limit: q.limit }) };
  });

  app.get('/api/tasks/:id', async (req): Promise<ApiResponse<'task'>> => ({ task: tasks.get(IdParam.parse(req.params).id) }));

  app.get('/api/tasks/:id/output', async (req): Promise<ApiResponse<'output'>> => {
    const { id } = IdParam.parse(req.params);
    const { from, limit } = OutputQuery.parse(req.query);
    return tasks.output(id, from, limit);
  });

  app.post('/api/tasks/:id/cancel', async (req): Promise<ApiResponse<'task'>> => ({ task: tasks.cancel(adminActor, IdParam.parse(req.params).id) }));
}
