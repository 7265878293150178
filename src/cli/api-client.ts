import type { z } from 'zod';
import { isErrorCode, PiaError } from '../common/errors.js';
import { api as schemas } from '../protocol/api.js';

/** How the CLI reaches the hub. */
export interface ApiTarget {
  url: string;
  token: string | undefined;
}

/** A typed client of the hub's HTTP API: every answer is parsed with the route's schema (src/protocol/api.ts). */
export interface ApiClient {
  get<S extends z.ZodType>(path: string, schema: S): Promise<z.infer<S>>;
  post<S extends z.ZodType>(path: string, schema: S, body?: unknown): Promise<z.infer<S>>;
  patch<S extends z.ZodType>(path: string, schema: S, body: unknown): Promise<z.infer<S>>;
  delete<S extends z.ZodType>(path: string, schema: S): Promise<z.infer<S>>;
}

/** Creates the client. Hub errors become PiaErrors with the hub's own code and message. */
export function createApiClient(target: ApiTarget): ApiClient {
  async function call<S extends z.ZodType>(method: string, path: string, schema: S, body?: unknown): Promise<z.infer<S>> {
    let res: Response;
    try {
      res = await fetch(new URL(path, target.url), {
        method,
        headers: {
          ...(target.token ? { authorization: `Bearer ${target.token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new PiaError(
        'hub_unreachable',
        `Cannot reach the hub at ${target.url} (${cause?.code ?? cause?.message ?? (err as Error).message}). Is it running? Start it with \`npm start\`, or set PIA_URL.`,
      );
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      throw new PiaError('bad_response', `The hub answered ${res.status} with a body that is not JSON`);
    }
    if (!res.ok) {
      const parsed = schemas.error.safeParse(json);
      const error = parsed.success ? parsed.data.error : undefined;
      if (res.status === 401) {
        throw new PiaError('unauthorized', `${error?.message ?? 'Unauthorized'} (set PIA_ADMIN_TOKEN to the hub's admin token)`);
      }
      throw new PiaError(error && isErrorCode(error.code) ? error.code : 'bad_response', error?.message ?? `The hub answered ${res.status}`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new PiaError('bad_response', `The hub's answer to ${method} ${path.split('?')[0]} is not what this pia expects (${issue?.path.join('.') || 'body'}: ${issue?.message}); are the hub and this CLI the same version?`);
    }
    return parsed.data as z.infer<S>;
  }
  return {
    get: (p, s) => call('GET', p, s),
    post: (p, s, b) => call('POST', p, s, b ?? {}),
    patch: (p, s, b) => call('PATCH', p, s, b),
    delete: (p, s) => call('DELETE', p, s),
  };
}
