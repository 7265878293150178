import type { TestHub } from './hub.js';

/** A browser's side of the dashboard without a browser: a session cookie and the page's CSRF token. */
export interface WebClient {
  cookie: string;
  csrf: string;
  /** Calls the hub as the page would: the cookie always, the CSRF token and the hub's own Origin on a change. */
  call<T = unknown>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: T }>;
}

/** A one-time link for `identity` (with at most `role`), made by the admin token's holder with `pia dashboard --as`. */
export async function dashboardLink(t: TestHub, as?: string, role?: string): Promise<string> {
  const command = { name: 'dashboard', ...(as ? { as } : {}), ...(role ? { role } : {}) };
  const res = await t.api<{ result: { kind: string; url?: string; text?: string } }>('POST', '/api/commands', { command, origin: 'cli' });
  if (res.body.result.kind !== 'link') throw new Error(`no link: ${JSON.stringify(res.body.result)}`);
  return res.body.result.url!;
}

/** Uses a one-time link as the sign-in page's button does; returns the response (a 303 with the cookie when it worked). */
export async function redeem(t: TestHub, url: string): Promise<Response> {
  const token = new URL(url).pathname.split('/').pop()!;
  return fetch(`${t.httpUrl}/auth/link`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: t.httpUrl, 'sec-fetch-site': 'same-origin' },
    body: new URLSearchParams({ token }).toString(),
  });
}

/** Signs in with a link and reads the CSRF token from the page, as the browser would. */
export async function signIn(t: TestHub, url: string): Promise<WebClient> {
  const res = await redeem(t, url);
  const cookie = /^(pia_session=[^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
  if (res.status !== 303 || !cookie) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
  const page = await (await fetch(`${t.httpUrl}/`, { headers: { cookie } })).text();
  const csrf = /data-csrf="([^"]+)"/.exec(page)?.[1];
  if (!csrf) throw new Error('no CSRF token on the page');
  return {
    cookie,
    csrf,
    async call(method, path, body, headers = {}) {
      const res = await fetch(t.httpUrl + path, {
        method,
        headers: {
          cookie,
          ...(method === 'GET' ? {} : { 'x-csrf-token': csrf, origin: t.httpUrl }),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: (text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as never };
    },
  };
}
