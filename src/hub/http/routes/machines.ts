import type { FastifyInstance } from 'fastify';
import { Readable } from 'node:stream';
import { z } from 'zod';
import type { ApiResponse } from '../../../protocol/api.js';
import { MachineName } from '../../../protocol/messages.js';
import type { LinkServer } from '../../link/link-server.js';
import type { Actor, MachineAdmin } from '../../machine-admin.js';
import { Capabilities, CapabilitiesPatch } from '../../registry/capabilities.js';
import type { Machine } from '../../registry/machine.js';
import type { MachineStore } from '../../registry/machines.js';
import { machineJson } from '../machine-json.js';

const NameParam = z.object({ name: z.string().min(1).max(128) });
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

const adminActor: Actor = { id: 'admin-token', origin: 'http' };

/** `/api/machines`: the fleet registry. */
export function machineRoutes(app: FastifyInstance, deps: { machines: MachineStore; admin: MachineAdmin; links: LinkServer; emailOf: ((machine: string) => string) | undefined }): void {
  const view = (m: Machine) => {
    const json = machineJson(m, deps.links.get(m.id)?.lastSeenMs);
    return deps.emailOf ? { ...json, email: deps.emailOf(m.name) } : json;
  };

  app.get('/api/machines', async (_req, reply) => {
    const live = (id: number) => deps.links.get(id)?.lastSeenMs;
    const pages = deps.machines.listJsonPages(live, deps.emailOf ? (name) => ({ email: deps.emailOf!(name) }) : undefined);
    // Streamed a page at a time (the stream waits while the client is slow), never built whole in memory.
    return reply.type('application/json; charset=utf-8').send(Readable.from(jsonArray('{"machines":[', pages, ']}')));
  });

  app.post('/api/machines', async (req, reply) => {
    const body = CreateBody.parse(req.body);
    const created = deps.admin.add(adminActor, body);
    return reply.status(201).send({ machine: view(created.machine), joinToken: created.joinToken, expiresAt: created.expiresAt } satisfies ApiResponse<'machineCreated'>);
  });

  app.get('/api/machines/:name', async (req): Promise<ApiResponse<'machine'>> => {
    const { name } = NameParam.parse(req.params);
    return { machine: view(deps.machines.get(name)) };
  });

  app.patch('/api/machines/:name', async (req): Promise<ApiResponse<'machine'>> => {
    const { name } = NameParam.parse(req.params);
    const body = PatchBody.parse(req.body ?? {});
    return { machine: view(deps.admin.update(adminActor, name, body)) };
  });

  app.delete('/api/machines/:name', async (req): Promise<ApiResponse<'removed'>> => {
    const { name } = NameParam.parse(req.params);
    return deps.admin.remove(adminActor, name);
  });

  app.post('/api/machines/:name/join-token', async (req): Promise<ApiResponse<'joinToken'>> => {
    const { name } = NameParam.parse(req.params);
    return deps.admin.issueJoinToken(adminActor, name);
  });

  app.post('/api/machines/:name/revoke', async (req): Promise<ApiResponse<'revoked'>> => {
    const { name } = NameParam.parse(req.params);
    return deps.admin.revoke(adminActor, name);
  });
}
