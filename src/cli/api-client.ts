import { isErrorCode, PiaError } from '../common/errors.js';

/** How the CLI reaches the hub. */
export interface ApiTarget {
  url: string;
  token: string | undefined;
}

/** A small typed client of the hub's HTTP API, used by the CLI. */
export interface ApiClient {
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  patch<T>(path: string, body: unknown): Promise<T>;
  delete<T>(path: string): Promise<T>;
}

/** Creates the client. Hub errors become PiaErrors with the hub's own code and message. */
export function createApiClient(target: ApiTarget): ApiClient {
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
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
      const error = (json as { error?: { code?: string; message?: string } }).error;
      if (res.status === 401) {
        throw new PiaError('unauthorized', `${error?.message ?? 'Unauthorized'} (set PIA_ADMIN_TOKEN to the hub's admin token)`);
      }
      throw new PiaError(error?.code && isErrorCode(error.code) ? error.code : 'bad_response', error?.message ?? `The hub answered ${res.status}`);
    }
    return json as T;
  }
  return {
    get: (p) => call('GET', p),
    post: (p, b) => call('POST', p, b ?? {}),
    patch: (p, b) => call('PATCH', p, b),
    delete: (p) => call('DELETE', p),
  };
}
