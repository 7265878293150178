import type { Database } from 'better-sqlite3';
import { hashToken, newToken } from '../common/secrets.js';
import type { Role } from '../commands/roles.js';

/** A signed-in browser, as the store knows it. */
export interface WebSession {
  identity: string;
  /** At most this role (the identity's own role may be less by now); null: the identity's role. */
  roleCap: Role | null;
  csrfToken: string;
  expiresAt: string;
}

/** One-time sign-in links and the sessions they open, in SQLite (only hashes of the secrets). */
export interface SessionStore {
  /** A link secret for `identity`, valid for the link lifetime, usable once. */
  issueLink(input: { identity: string; role?: Role; by: string }): { token: string; expiresAt: string };
  /** Uses a link: opens its session, or undefined when the link is unknown, used or expired. */
  redeemLink(token: string): { id: string; session: WebSession } | undefined;
  /** Opens a session directly (sign-in with the admin token). */
  open(identity: string, roleCap?: Role): { id: string; session: WebSession };
  /** The live session with this id (from the cookie), or undefined when it is unknown, ended or expired. */
  get(id: string): WebSession | undefined;
  /** Signs a session out. */
  end(id: string): void;
  /** Deletes expired links and sessions; returns how many. */
  sweep(): number;
}

/** How long links and sessions live. */
export interface SessionTimes {
  linkTtlMs: number;
  sessionTtlMs: number;
}

interface SessionRow {
  identity: string;
  role: Role | null;
  csrf_token: string;
  expires_at: string;
}

/** Creates the store over the hub's migrated database. */
export function createSessionStore(db: Database, times: SessionTimes, now: () => Date = () => new Date()): SessionStore {
  const insertLink = db.prepare('INSERT INTO web_links (token_hash, identity, role, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)');
  // Marking a link used is the same statement that checks it is unused and fresh, so two clicks open one session.
  const useLink = db.prepare<[string, string, string], { identity: string; role: Role | null }>(
    'UPDATE web_links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? RETURNING identity, role',
  );
  const insertSession = db.prepare('INSERT INTO web_sessions (id_hash, identity, role, csrf_token, created_at, expires_at, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const getSession = db.prepare<[string, string], SessionRow>('SELECT identity, role, csrf_token, expires_at FROM web_sessions WHERE id_hash = ? AND ended_at IS NULL AND expires_at > ?');
  const endSession = db.prepare('UPDATE web_sessions SET ended_at = ? WHERE id_hash = ? AND ended_at IS NULL');
  const sweepLinks = db.prepare('DELETE FROM web_links WHERE expires_at <= ?');
  const sweepSessions = db.prepare('DELETE FROM web_sessions WHERE expires_at <= ?');

  function open(identity: string, roleCap?: Role | null): { id: string; session: WebSession } {
    const id = newToken('pia_s_');
    const at = now();
    const session: WebSession = { identity, roleCap: roleCap ?? null, csrfToken: newToken('', 24), expiresAt: new Date(at.getTime() + times.sessionTtlMs).toISOString() };
    insertSession.run(hashToken(id), identity, session.roleCap, session.csrfToken, at.toISOString(), session.expiresAt, at.toISOString());
    return { id, session };
  }

  return {
    issueLink({ identity, role, by }) {
      const token = newToken('pia_l_');
      const at = now();
      const expiresAt = new Date(at.getTime() + times.linkTtlMs).toISOString();
      insertLink.run(hashToken(token), identity, role ?? null, by, at.toISOString(), expiresAt);
      return { token, expiresAt };
    },
    redeemLink(token) {
      if (token.length > 200) return undefined;
      const at = now().toISOString();
      return db.transaction(() => {
        const link = useLink.get(at, hashToken(token), at);
        return link ? open(link.identity, link.role) : undefined;
      })();
    },
    open,
    get(id) {
      if (id.length > 200) return undefined;
      const row = getSession.get(hashToken(id), now().toISOString());
      return row ? { identity: row.identity, roleCap: row.role, csrfToken: row.csrf_token, expiresAt: row.expires_at } : undefined;
    },
    end(id) {
      endSession.run(now().toISOString(), hashToken(id));
    },
    sweep() {
      const at = now().toISOString();
      return sweepLinks.run(at).changes + sweepSessions.run(at).changes;
    },
  };
}
