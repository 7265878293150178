import { z } from 'zod';

/** One answered call: status, parsed JSON body (undefined if not JSON), and time to the last byte. */
export interface ApiAnswer {
  status: number;
  body: unknown;
  ms: number;
}

/** Calls the hub's HTTP API with the admin token. */
export type HubApi = (method: 'GET' | 'POST', path: string, body?: unknown) => Promise<ApiAnswer>;

/** Creates an API caller for the hub at `httpUrl`; every call gives up after `timeoutMs`. */
export function hubApi(httpUrl: string, token: string, timeoutMs = 5000): HubApi {
  return async (method, path, body) => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const t0 = performance.now();
    const res = await fetch(`${httpUrl}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    const ms = performance.now() - t0;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed, ms };
  };
}

/** The part of a power operation the benchmark reads (202 from wake, 200 from cancel and GET). */
export const OperationBody = z.object({ operation: z.object({ id: z.string(), state: z.string(), startedAt: z.string() }) });

/** A short description of an unexpected answer, for the report. */
export function describe(answer: ApiAnswer): string {
  return `HTTP ${answer.status}: ${JSON.stringify(answer.body)?.slice(0, 200)}`;
}
