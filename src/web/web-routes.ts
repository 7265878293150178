import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { PiaError } from '../common/errors.js';
import { safeEqual } from '../common/secrets.js';
import { projectRoot } from '../common/version.js';
import type { Role } from '../commands/roles.js';
import { linkPage, shellPage, signInPage } from './pages.js';
import { clearSessionCookie, sameOrigin, sessionIdOf, sessionRole, setSessionCookie } from './session-auth.js';
import type { SessionStore } from './sessions.js';

/** What the web front end needs from the hub. */
export interface WebDeps {
  sessions: SessionStore;
  roleOf(identity: string): Role | undefined;
  adminToken: string;
  /** Served over TLS: cookies are Secure and browsers are told to stay on https. */
  secure: boolean;
  /** The hub's public address (PIA_PUBLIC_URL or where it listens), for the same-origin check. */
  publicUrl: () => string;
  /** Sign-in attempts allowed per address and minute. */
  signInsPerMinute?: number;
}

/** Where the page's own files are (served as they are: no build step). */
export const assetsDir = path.join(projectRoot, 'src', 'web', 'assets');
const vendorFiles: Record<string, string> = {
  'ansi_up.js': path.join(path.dirname(createRequire(import.meta.url).resolve('ansi_up/package.json')), 'ansi_up.js'),
};

const TokenForm = z.object({ token: z.string().min(1).max(512) });

/**
 * Mounts the dashboard on the hub's own server: `/` (the page, or the sign-in form), `/login/<token>` (a one-time
 * link), the sign-in and sign-out routes, and `/assets/*` (files from the repository and from node_modules, never
 * a CDN). Everything here is sent with a strict Content-Security-Policy: scripts and styles only from this hub,
 * no inline script, no framing.
 */
export async function mountWeb(app: FastifyInstance, deps: WebDeps): Promise<void> {
  const assets = new Set(readdirSync(assetsDir).filter((f) => /^[a-z0-9-]+\.(js|css|svg|png)$/.test(f)));
  const perMinute = deps.signInsPerMinute ?? 10;

  await app.register(async (scope) => {
    await scope.register(helmet, {
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          fontSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'none'"],
          frameAncestors: ["'none'"],
          formAction: ["'self'"],
          ...(deps.secure ? { upgradeInsecureRequests: [] } : {}),
        },
      },
      strictTransportSecurity: deps.secure ? { maxAge: 15_552_000 } : false,
      // same-origin, not no-referrer: with no-referrer a form's POST says `Origin: null`, and the sign-in check needs it.
      referrerPolicy: { policy: 'same-origin' },
    });
    await scope.register(rateLimit, {
      global: false,
      errorResponseBuilder: (_req, ctx) => new PiaError('too_many_attempts', `Too many sign-in attempts from this address; try again in ${Math.ceil(ctx.ttl / 1000)} s.`),
    });
    await scope.register(fastifyStatic, { root: assetsDir, serve: false, cacheControl: true, maxAge: 0 });
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 4096 }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });

    const html = (reply: FastifyReply, status: number, text: string) => reply.status(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(text);
    const signedIn = (reply: FastifyReply, opened: ReturnType<SessionStore['open']>) => {
      setSessionCookie(reply, opened.id, opened.session, deps.secure);
      return reply.status(303).header('location', '/').send();
    };
    const fromHere = (req: FastifyRequest) => {
      if (!sameOrigin(req, deps.publicUrl)) throw new PiaError('csrf_refused', 'Refused: sign in from this hub’s own page.');
    };
    const signIn = { public: true, rateLimit: { max: perMinute, timeWindow: 60_000 } };

    scope.get('/', { config: { public: true } }, async (req, reply) => {
      const id = sessionIdOf(req);
      const session = id ? deps.sessions.get(id) : undefined;
      const role = session ? sessionRole(deps.roleOf(session.identity), session.roleCap) : undefined;
      if (!session || !role) {
        if (id) clearSessionCookie(reply, deps.secure);
        return html(reply, 200, signInPage(id ? 'Your session has ended; sign in again.' : undefined));
      }
      return html(reply, 200, shellPage({ identity: session.identity, role, csrfToken: session.csrfToken }));
    });

    scope.get('/login/:token', { config: { public: true } }, async (req, reply) => {
      const { token } = z.object({ token: z.string().min(1).max(512) }).parse(req.params);
      return html(reply, 200, linkPage(token));
    });

    scope.post('/auth/link', { config: signIn }, async (req, reply) => {
      fromHere(req);
      const { token } = TokenForm.parse(req.body);
      const opened = deps.sessions.redeemLink(token);
      if (!opened) return html(reply, 401, signInPage('That link is used, expired or not valid. Ask for a new one: pia dashboard'));
      return signedIn(reply, opened);
    });

    scope.post('/auth/token', { config: signIn }, async (req, reply) => {
      fromHere(req);
      const { token } = TokenForm.parse(req.body);
      if (!safeEqual(token, deps.adminToken)) return html(reply, 401, signInPage('That is not the admin token.'));
      return signedIn(reply, deps.sessions.open('admin-token'));
    });

    // Authenticated by the hub's hook (session and CSRF token), like every other change.
    scope.post('/auth/logout', { config: { role: 'viewer' } }, async (req, reply) => {
      const id = sessionIdOf(req);
      if (id) deps.sessions.end(id);
      clearSessionCookie(reply, deps.secure);
      return { signedOut: true };
    });

    scope.get('/assets/:file', { config: { public: true } }, async (req, reply) => {
      const { file } = z.object({ file: z.string().max(100) }).parse(req.params);
      if (!assets.has(file)) throw new PiaError('not_found', `No asset ${file.slice(0, 100)}.`);
      return reply.sendFile(file);
    });
    scope.get('/assets/vendor/:file', { config: { public: true } }, async (req, reply) => {
      const { file } = z.object({ file: z.string().max(100) }).parse(req.params);
      const found = Object.hasOwn(vendorFiles, file) ? vendorFiles[file]! : undefined;
      if (!found) throw new PiaError('not_found', `No asset vendor/${file.slice(0, 100)}.`);
      return reply.sendFile(path.basename(found), path.dirname(found));
    });
  });
}
