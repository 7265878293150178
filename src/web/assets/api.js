/** The hub's HTTP API, called with the session cookie and, for every change, the page's CSRF token. */

const csrf = document.body.dataset.csrf ?? '';

/** An error answer of the API: its code, its message, and per-field messages for a rejected form. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} message
   * @param {Record<string, string>} [fields]
   */
  constructor(status, code, message, fields) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields ?? {};
  }
}

/**
 * Calls the API. A 401 means the session has ended: the page reloads into the sign-in form.
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 * @returns {Promise<any>}
 */
export async function call(method, path, body) {
  const headers = /** @type {Record<string, string>} */ ({ accept: 'application/json' });
  if (method !== 'GET') headers['x-csrf-token'] = csrf;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (res.status === 401) {
    location.reload();
    throw new ApiError(401, 'session_invalid', data?.error?.message ?? 'Signed out.');
  }
  if (!res.ok) throw new ApiError(res.status, data?.error?.code ?? 'http_error', data?.error?.message ?? `The hub answered ${res.status}.`, data?.error?.fields);
  return data;
}

/** @param {string} path */
export const get = (path) => call('GET', path);

/**
 * Runs a command of the chat language, as a person would in chat: the hub checks the role and audits it.
 * @param {object} command
 * @returns {Promise<any>} the ActionResult
 */
export async function command(command) {
  const { result } = await call('POST', '/api/commands', { command });
  return result;
}

/** @param {string} name */
export const byName = (name) => ({ kind: 'name', name });
