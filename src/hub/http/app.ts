import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import { z } from 'zod';
import { PiaError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { version } from '../../common/version.js';
import type { ApiResponse } from '../../protocol/api.js';
import type { LinkServer } from '../link/link-server.js';
import type { MachineAdmin } from '../machine-admin.js';
import type { HubMetrics } from '../metrics.js';
import type { AuditLog } from '../registry/audit.js';
import type { MachineStore } from '../registry/machines.js';
import { hasAdminToken } from './auth.js';
import { installErrorHandlers } from './errors.js';
import { machineRoutes } from './routes/machines.js';
import { taskRoutes } from './routes/tasks.js';
import { powerRoutes } from './routes/power.js';
import { commandRoutes } from './routes/commands.js';
import { scheduleRoutes } from './routes/schedules.js';
import type { ScheduleService } from '../schedules/schedule-service.js';
import { approvalRoutes } from './routes/approvals.js';
import type { ApprovalService } from '../approvals/approval-service.js';
import type { Actions } from '../actions/actions.js';
import type { PowerManager } from '../../power/power-manager.js';
import type { UserStore } from '../auth/users.js';
import type { TaskService } from '../tasks/task-service.js';
import type { PlacementService } from '../placement/placement.js';

/** Everything the HTTP API reads or changes. */
export interface HttpDeps {
  log: Logger;
  adminToken: string;
  tls: { cert: string; key: string } | undefined;
  machines: MachineStore;
  admin: MachineAdmin;
  links: LinkServer;
  audit: AuditLog;
  metrics: HubMetrics;
  tasks: TaskService;
  power: PowerManager;
  users: UserStore;
  actions: Actions;
  placement: PlacementService;
  schedules: ScheduleService;
  /** A machine's labels, precomputed (the API shows them). */
  labelsOf: (name: string) => string[] | undefined;
  approvals: ApprovalService;
  /** A machine's mail address, when the email gateway is on. */
  emailOf: ((machine: string) => string) | undefined;
}

/** Routes anyone may call; everything else needs the admin token. */
const publicRoutes = new Set(['/api/health']);

/**
 * Builds the hub's Fastify app: health, the machines API, audit and metrics, with bearer auth on all but health.
 * Routes are registered by later modules through the returned app before it listens.
 */
export function buildHttpApp(deps: HttpDeps): FastifyInstance {
  const app = Fastify({
    // Requests are not logged one by one (at 10k machines that is noise); warnings and errors are.
    loggerInstance: deps.log.child({ component: 'http' }, { level: 'warn' }),
    bodyLimit: 1024 * 1024,
    ...(deps.tls ? { https: { cert: readFileSync(deps.tls.cert), key: readFileSync(deps.tls.key) } } : {}),
  }) as unknown as FastifyInstance;

  installErrorHandlers(app);

  app.addHook('onRequest', async (req) => {
    const route = req.routeOptions.url;
    if (route !== undefined && publicRoutes.has(route)) return;
    // Routes that authenticate themselves (a platform's request signature) say so in their config.
    if ((req.routeOptions.config as { public?: boolean } | undefined)?.public === true) return;
    if (!hasAdminToken(req.raw, deps.adminToken)) {
      throw new PiaError('unauthorized', 'Missing or wrong admin token: send Authorization: Bearer $PIA_ADMIN_TOKEN');
    }
  });

  app.get('/api/health', async (): Promise<ApiResponse<'health'>> => ({ status: 'ok', mode: 'hub', version }));

  app.get('/metrics', async (_req, reply) => {
    const text = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(text);
  });

  app.get('/api/users', async (): Promise<ApiResponse<'users'>> => ({ users: deps.users.list() }));
  app.post('/api/users', async (req, reply) => {
    const body = z.object({ identity: z.string().min(1).max(400), role: z.string() }).strict().parse(req.body);
    const user = deps.users.add(body.identity, body.role, 'admin-token');
    deps.audit.record({ actor: 'admin-token', origin: 'http', action: 'user.add', target: user.identity, outcome: 'ok', detail: user.role });
    return reply.status(201).send({ user } satisfies ApiResponse<'user'>);
  });
  app.delete('/api/users/:identity', async (req): Promise<ApiResponse<'userRemoved'>> => {
    const { identity } = z.object({ identity: z.string().min(1).max(400) }).parse(req.params);
    if (!deps.users.remove(identity)) throw new PiaError('not_found', `No user ${identity.slice(0, 80)} was added with pia users add${deps.users.list().some((u) => u.identity === identity) ? ' (that one comes from PIA_ADMINS/PIA_OPERATORS/PIA_VIEWERS: change the configuration)' : ''}.`);
    deps.audit.record({ actor: 'admin-token', origin: 'http', action: 'user.remove', target: identity, outcome: 'ok' });
    return { removed: identity };
  });

  app.get('/api/audit', async (req): Promise<ApiResponse<'audit'>> => {
    const { limit } = z.object({ limit: z.coerce.number().int().min(1).max(10_000).default(100) }).parse(req.query);
    return { entries: deps.audit.list(limit) };
  });

  machineRoutes(app, deps);
  taskRoutes(app, deps);
  powerRoutes(app, deps);
  commandRoutes(app, deps);
  scheduleRoutes(app, deps);
  approvalRoutes(app, deps);
  return app;
}
