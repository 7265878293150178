import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ApiResponse } from '../../../protocol/api.js';
import { Origin, TaskMode, taskStates } from '../../../protocol/tasks.js';
import type { Actor } from '../../machine-admin.js';
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

/** `/api/tasks`: run, deploy, shell; list, read, follow output, cancel. */
export function taskRoutes(app: FastifyInstance, deps: { tasks: TaskService }): void {
  const { tasks } = deps;

  app.post('/api/tasks', async (req, reply) => {
    const body = CreateBody.parse(req.body);
    const actor = { ...adminActor, origin: body.origin.kind };
    switch (body.kind) {
      case 'run': {
        const task = body.continueTask
          ? tasks.followUp(actor, { taskId: body.continueTask, prompt: body.prompt, origin: body.origin, timeoutS: body.timeoutS })
          : tasks.run(actor, body);
        return reply.status(201).send({ task, tasks: [task] } satisfies ApiResponse<'task'> & ApiResponse<'tasks'>);
      }
      case 'deploy': {
        const targets = body.targets ?? (body.machines ?? []).map((machine) => ({ machine, prompt: body.prompt ?? '' }));
        const out = tasks.deploy(actor, { repo: body.repo, ref: body.ref, targets, agent: body.agent, mode: body.mode, timeoutS: body.timeoutS, origin: body.origin });
        return reply.status(201).send(out satisfies ApiResponse<'deployed'>);
      }
      case 'shell': {
        const task = tasks.shell(actor, body);
        return reply.status(201).send({ task, tasks: [task] } satisfies ApiResponse<'task'> & ApiResponse<'tasks'>);
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
