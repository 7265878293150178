import { PiaError } from '../../common/errors.js';
import type { Db } from '../db/database.js';
import { normalizeIdentity, roles, type Role } from '../../commands/roles.js';

/** Roles from configuration: PIA_ADMINS, PIA_OPERATORS, PIA_VIEWERS and PIA_DEFAULT_ROLE. */
export interface RoleConfig {
  admins: string[];
  operators: string[];
  viewers: string[];
  /** The role of the chat workspace's other members (slack:, discord:, console:), never of mail senders. */
  defaultRole: 'none' | 'viewer';
}

/**
 * Identities the default role may apply to: members of the fleet's own Slack or Discord workspace (or its terminal),
 * whom someone let in. Anyone on the internet can send mail, so an `email:` identity has a role only when given one.
 */
const memberIdentity = /^(slack|discord|console):/;

/** A user and where their role comes from. */
export interface UserEntry {
  identity: string;
  role: Role;
  source: 'config' | 'users';
  addedBy?: string;
  addedAt?: string;
}

const identityPattern = /^(slack|discord|email|console):\S{1,320}$/;

/** The identities with a role: `pia users add` entries win over the configuration, which wins over the default. */
export interface UserStore {
  /** The role of an identity, or undefined when it has none. */
  roleOf(identity: string): Role | undefined;
  add(identity: string, role: string, by: string): UserEntry;
  remove(identity: string): boolean;
  list(): UserEntry[];
}

/** Creates the user store. The admin token and the local console are admins. */
export function createUserStore(db: Db, config: RoleConfig, now: () => Date = () => new Date()): UserStore {
  const fromConfig = new Map<string, Role>();
  for (const [list, role] of [[config.viewers, 'viewer'], [config.operators, 'operator'], [config.admins, 'admin']] as const) {
    for (const id of list) fromConfig.set(normalizeIdentity(id), role);
  }
  const get = db.prepare<[string], { identity: string; role: Role; added_by: string; added_at: string }>('SELECT * FROM users WHERE identity = ?');
  const all = db.prepare<[], { identity: string; role: Role; added_by: string; added_at: string }>('SELECT * FROM users ORDER BY identity');
  const upsert = db.prepare('INSERT INTO users (identity, role, added_by, added_at) VALUES (?, ?, ?, ?) ON CONFLICT(identity) DO UPDATE SET role = excluded.role, added_by = excluded.added_by, added_at = excluded.added_at');
  const del = db.prepare('DELETE FROM users WHERE identity = ?');

  return {
    /** The role of an identity, or undefined when it has none. */
    roleOf(identity: string): Role | undefined {
      if (identity === 'admin-token' || identity === 'cli' || identity.startsWith('console:')) return 'admin';
      const id = normalizeIdentity(identity);
      return get.get(id)?.role ?? fromConfig.get(id) ?? (config.defaultRole === 'viewer' && memberIdentity.test(id) ? 'viewer' : undefined);
    },

    add(identity: string, role: string, by: string): UserEntry {
      const id = normalizeIdentity(identity);
      if (!identityPattern.test(id)) throw new PiaError('identity_invalid', `"${identity.slice(0, 80)}" is not an identity; use slack:<user id>, discord:<user id> or email:<address>.`);
      if (!(roles as readonly string[]).includes(role)) throw new PiaError('role_invalid', `"${role.slice(0, 20)}" is not a role; use viewer, operator or admin.`);
      upsert.run(id, role, by, now().toISOString());
      return { identity: id, role: role as Role, source: 'users', addedBy: by };
    },

    remove(identity: string): boolean {
      return del.run(normalizeIdentity(identity)).changes > 0;
    },

    list(): UserEntry[] {
      const out = new Map<string, UserEntry>();
      for (const [identity, role] of fromConfig) out.set(identity, { identity, role, source: 'config' });
      for (const r of all.all()) out.set(r.identity, { identity: r.identity, role: r.role, source: 'users', addedBy: r.added_by, addedAt: r.added_at });
      return [...out.values()].sort((a, b) => a.identity.localeCompare(b.identity));
    },
  };
}
