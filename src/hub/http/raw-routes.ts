import type { FastifyInstance } from 'fastify';

/** A route that needs the request body exactly as sent (a platform's signature covers its bytes). */
export interface RawRoute {
  method: 'POST';
  path: string;
  handle(rawBody: string, headers: Record<string, string | string[] | undefined>): Promise<{ status: number; headers?: Record<string, string>; body: string }>;
}

/**
 * Mounts raw routes (Slack's `/slack/events`) on the hub's server. They authenticate by their platform's signature,
 * not the admin token, so they are marked public; in their own scope every body is kept as the raw string.
 */
export async function mountRawRoutes(app: FastifyInstance, routes: RawRoute[]): Promise<void> {
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 1024 * 1024 }, (_req, body, done) => done(null, body));
    for (const r of routes) {
      scope.route({
        method: r.method,
        url: r.path,
        config: { public: true },
        handler: async (req, reply) => {
          const res = await r.handle(typeof req.body === 'string' ? req.body : '', req.headers);
          return reply.code(res.status).headers(res.headers ?? {}).send(res.body);
        },
      });
    }
  });
}
