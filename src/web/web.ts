import type { FastifyInstance } from 'fastify';
import type { Role } from '../commands/roles.js';
import type { Db } from '../hub/db/database.js';
import type { SessionAuthenticator } from '../hub/http/auth.js';
import type { WebConfig } from './config.js';
import { createSessionAuth } from './session-auth.js';
import { createSessionStore } from './sessions.js';
import { mountWeb } from './web-routes.js';

/** The web dashboard: its sessions, the hub's authenticator for them, its routes, and its sign-in links. */
export interface WebFrontEnd {
  /** For the hub's auth hook: the person signed in with a request's session cookie. */
  authenticate: SessionAuthenticator;
  /** Mounts the page, the sign-in routes and the assets on the hub's server (before it listens). */
  mount(app: FastifyInstance): Promise<void>;
  /** A one-time sign-in link for an identity, with at most `role`. */
  link(input: { identity: string; role?: Role; by: string }): { url: string; expiresAt: string };
  /** Stops the sweep of expired sessions. */
  close(): void;
}

/** Creates the web front end over the hub's database. */
export function createWeb(deps: {
  config: Readonly<WebConfig>;
  db: Db;
  roleOf(identity: string): Role | undefined;
  adminToken: string;
  secure: boolean;
  publicUrl: () => string;
}): WebFrontEnd {
  const sessions = createSessionStore(deps.db, { linkTtlMs: deps.config.linkTtlMs, sessionTtlMs: deps.config.sessionTtlMs });
  sessions.sweep();
  const sweeper = setInterval(() => sessions.sweep(), 3600_000);
  sweeper.unref();
  return {
    authenticate: createSessionAuth({ sessions, roleOf: deps.roleOf, publicUrl: deps.publicUrl }),
    mount: (app) => mountWeb(app, { sessions, roleOf: deps.roleOf, adminToken: deps.adminToken, secure: deps.secure, publicUrl: deps.publicUrl, signInsPerMinute: deps.config.signInsPerMinute }),
    link(input) {
      const { token, expiresAt } = sessions.issueLink(input);
      return { url: `${deps.publicUrl().replace(/\/+$/, '')}/login/${token}`, expiresAt };
    },
    close() {
      clearInterval(sweeper);
    },
  };
}
