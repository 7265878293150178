import type { IncomingMessage } from 'node:http';
import type { FastifyRequest } from 'fastify';
import { PiaError } from '../../common/errors.js';
import { safeEqual } from '../../common/secrets.js';
import type { CommandName } from '../../commands/command.js';
import { allows, type Role } from '../../commands/roles.js';
import type { Requester } from '../actions/actions.js';
import type { Actor } from '../machine-admin.js';

/** Who is calling the HTTP API: the admin token's holder, or a person signed in to the web page. */
export interface Principal {
  identity: string;
  role: Role;
  via: 'token' | 'session';
}

/**
 * Finds a signed-in person from a request (its session cookie, and for a change its CSRF token). Declared here,
 * implemented by the web front end and handed over by the composition root. Returns undefined when the request
 * carries no session; throws a PiaError when it carries a bad one (expired, forged, a change without the token).
 */
export type SessionAuthenticator = (req: FastifyRequest) => Principal | undefined;

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook on every authenticated request. */
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** Anyone may call it (health, the sign-in page) or it authenticates itself (a platform's signature). */
    public?: boolean;
    /** The role a caller needs; without it, GET needs viewer and a change needs admin. */
    role?: Role;
    /** The command of the chat language this route carries out: it needs that command's role, refusals audited. */
    command?: CommandName;
  }
}

/** The admin token's holder. */
export const adminPrincipal: Principal = Object.freeze({ identity: 'admin-token', role: 'admin', via: 'token' });

/** The caller of an authenticated route (the auth hook has run). */
export function principalOf(req: FastifyRequest): Principal {
  return req.principal ?? adminPrincipal;
}

/** The caller as the audit log and the task service name them; `web` when it came from the page. */
export function actorOf(req: FastifyRequest): Actor {
  const p = principalOf(req);
  return { id: p.identity, origin: p.via === 'session' ? 'web' : 'http' };
}

/** The caller as the actions take it. */
export function requesterOf(req: FastifyRequest, kind?: string): Requester {
  const p = principalOf(req);
  return { identity: p.identity, origin: { kind: kind ?? (p.via === 'session' ? 'web' : 'http') }, ...(p.via === 'session' ? { maxRole: p.role } : {}) };
}

/** For routes whose role depends on the body (a shell task needs an admin, a run an operator). */
export function requireRole(req: FastifyRequest, need: Role): void {
  const p = principalOf(req);
  if (!allows(p.role, need)) throw new PiaError('forbidden', `That needs the ${need} role; you (${p.identity}) are ${p.role}.`);
}

/**
 * Does the request carry the admin token, as `Authorization: Bearer <token>` (or, for WebSocket clients in a
 * browser that cannot set headers, `?token=`)?
 */
export function hasAdminToken(req: Pick<IncomingMessage, 'headers' | 'url'>, adminToken: string, allowQuery = false): boolean {
  const header = req.headers.authorization;
  if (typeof header === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return m !== null && safeEqual(m[1]!, adminToken);
  }
  if (allowQuery && req.url) {
    const token = new URL(req.url, 'http://hub').searchParams.get('token');
    return token !== null && safeEqual(token, adminToken);
  }
  return false;
}
