import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ApiResponse } from '../../../protocol/api.js';
import { Origin, TaskMode, taskStates } from '../../../protocol/tasks.js';
import { describeTargetError, looksLikeTarget, parseTarget, TargetError, type AnyTarget } from '../../../commands/target.js';
import { PiaError } from '../../../common/errors.js';
import type { PlacementService } from '../../placement/placement.js';
import { actorOf, requireRole } from '../auth.js';
import type { TaskService } from '../../tasks/task-service.js';
import type { MachineStore } from '../../registry/machines.js';

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
      push: z.boolean().optional(),
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
      push: z.boolean().optional(),
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
export function taskRoutes(app: FastifyInstance, deps: { tasks: TaskService; machines: Pick<MachineStore, 'find'>; placement: Pick<PlacementService, 'place'> }): void {
  const { tasks } = deps;

  /** The machines for a `machine` field: itself, or those placement picks for a target. */
  const machinesFor = (word: string) => {
    const target = targetOf(word);
    if (!target) return { names: [word] };
    const p = deps.placement.place({ target });
    return { names: p.machines, reason: p.reason };
  };

  /** Full mode (never asking) is for admins, as in every front end: asked for, or a machine's default. */
  function fullModeNeedsAdmin(req: FastifyRequest, mode: TaskMode | undefined, machines: string[]): void {
    if (mode !== undefined ? mode === 'full' : machines.some((m) => deps.machines.find(m)?.capabilities.defaultMode === 'full')) requireRole(req, 'admin');
  }

  app.post('/api/tasks', { config: { role: 'operator' } }, async (req, reply) => {
    const body = CreateBody.parse(req.body);
    if (body.kind === 'shell') requireRole(req, 'admin');
    // Checked again below on the machines placement picks for a target.
    else if (body.kind === 'run') fullModeNeedsAdmin(req, body.mode, body.continueTask ? [] : [body.machine]);
    else fullModeNeedsAdmin(req, body.mode, body.targets?.map((t) => t.machine) ?? body.machines ?? []);
    const actor = { ...actorOf(req), origin: body.origin.kind };
    switch (body.kind) {
      case 'run': {
        if (body.continueTask) {
          const task = tasks.followUp(actor, { taskId: body.continueTask, prompt: body.prompt, origin: body.origin, timeoutS: body.timeoutS });
          return reply.status(201).send({ task, tasks: [task] } satisfies ApiResponse<'task'> & ApiResponse<'tasks'>);
        }
        const where = machinesFor(body.machine);
        if (where.reason) fullModeNeedsAdmin(req, body.mode, where.names);
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
        if (reasons.length) fullModeNeedsAdmin(req, body.mode, named.map((t) => t.machine));
        const out = tasks.deploy(actor, { repo: body.repo, ref: body.ref, targets: named, agent: body.agent, mode: body.mode, push: body.push, timeoutS: body.timeoutS, origin: body.origin });
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

  /** The whole output as a text file (stdout and stderr, as the agent wrote them). */
  app.get('/api/tasks/:id/log', async (req, reply) => {
    const task = tasks.get(IdParam.parse(req.params).id);
    return reply
      .type('text/plain; charset=utf-8')
      .header('content-disposition', `attachment; filename="pia-${task.id}.log"`)
      .header('x-content-type-options', 'nosniff')
      .send(tasks.logText(task.id));
  });

  app.post('/api/tasks/:id/cancel', { config: { command: 'cancel' } }, async (req): Promise<ApiResponse<'task'>> => ({ task: tasks.cancel(actorOf(req), IdParam.parse(req.params).id) }));
}
