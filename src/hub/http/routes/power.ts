import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { PiaError } from '../../../common/errors.js';
import type { PowerManager } from '../../../power/power-manager.js';
import type { ApiResponse } from '../../../protocol/api.js';
import { actorOf } from '../auth.js';

const NameParam = z.object({ name: z.string().min(1).max(128) });
const OpParam = z.object({ id: z.string().uuid() });

/** Power routes: state, wake, bootstrap, sleep/shutdown/restart, host key trust, doctor. */
export function powerRoutes(app: FastifyInstance, deps: { power: PowerManager }): void {
  const { power } = deps;

  app.get('/api/machines/:name/power-state', async (req): Promise<ApiResponse<'powerState'>> => power.powerState(NameParam.parse(req.params).name));

  app.post('/api/machines/:name/wake', { config: { command: 'wake' } }, async (req, reply) => reply.status(202).send({ operation: power.wake(NameParam.parse(req.params).name, actorOf(req)) } satisfies ApiResponse<'operation'>));
  app.post('/api/machines/:name/bootstrap', { config: { command: 'bootstrap' } }, async (req, reply) => reply.status(202).send({ operation: power.bootstrap(NameParam.parse(req.params).name, actorOf(req)) } satisfies ApiResponse<'operation'>));

  for (const action of ['shutdown', 'sleep', 'restart'] as const) {
    app.post(`/api/machines/:name/${action}`, { config: { command: action } }, async (req): Promise<ApiResponse<'powerCommand'>> => {
      const result = await power.command(NameParam.parse(req.params).name, action, actorOf(req));
      if (!result.ok) throw new PiaError('power_command_failed', result.message);
      return result;
    });
  }

  app.get('/api/machines/:name/host-key', async (req): Promise<ApiResponse<'hostKey'>> => power.hostKey(NameParam.parse(req.params).name));
  app.post('/api/machines/:name/trust', async (req): Promise<ApiResponse<'trusted'>> => {
    const { fingerprint } = z.object({ fingerprint: z.string().min(1).max(200) }).strict().parse(req.body);
    const machine = power.trust(NameParam.parse(req.params).name, fingerprint, actorOf(req));
    return { machine: machine.name, sshHostKey: machine.capabilities.sshHostKey };
  });

  app.get('/api/machines/:name/doctor', async (req): Promise<ApiResponse<'doctor'>> => ({ findings: power.doctor(NameParam.parse(req.params).name) }));

  app.get('/api/power/operations/:id', async (req): Promise<ApiResponse<'operation'>> => {
    const op = power.operations.get(OpParam.parse(req.params).id);
    if (!op) throw new PiaError('not_found', 'No such power operation (they are kept while the hub runs).');
    return { operation: op };
  });
  app.post('/api/power/operations/:id/cancel', { config: { role: 'operator' } }, async (req): Promise<ApiResponse<'operation'>> => ({ operation: power.operations.cancel(OpParam.parse(req.params).id, actorOf(req).id) }));
}
