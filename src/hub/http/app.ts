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
import { definitionOf } from '../../commands/definitions.js';
import { allows, type Role } from '../../commands/roles.js';
import { actorOf, adminPrincipal, hasAdminToken, requesterOf, type SessionAuthenticator } from './auth.js';
import { installErrorHandlers } from './errors.js';
import { machineRoutes } from './routes/machines.js';
import { storageRoutes } from './routes/storage.js';
import { taskRoutes } from './routes/tasks.js';
import { powerRoutes } from './routes/power.js';
import { commandRoutes } from './routes/commands.js';
import { scheduleRoutes } from './routes/schedules.js';
import type { ScheduleService } from '../schedules/schedule-service.js';
import { eventStreamRoutes } from './routes/event-stream.js';
import type { EventBus } from '../events.js';
import { approvalRoutes } from './routes/approvals.js';
import type { ApprovalService } from '../approvals/approval-service.js';
import type { Actions } from '../actions/actions.js';
import type { PowerManager } from '../../power/power-manager.js';
import type { UserStore } from '../auth/users.js';
import type { OutputStorage } from '../tasks/output-storage.js';
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
  /** The disk task output takes, and pruning it. */
  storage: OutputStorage;
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
  /** The hub's events, streamed to the web page. */
  events: Pick<EventBus, 'onAny'>;
  /** Signed-in people (the web page's session cookie); none: the admin token only. */
  authenticate?: SessionAuthenticator;
}

/** Methods that change nothing: a viewer may call them. */
const readOnly = new Set(['GET', 'HEAD']);

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

  app.decorateRequest('principal', undefined);
  app.addHook('onRequest', async (req) => {
    const route = req.routeOptions.url;
    if (route !== undefined && publicRoutes.has(route)) return;
    // Routes that authenticate themselves (a platform's request signature) say so in their config.
    const config = req.routeOptions.config;
    if (config?.public === true) return;
    if (req.headers.authorization !== undefined || !deps.authenticate) {
      if (!hasAdminToken(req.raw, deps.adminToken)) {
        throw new PiaError('unauthorized', 'Missing or wrong admin token: send Authorization: Bearer $PIA_ADMIN_TOKEN');
      }
      req.principal = adminPrincipal;
      return;
    }
    const principal = deps.authenticate(req);
    if (!principal) throw new PiaError('unauthorized', 'Not signed in: open the dashboard and sign in, or send Authorization: Bearer $PIA_ADMIN_TOKEN');
    req.principal = principal;
    // Roles as everywhere else: a route that is a command of the chat language needs that command's role (and a
    // refusal is audited as in chat); any other change needs an admin unless the route says otherwise.
    const need: Role = config?.command ? definitionOf.get(config.command)!.role : (config?.role ?? (readOnly.has(req.method) ? 'viewer' : 'admin'));
    if (allows(principal.role, need)) return;
    if (config?.command) deps.actions.authorize(config.command, requesterOf(req));
    throw new PiaError('forbidden', `That needs the ${need} role; you (${principal.identity}) are ${principal.role}.`);
  });

  app.get('/api/health', async (): Promise<ApiResponse<'health'>> => ({ status: 'ok', mode: 'hub', version }));

  app.get('/metrics', async (_req, reply) => {
    const text = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(text);
  });

  app.get('/api/users', { config: { role: 'admin' } }, async (): Promise<ApiResponse<'users'>> => ({ users: deps.users.list() }));
  app.post('/api/users', async (req, reply) => {
    const body = z.object({ identity: z.string().min(1).max(400), role: z.string() }).strict().parse(req.body);
    const actor = actorOf(req);
    const user = deps.users.add(body.identity, body.role, actor.id);
    deps.audit.record({ actor: actor.id, origin: actor.origin, action: 'user.add', target: user.identity, outcome: 'ok', detail: user.role });
    return reply.status(201).send({ user } satisfies ApiResponse<'user'>);
  });
  app.delete('/api/users/:identity', async (req): Promise<ApiResponse<'userRemoved'>> => {
    const { identity } = z.object({ identity: z.string().min(1).max(400) }).parse(req.params);
    if (!deps.users.remove(identity)) throw new PiaError('not_found', `No user ${identity.slice(0, 80)} was added with pia users add${deps.users.list().some((u) => u.identity === identity) ? ' (that one comes from PIA_ADMINS/PIA_OPERATORS/PIA_VIEWERS: change the configuration)' : ''}.`);
    const actor = actorOf(req);
    deps.audit.record({ actor: actor.id, origin: actor.origin, action: 'user.remove', target: identity, outcome: 'ok' });
    return { removed: identity };
  });

  app.get('/api/audit', async (req): Promise<ApiResponse<'audit'>> => {
    const { limit, target } = z.object({ limit: z.coerce.number().int().min(1).max(10_000).default(100), target: z.string().min(1).max(200).optional() }).parse(req.query);
    return { entries: deps.audit.list(limit, target) };
  });

  machineRoutes(app, deps);
  taskRoutes(app, deps);
  storageRoutes(app, deps);
  powerRoutes(app, deps);
  commandRoutes(app, deps);
  scheduleRoutes(app, deps);
  eventStreamRoutes(app, deps);
  approvalRoutes(app, deps);
  return app;
}
