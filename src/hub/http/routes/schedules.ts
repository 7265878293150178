import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ApiResponse } from '../../../protocol/api.js';
import type { ScheduleService } from '../../schedules/schedule-service.js';

const adminActor = { id: 'admin-token', origin: 'http' };
const NameParam = z.object({ name: z.string().min(1).max(64) });
const CreateBody = z
  .object({
    name: z.string().min(1).max(64),
    cron: z.string().min(1).max(200),
    tz: z.string().max(64).optional(),
    /** A command of the command language, as typed in chat: `run any[gpu] "train"`. */
    command: z.string().min(1).max(100_000),
    /** Where results go: slack:<channel>, discord:<channel>, mail:<address>. */
    report: z.string().max(400).nullable().optional(),
  })
  .strict();

/** `/api/schedules`: list, add, pause, resume, remove. Schedules added here run as the admin token. */
export function scheduleRoutes(app: FastifyInstance, deps: { schedules: ScheduleService }): void {
  const { schedules } = deps;
  app.get('/api/schedules', async (): Promise<ApiResponse<'schedules'>> => ({ schedules: schedules.list() }));
  app.get('/api/schedules/:name', async (req): Promise<ApiResponse<'schedule'>> => ({ schedule: schedules.get(NameParam.parse(req.params).name) }));
  app.post('/api/schedules', async (req, reply) => {
    const body = CreateBody.parse(req.body);
    const schedule = schedules.add(adminActor, body);
    return reply.status(201).send({ schedule } satisfies ApiResponse<'schedule'>);
  });
  app.post('/api/schedules/:name/pause', async (req): Promise<ApiResponse<'schedule'>> => ({ schedule: schedules.pause(adminActor, NameParam.parse(req.params).name) }));
  app.post('/api/schedules/:name/resume', async (req): Promise<ApiResponse<'schedule'>> => ({ schedule: schedules.resume(adminActor, NameParam.parse(req.params).name) }));
  app.delete('/api/schedules/:name', async (req): Promise<ApiResponse<'scheduleRemoved'>> => {
    const { name } = NameParam.parse(req.params);
    schedules.remove(adminActor, name);
    return { removed: name.toLowerCase() };
  });
}
