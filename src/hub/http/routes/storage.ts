import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ApiResponse } from '../../../protocol/api.js';
import type { AuditLog } from '../../registry/audit.js';
import type { OutputStorage } from '../../tasks/output-storage.js';

/** At least one limit, each 0 or more: days of age, gigabytes (10^9 bytes) of disk. */
const PruneBody = z
  .object({
    olderThanDays: z.number().min(0).max(100_000).optional(),
    maxGb: z.number().min(0).max(1_000_000).optional(),
    dryRun: z.boolean().default(false),
  })
  .strict()
  .refine((b) => b.olderThanDays !== undefined || b.maxGb !== undefined, 'say which output goes: olderThanDays, maxGb, or both');

/** `/api/storage`: the disk task output takes; `/api/tasks/prune`: remove finished tasks' output by age or size. */
export function storageRoutes(app: FastifyInstance, deps: { storage: OutputStorage; audit: AuditLog }): void {
  app.get('/api/storage', async (): Promise<ApiResponse<'storage'>> => ({ storage: deps.storage.figures() }));

  app.post('/api/tasks/prune', async (req): Promise<ApiResponse<'pruned'>> => {
    const body = PruneBody.parse(req.body ?? {});
    const result = await deps.storage.prune({
      ...(body.olderThanDays !== undefined ? { olderThanDays: body.olderThanDays } : {}),
      ...(body.maxGb !== undefined ? { maxBytes: Math.round(body.maxGb * 1e9) } : {}),
      dryRun: body.dryRun,
    });
    if (!body.dryRun) {
      const limits = [body.olderThanDays !== undefined ? `older than ${body.olderThanDays} days` : '', body.maxGb !== undefined ? `over ${body.maxGb} GB` : ''];
      deps.audit.record({ actor: 'admin-token', origin: 'http', action: 'task.prune', target: `${result.tasks} tasks`, outcome: 'ok', detail: limits.filter(Boolean).join(', ') });
    }
    return { pruned: { ...result, dryRun: body.dryRun } };
  });
}
