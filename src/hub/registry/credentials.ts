import { PiaError } from '../../common/errors.js';
import { hashToken, newToken } from '../../common/secrets.js';
import type { Db } from '../db/database.js';

interface CredentialRow {
  id: number;
  machine_id: number | null;
  machine_name: string;
  kind: 'join' | 'secret';
  expires_at: string | null;
  used_at: string | null;
  revoked_at: string | null;
}

/** A join token just issued: shown once, stored only as a hash. */
export interface IssuedJoinToken {
  joinToken: string;
  expiresAt: string;
}

/** Why a link was refused; `message` is meant for the person running the worker. */
export class LinkRefused extends PiaError {
  constructor(message: string) {
    super('link_refused', message);
  }
}

/** The credential store: join tokens and per-machine secrets, hashed. */
export interface CredentialStore {
  /** Issues a single-use join token for a machine, valid for `ttlMs`. */
  issueJoinToken(machine: { id: number; name: string }, ttlMs: number): IssuedJoinToken;
  /**
   * Exchanges a join token for a new per-machine secret, once. The token is spent and the secret stored in
   * one transaction, so two workers racing with the same token cannot both succeed.
   */
  exchangeJoinToken(token: string, claimedName?: string): { machineId: number; secret: string };
  /** The machine id a per-machine secret belongs to; a {@link LinkRefused} otherwise. */
  authenticate(secret: string): number;
  /** Whether a per-machine secret is currently accepted (without recording a use). */
  isValidSecret(secret: string): boolean;
  /** Revokes every join token and secret of a machine. Returns how many were revoked. */
  revokeAll(machineId: number): number;
}

/** Creates the credential store over an open, migrated database. */
export function createCredentialStore(db: Db, now: () => Date = () => new Date()): CredentialStore {
  const insert = db.prepare(`INSERT INTO machine_credentials (machine_id, machine_name, kind, token_hash, created_at, expires_at)
      VALUES (@machineId, @machineName, @kind, @hash, @createdAt, @expiresAt)`);
  const find = db.prepare<[string], CredentialRow>('SELECT * FROM machine_credentials WHERE token_hash = ?');
  const markUsed = db.prepare('UPDATE machine_credentials SET used_at = ? WHERE id = ? AND used_at IS NULL');
  const touch = db.prepare('UPDATE machine_credentials SET last_used_at = ? WHERE id = ?');
  const revoke = db.prepare(
    'UPDATE machine_credentials SET revoked_at = ? WHERE machine_id = ? AND revoked_at IS NULL',
  );

  function lookup(token: string, kind: CredentialRow['kind']): CredentialRow {
    const row = find.get(hashToken(token));
    const what = kind === 'join' ? 'join token' : 'machine secret';
    if (!row || row.kind !== kind) {
      throw new LinkRefused(`unknown ${what}; ask the hub's operator for a new one (pia machines token <name>)`);
    }
    if (row.revoked_at) throw new LinkRefused(`${what} for "${row.machine_name}" was revoked at ${row.revoked_at}`);
    if (row.machine_id === null) throw new LinkRefused(`machine "${row.machine_name}" was removed from the fleet`);
    return row;
  }

  return {
    /** Issues a single-use join token for a machine, valid for `ttlMs`. */
    issueJoinToken(machine: { id: number; name: string }, ttlMs: number): IssuedJoinToken {
      const joinToken = newToken('pia_j_', 24);
      const created = now();
      const expiresAt = new Date(created.getTime() + ttlMs).toISOString();
      insert.run({ machineId: machine.id, machineName: machine.name, kind: 'join', hash: hashToken(joinToken), createdAt: created.toISOString(), expiresAt });
      return { joinToken, expiresAt };
    },

    /**
     * Exchanges a join token for a new per-machine secret, once. The token is spent and the secret stored in
     * one transaction, so two workers racing with the same token cannot both succeed.
     */
    exchangeJoinToken(token: string, claimedName?: string): { machineId: number; secret: string } {
      return db.transaction(() => {
        const row = lookup(token, 'join');
        if (row.used_at) throw new LinkRefused(`join token for "${row.machine_name}" was already used at ${row.used_at}; each token works once`);
        if (row.expires_at && row.expires_at <= now().toISOString()) {
          throw new LinkRefused(`join token for "${row.machine_name}" expired at ${row.expires_at}; issue a new one with pia machines token ${row.machine_name}`);
        }
        if (claimedName !== undefined && claimedName !== row.machine_name) {
          throw new LinkRefused(`this join token is for machine "${row.machine_name}", not "${claimedName}"`);
        }
        markUsed.run(now().toISOString(), row.id);
        const secret = newToken('pia_s_', 32);
        insert.run({ machineId: row.machine_id, machineName: row.machine_name, kind: 'secret', hash: hashToken(secret), createdAt: now().toISOString(), expiresAt: null });
        return { machineId: row.machine_id!, secret };
      })();
    },

    /** The machine id a per-machine secret belongs to; a {@link LinkRefused} otherwise. */
    authenticate(secret: string): number {
      const row = lookup(secret, 'secret');
      touch.run(now().toISOString(), row.id);
      return row.machine_id!;
    },

    /** Whether a per-machine secret is currently accepted (without recording a use). */
    isValidSecret(secret: string): boolean {
      try {
        lookup(secret, 'secret');
        return true;
      } catch {
        return false;
      }
    },

    /** Revokes every join token and secret of a machine. Returns how many were revoked. */
    revokeAll(machineId: number): number {
      return revoke.run(now().toISOString(), machineId).changes;
    },
  };
}
