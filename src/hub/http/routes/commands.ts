import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseCommand } from '../../../commands/parse.js';
import type { Actions } from '../../actions/actions.js';
import type { ApiResponse } from '../../../protocol/api.js';
import { notUnderstood } from '../../actions/result.js';

/**
 * `POST /api/commands {"text"}`: the chat command language over HTTP (the CLI's `pia do`, and later the web page),
 * so the same words give the same result everywhere. The caller holds the admin token.
 */
export function commandRoutes(app: FastifyInstance, deps: { actions: Pick<Actions, 'execute'> }): void {
  app.post('/api/commands', async (req): Promise<ApiResponse<'command'>> => {
    const { text, origin } = z.object({ text: z.string().max(100_001), origin: z.string().max(32).default('http') }).strict().parse(req.body);
    const parsed = parseCommand(text);
    if (!parsed.ok) return { result: notUnderstood(parsed) };
    return { result: await deps.actions.execute(parsed.command, { identity: 'admin-token', origin: { kind: origin } }) };
  });
}
