import { fastifyCookie } from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PiaError } from '../common/errors.js';
import { safeEqual } from '../common/secrets.js';
import { allows, type Role } from '../commands/roles.js';
import type { Principal, SessionAuthenticator } from '../hub/http/auth.js';
import type { SessionStore, WebSession } from './sessions.js';

/** The session cookie's name. */
export const SESSION_COOKIE = 'pia_session';
/** The header the page sends its CSRF token in. */
export const CSRF_HEADER = 'x-csrf-token';

const readOnly = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The session id in a request's cookie, if any. */
export function sessionIdOf(req: FastifyRequest): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  const value = fastifyCookie.parse(header)[SESSION_COOKIE];
  return value ? value : undefined;
}

/** Sets the session cookie: HttpOnly (no script reads it), SameSite=Strict (no other site sends it), Secure on TLS. */
export function setSessionCookie(reply: FastifyReply, id: string, session: WebSession, secure: boolean): void {
  reply.header('set-cookie', fastifyCookie.serialize(SESSION_COOKIE, id, { httpOnly: true, sameSite: 'strict', secure, path: '/', expires: new Date(session.expiresAt) }));
}

/** Clears the session cookie (sign-out). */
export function clearSessionCookie(reply: FastifyReply, secure: boolean): void {
  reply.header('set-cookie', fastifyCookie.serialize(SESSION_COOKIE, '', { httpOnly: true, sameSite: 'strict', secure, path: '/', expires: new Date(0) }));
}

/**
 * Whether a request comes from a page of this hub: a browser says where a request comes from (`Sec-Fetch-Site`,
 * `Origin`), and a page of another site may not act with this hub's cookie. Requests without those headers
 * (curl, old browsers) are judged by the CSRF token alone.
 */
export function sameOrigin(req: FastifyRequest, publicUrl: () => string): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  const own = [`${req.protocol}://${req.headers.host ?? ''}`];
  const pub = publicUrl();
  if (pub) own.push(new URL(pub).origin);
  return own.includes(origin);
}

/** The role a session acts with: its identity's role today, capped by the link that opened it. */
export function sessionRole(identityRole: Role | undefined, cap: Role | null): Role | undefined {
  if (identityRole === undefined) return undefined;
  return cap !== null && allows(identityRole, cap) ? cap : identityRole;
}

/**
 * The hub's session authenticator for the web page: a live session from the cookie, acting with its identity's
 * current role (so removing a role takes effect at once), and for any change the session's CSRF token in
 * `x-csrf-token` from a page of this hub.
 */
export function createSessionAuth(deps: { sessions: SessionStore; roleOf(identity: string): Role | undefined; publicUrl: () => string }): SessionAuthenticator {
  return (req): Principal | undefined => {
    const id = sessionIdOf(req);
    if (!id) return undefined;
    const session = deps.sessions.get(id);
    if (!session) throw new PiaError('session_invalid', 'Your dashboard session has ended or is not valid: sign in again.');
    const role = sessionRole(deps.roleOf(session.identity), session.roleCap);
    if (!role) throw new PiaError('forbidden', `${session.identity} no longer has a role in this PIA.`);
    if (!readOnly.has(req.method)) {
      const token = req.headers[CSRF_HEADER];
      if (typeof token !== 'string' || !safeEqual(token, session.csrfToken) || !sameOrigin(req, deps.publicUrl)) {
        throw new PiaError('csrf_refused', 'Refused: a change must come from the dashboard page itself (missing or wrong CSRF token, or another origin).');
      }
    }
    return { identity: session.identity, role, via: 'session' };
  };
}
