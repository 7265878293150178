import type { FastifyInstance } from 'fastify';
import { Readable } from 'node:stream';
import { z } from 'zod';
import type { ApiResponse } from '../../../protocol/api.js';
import { MachineName } from '../../../protocol/messages.js';
import type { LinkServer } from '../../link/link-server.js';
import type { MachineAdmin } from '../../machine-admin.js';
import { actorOf } from '../auth.js';
import { Capabilities, CapabilitiesPatch, mergeCapabilities } from '../../registry/capabilities.js';
import type { Machine } from '../../registry/machine.js';
import type { MachineStore } from '../../registry/machines.js';
import { machineJson } from '../machine-json.js';

const NameParam = z.object({ name: z.string().min(1).max(128) });
const CheckQuery = z.object({ check: z.enum(['1', 'true']).optional() });
const CreateBody = z.object({
  name: MachineName,
  capabilities: Capabilities.optional(),
  aliases: z.array(MachineName).max(32).optional(),
}).strict();
const PatchBody = z.object({
  capabilities: CapabilitiesPatch.optional(),
  aliases: z.array(MachineName).max(32).optional(),
}).strict();

/** The chunks of a JSON document: `head`, the pages with commas between the non-empty ones, `tail`. */
function* jsonArray(head: string, pages: Iterable<string>, tail: string): Generator<string> {
  yield head;
  let first = true;
  for (const page of pages) {
    if (!page) continue;
    yield first ? page : `,${page}`;
    first = false;
  }
  yield tail;
}

/** `/api/machines`: the fleet registry. */
export function machineRoutes(
  app: FastifyInstance,
  deps: { machines: MachineStore; admin: MachineAdmin; links: LinkServer; emailOf: ((machine: string) => string) | undefined; labelsOf: (name: string) => string[] | undefined },
): void {
  const view = (m: Machine) => {
    const json = machineJson(m, deps.links.get(m.id)?.lastSeenMs);
    const labels = deps.labelsOf(m.name);
    return { ...json, ...(deps.emailOf ? { email: deps.emailOf(m.name) } : {}), ...(labels ? { labels } : {}) };
  };

  app.get('/api/machines', async (_req, reply) => {
    const live = (id: number) => deps.links.get(id)?.lastSeenMs;
    // Labels come precomputed from the index: the listing still parses no facts. Streamed a page at a time (the
    // stream waits while the client is slow), never built whole in memory.
    const pages = deps.machines.listJsonPages(live, (name) => ({ ...(deps.emailOf ? { email: deps.emailOf(name) } : {}), labels: deps.labelsOf(name) }));
    return reply.type('application/json; charset=utf-8').send(Readable.from(jsonArray('{"machines":[', pages, ']}')));
  });

  app.post('/api/machines', async (req, reply) => {
    const body = CreateBody.parse(req.body);
    const created = deps.admin.add(actorOf(req), body);
    return reply.status(201).send({ machine: view(created.machine), joinToken: created.joinToken, expiresAt: created.expiresAt } satisfies ApiResponse<'machineCreated'>);
  });

  app.get('/api/machines/:name', async (req): Promise<ApiResponse<'machine'>> => {
    const { name } = NameParam.parse(req.params);
    return { machine: view(deps.machines.get(name)) };
  });

  app.patch('/api/machines/:name', async (req): Promise<ApiResponse<'machine'>> => {
    const { name } = NameParam.parse(req.params);
    const body = PatchBody.parse(req.body ?? {});
    // `?check=1`: validate only (the web page's settings dialog checks as the person types, with these messages).
    if (CheckQuery.parse(req.query).check) {
      const current = deps.machines.get(name);
      const capabilities = body.capabilities ? mergeCapabilities(current.capabilities, body.capabilities) : current.capabilities;
      return { machine: view({ ...current, capabilities, aliases: body.aliases ?? current.aliases }) };
    }
    return { machine: view(deps.admin.update(actorOf(req), name, body)) };
  });

  app.delete('/api/machines/:name', async (req): Promise<ApiResponse<'removed'>> => {
    const { name } = NameParam.parse(req.params);
    return deps.admin.remove(actorOf(req), name);
  });

  app.post('/api/machines/:name/join-token', async (req): Promise<ApiResponse<'joinToken'>> => {
    const { name } = NameParam.parse(req.params);
    return deps.admin.issueJoinToken(actorOf(req), name);
  });

  app.post('/api/machines/:name/revoke', async (req): Promise<ApiResponse<'revoked'>> => {
    const { name } = NameParam.parse(req.params);
    return deps.admin.revoke(actorOf(req), name);
  });
}
