import type { FastifyError, FastifyInstance } from 'fastify';
import { ZodError } from 'zod';
import { PiaError } from '../../common/errors.js';

/** The body of every error response. */
export interface ErrorBody {
  /** `fields`: for a request that failed validation, the message for each field that failed (`capabilities.mac`). */
  error: { code: string; message: string; fields?: Record<string, string> };
}

/** Turns a thrown error into a status and `{"error":{"code","message"}}`; the one boundary for HTTP. The status comes from the error table. */
export function toHttpError(err: unknown): { status: number; body: ErrorBody } {
  if (err instanceof PiaError) return { status: err.status, body: { error: { code: err.code, message: err.message } } };
  if (err instanceof ZodError) {
    const issue = err.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    const fields: Record<string, string> = {};
    for (const i of err.issues) {
      const key = i.path.map(String).join('.');
      if (key && !(key in fields)) fields[key] = i.message;
    }
    return { status: 400, body: { error: { code: 'invalid_request', message: `${where}${issue?.message ?? 'invalid request'}`, ...(Object.keys(fields).length ? { fields } : {}) } } };
  }
  const fe = err as Partial<FastifyError>;
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    const code = fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ? 'invalid_json' : 'invalid_request';
    return { status: fe.statusCode, body: { error: { code, message: fe.message ?? 'bad request' } } };
  }
  if ((err as { code?: unknown }).code === 'SQLITE_FULL') {
    return { status: 507, body: { error: { code: 'storage_full', message: "The hub's disk is full, so it takes no new work: free space in its data directory (PIA_DATA_DIR) and try again." } } };
  }
  return { status: 500, body: { error: { code: 'internal', message: 'Internal error; see the hub log.' } } };
}

/** Installs the error and not-found handlers on an app. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err, req, reply) => {
    const { status, body } = toHttpError(err);
    if (status >= 500) req.log.error({ err }, 'request failed');
    void reply.status(status).send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).send({ error: { code: 'not_found', message: `No route ${req.method} ${req.url.split('?')[0]}` } });
  });
}
