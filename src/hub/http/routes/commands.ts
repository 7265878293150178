import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CommandSchema } from '../../../commands/command-schema.js';
import { parseCommand } from '../../../commands/parse.js';
import type { Actions } from '../../actions/actions.js';
import type { ApiResponse } from '../../../protocol/api.js';
import { notUnderstood } from '../../actions/result.js';
import { principalOf, requesterOf } from '../auth.js';

const Body = z.union([
  z.object({ text: z.string().max(100_001), origin: z.string().max(32).default('http') }).strict(),
  z.object({ command: CommandSchema, origin: z.string().max(32).default('http') }).strict(),
]);

/**
 * `POST /api/commands {"text"}` or `{"command"}`: the chat command language over HTTP (the CLI's `pia do`, the web
 * page), so the same words give the same result everywhere: each command is authorised for the caller's role and
 * audited under their identity by the actions, as in chat.
 */
export function commandRoutes(app: FastifyInstance, deps: { actions: Pick<Actions, 'execute'> }): void {
  app.post('/api/commands', { config: { role: 'viewer' } }, async (req): Promise<ApiResponse<'command'>> => {
    const body = Body.parse(req.body);
    // The admin token's holder says where it asks from (`pia do` is the CLI); a person on the page is on the web.
    const who = requesterOf(req, principalOf(req).via === 'token' ? body.origin : undefined);
    if ('command' in body) return { result: await deps.actions.execute(body.command, who) };
    const parsed = parseCommand(body.text);
    if (!parsed.ok) return { result: notUnderstood(parsed) };
    return { result: await deps.actions.execute(parsed.command, who) };
  });
}
