import { PiaError } from '../../common/errors.js';
import { Facts } from '../../protocol/facts.js';
import { MachineName } from '../../protocol/messages.js';
import type { Db } from '../db/database.js';
import { Capabilities, mergeCapabilities, type CapabilitiesPatch } from './capabilities.js';
import type { PowerState } from '../../power/power-state.js';
import type { Machine, MachineStatus } from './machine.js';
import { closestNames } from '../../common/suggest.js';
import { learnedMac } from '../../wol/learned-mac.js';

interface MachineRow {
  id: number;
  name: string;
  status: MachineStatus;
  power_state: PowerState;
  power_state_at: string | null;
  power_evidence: string | null;
  last_seen: string | null;
  facts: string | null;
  capabilities: string;
  created_at: string;
  aliases: string | null;
  learned_mac: string | null;
}

const selectMachines = `
  SELECT m.*, (SELECT json_group_array(alias) FROM (SELECT alias FROM machine_aliases a WHERE a.machine_id = m.id ORDER BY alias)) AS aliases
  FROM machines m`;

/** A JSON value, or null. */
const jsonOrNull = (v: string | null) => (v === null ? 'null' : JSON.stringify(v));

/** Stored JSON is ours, but parse it anyway: a hand-edited row must not crash the hub. */
function rowToMachine(row: MachineRow): Machine {
  const facts = row.facts ? Facts.safeParse(JSON.parse(row.facts)) : null;
  const caps = Capabilities.safeParse(JSON.parse(row.capabilities));
  const aliases = row.aliases ? (JSON.parse(row.aliases) as string[]) : [];
  return {
    id: row.id,
    name: row.name,
    aliases,
    status: row.status,
    powerState: row.power_state,
    powerStateAt: row.power_state_at,
    powerEvidence: row.power_evidence,
    lastSeen: row.last_seen,
    facts: facts?.success ? facts.data : null,
    capabilities: caps.success ? caps.data : {},
    createdAt: row.created_at,
  };
}

/** The machines table: names, aliases, facts, capabilities, status. */
export interface MachineStore {
  /** A machine by name or alias, or undefined. */
  find(nameOrAlias: string): Machine | undefined;
  /** A machine by name or alias; a `machine_unknown` error with suggestions otherwise. */
  get(nameOrAlias: string): Machine;
  /** A machine by id (internal use: links and credentials hold ids). */
  byId(id: number): Machine | undefined;
  /** Every machine as the API's JSON objects, a page at a time, by name (see the method). */
  listJsonPages(liveLastSeen: (id: number) => number | undefined, extra?: (name: string) => Record<string, unknown>, pageSize?: number): Generator<string>;
  /** Every machine, by name. */
  list(): Machine[];
  /** The first `limit` machines, offline ones first, then by name. */
  page(limit: number): Machine[];
  /** Machines in one status, by name (cheaper than `list` when most of a large fleet is in the other). */
  listByStatus(status: MachineStatus): Machine[];
  /** Registers a new machine. */
  create(name: string, capabilities?: Capabilities): Machine;
  /** Merges a capabilities patch (null removes a key) and returns the machine. */
  updateCapabilities(id: number, patch: CapabilitiesPatch): Machine;
  /** Replaces a machine's aliases; each must be a valid name not used by another machine or alias. */
  setAliases(id: number, aliases: string[]): Machine;
  /** Deletes a machine (its credentials stay, revoked, so a later link attempt is refused by name). */
  remove(id: number): void;
  /** Records a linked worker: status online, power state online with its evidence, fresh facts. */
  markOnline(id: number, facts: Facts): void;
  /** Records a lost link. Returns false when the machine was not online. */
  markOffline(id: number, evidence: string): boolean;
  /** Records a power state with its evidence (a probe, a wake step); false when nothing changed. */
  setPowerState(id: number, state: PowerState, evidence: string): boolean;
  /** Records many lost links at once (hub shutdown), in one transaction. */
  markManyOffline(ids: number[], evidence: string): void;
  /** At hub start nothing is linked yet: every machine is offline with unknown power. */
  markAllOffline(): number;
  /** Saves a batch of last-seen times in one transaction. */
  saveLastSeen(entries: Iterable<[number, string]>): void;
  /** Replaces a machine's facts (the worker reported a change). */
  updateFacts(id: number, facts: Facts): void;
  /** How many machines are in each status. */
  countByStatus(): Record<MachineStatus, number>;
}

/** Creates the machine store over an open, migrated database. */
export function createMachineStore(db: Db, now: () => Date = () => new Date()): MachineStore {
  const byName = db.prepare<[string, string], MachineRow>(
    `${selectMachines} WHERE m.name = ? OR m.id = (SELECT machine_id FROM machine_aliases WHERE alias = ?)`,
  );
  const byId = db.prepare<[number], MachineRow>(`${selectMachines} WHERE m.id = ?`);
  const all = db.prepare<[], MachineRow>(`${selectMachines} ORDER BY m.name`);
  const pageAfter = db.prepare<[string, number], MachineRow>(`${selectMachines} WHERE m.name > ? ORDER BY m.name LIMIT ?`);
  const byStatus = db.prepare<[string], MachineRow>(`${selectMachines} WHERE m.status = ? ORDER BY m.name`);
  // Offline machines first: they are the ones a person asking "status" wants to see (and wake).
  const firstPage = db.prepare<[number], MachineRow>(`${selectMachines} ORDER BY m.status = 'online', m.name LIMIT ?`);
  const counts = db.prepare<[], { status: MachineStatus; n: number }>('SELECT status, count(*) AS n FROM machines GROUP BY status');
  const names = db.prepare<[], string>('SELECT name FROM machines UNION SELECT alias FROM machine_aliases').pluck();
  const insert = db.prepare('INSERT INTO machines (name, capabilities, created_at) VALUES (?, ?, ?)');
  const setCaps = db.prepare('UPDATE machines SET capabilities = ? WHERE id = ?');
  const del = db.prepare('DELETE FROM machines WHERE id = ?');
  const aliasTaken = db.prepare<[string, string], number>(
    'SELECT 1 FROM machines WHERE name = ? UNION SELECT 1 FROM machine_aliases WHERE alias = ?',
  ).pluck();
  const clearAliases = db.prepare('DELETE FROM machine_aliases WHERE machine_id = ?');
  const addAlias = db.prepare('INSERT INTO machine_aliases (alias, machine_id) VALUES (?, ?)');
  const online = db.prepare(`UPDATE machines SET status = 'online', power_state = 'online', power_state_at = @at,
      power_evidence = 'worker linked', last_seen = @at, facts = @facts, hostname = @hostname, os = @os, arch = @arch,
      cpus = @cpus, memory_bytes = @memory, learned_mac = @learnedMac WHERE id = @id`);
  const offline = db.prepare(`UPDATE machines SET status = 'offline', power_state = 'unknown', power_state_at = @at,
      power_evidence = @evidence WHERE id = @id AND status = 'online'`);
  const allOffline = db.prepare(`UPDATE machines SET status = 'offline', power_state = 'unknown', power_state_at = ?,
      power_evidence = 'hub restarted; no worker linked yet' WHERE status = 'online'`);
  const seen = db.prepare('UPDATE machines SET last_seen = ? WHERE id = ?');
  const setPower = db.prepare(`UPDATE machines SET power_state = @state, power_state_at = @at, power_evidence = @evidence
      WHERE id = @id AND status = 'offline' AND (power_state IS NOT @state OR power_evidence IS NOT @evidence)`);
  const setFacts = db.prepare(`UPDATE machines SET facts = @facts, hostname = @hostname, os = @os, arch = @arch,
      cpus = @cpus, memory_bytes = @memory, learned_mac = @learnedMac WHERE id = @id`);

  const factColumns = (facts: Facts) => ({
    facts: JSON.stringify(facts),
    hostname: facts.hostname,
    os: facts.os.platform,
    arch: facts.arch,
    cpus: facts.cpus,
    memory: facts.memoryBytes,
    learnedMac: ((learned) => (learned ? JSON.stringify(learned) : null))(learnedMac(facts)),
  });

  const store = {
    /** A machine by name or alias, or undefined. */
    find(nameOrAlias: string): Machine | undefined {
      const row = byName.get(nameOrAlias, nameOrAlias);
      return row ? rowToMachine(row) : undefined;
    },

    /** A machine by name or alias; a `machine_unknown` error with suggestions otherwise. */
    get(nameOrAlias: string): Machine {
      const machine = store.find(nameOrAlias);
      if (machine) return machine;
      const known = names.all();
      const near = closestNames(nameOrAlias, known);
      const hint = near.length
        ? ` Did you mean ${near.map((n) => `"${n}"`).join(' or ')}?`
        : known.length
          ? ` Known: ${known.slice(0, 20).join(', ')}${known.length > 20 ? ', ...' : ''}.`
          : ' No machines are registered yet; add one with `pia machines add <name>`.';
      throw new PiaError('machine_unknown', `No machine named "${nameOrAlias.slice(0, 64)}".${hint}`);
    },

    /** A machine by id (internal use: links and credentials hold ids). */
    byId(id: number): Machine | undefined {
      const row = byId.get(id);
      return row ? rowToMachine(row) : undefined;
    },

    /**
     * Every machine as the API's JSON, written straight from the stored JSON: facts and capabilities were
     * validated when they were stored, and parsing and re-serialising 10,000 of them would cost the hub hundreds of
     * milliseconds and hundreds of megabytes for one listing. Yields the objects of `pageSize` machines at a time,
     * comma-separated (the caller adds the brackets and the commas between pages), so a listing of 19,000 machines
     * is never one 15 MB string: it added about 90 MB to the hub's peak RSS. `liveLastSeen` gives the fresher
     * heartbeat of a linked machine; `extra` adds fields (the mail address).
     */
    *listJsonPages(liveLastSeen: (id: number) => number | undefined, extra?: (name: string) => Record<string, unknown>, pageSize = 500): Generator<string> {
      let after = '';
      for (;;) {
        // Each page is read whole and at once: a statement left open between pages would hold the connection.
        const rows = pageAfter.all(after, pageSize);
        if (!rows.length) return;
        const parts: string[] = [];
        for (const r of rows) {
          const live = liveLastSeen(r.id);
          const more = extra ? Object.entries(extra(r.name)).filter(([, v]) => v !== undefined).map(([k, v]) => `,${JSON.stringify(k)}:${JSON.stringify(v)}`).join('') : '';
          parts.push(
            `{"name":${JSON.stringify(r.name)},"aliases":${r.aliases ?? '[]'},"status":${JSON.stringify(r.status)},` +
              `"powerState":${JSON.stringify(r.power_state)},"powerStateAt":${jsonOrNull(r.power_state_at)},"powerEvidence":${jsonOrNull(r.power_evidence)},` +
              `"lastSeen":${live !== undefined ? JSON.stringify(new Date(live).toISOString()) : jsonOrNull(r.last_seen)},` +
              `"facts":${r.facts ?? 'null'},"capabilities":${r.capabilities},"createdAt":${JSON.stringify(r.created_at)}` +
              `${r.learned_mac ? `,"learnedMac":${r.learned_mac}` : ''}${more}}`,
          );
        }
        yield parts.join(',');
        after = rows[rows.length - 1]!.name;
      }
    },

    /** Every machine, by name. */
    list(): Machine[] {
      return all.all().map(rowToMachine);
    },

    /** The first `limit` machines, offline ones first, then by name. */
    page(limit: number): Machine[] {
      return firstPage.all(limit).map(rowToMachine);
    },

    /** Machines in one status, by name (cheaper than `list` when most of a large fleet is in the other). */
    listByStatus(status: MachineStatus): Machine[] {
      return byStatus.all(status).map(rowToMachine);
    },

    /** Registers a new machine. */
    create(name: string, capabilities: Capabilities = {}): Machine {
      const parsedName = MachineName.safeParse(name);
      if (!parsedName.success) {
        throw new PiaError('invalid_name', `"${name.slice(0, 64)}" is not a valid machine name: ${parsedName.error.issues[0]?.message}`);
      }
      refuseSelectorWord(name, 'machine name');
      const caps = Capabilities.parse(capabilities);
      const id = db.transaction(() => {
        if (aliasTaken.get(name, name)) {
          throw new PiaError('machine_exists', `A machine or alias named "${name}" already exists.`);
        }
        return Number(insert.run(name, JSON.stringify(caps), now().toISOString()).lastInsertRowid);
      })();
      return store.byId(id)!;
    },

    /** Merges a capabilities patch (null removes a key) and returns the machine. */
    updateCapabilities(id: number, patch: CapabilitiesPatch): Machine {
      const machine = store.byId(id);
      if (!machine) throw new PiaError('machine_unknown', `Machine #${id} no longer exists.`);
      setCaps.run(JSON.stringify(mergeCapabilities(machine.capabilities, patch)), id);
      return store.byId(id)!;
    },

    /** Replaces a machine's aliases; each must be a valid name not used by another machine or alias. */
    setAliases(id: number, aliases: string[]): Machine {
      db.transaction(() => {
        clearAliases.run(id);
        for (const alias of new Set(aliases)) {
          const ok = MachineName.safeParse(alias);
          if (!ok.success) throw new PiaError('invalid_name', `Alias "${alias.slice(0, 64)}" is not valid: ${ok.error.issues[0]?.message}`);
          refuseSelectorWord(alias, 'alias');
          if (aliasTaken.get(alias, alias)) throw new PiaError('alias_taken', `"${alias}" is already a machine name or alias.`);
          addAlias.run(alias, id);
        }
      })();
      return store.byId(id)!;
    },

    /** Deletes a machine (its credentials stay, revoked, so a later link attempt is refused by name). */
    remove(id: number): void {
      del.run(id);
    },

    /** Records a linked worker: status online, power state online with its evidence, fresh facts. */
    markOnline(id: number, facts: Facts): void {
      online.run({ id, at: now().toISOString(), ...factColumns(facts) });
    },

    /** Records a lost link. Returns false when the machine was not online. */
    markOffline(id: number, evidence: string): boolean {
      return offline.run({ id, at: now().toISOString(), evidence }).changes > 0;
    },

    /**
     * Sets the power state with its evidence, unless the worker is linked (then `online` says more than any
     * probe). Returns false when nothing changed.
     */
    setPowerState(id: number, state: PowerState, evidence: string): boolean {
      return setPower.run({ id, state, evidence, at: now().toISOString() }).changes > 0;
    },

    /** Records many lost links at once (hub shutdown), in one transaction. */
    markManyOffline: db.transaction((ids: number[], evidence: string) => {
      const at = now().toISOString();
      for (const id of ids) offline.run({ id, at, evidence });
    }),

    /** At hub start nothing is linked yet: every machine is offline with unknown power. */
    markAllOffline(): number {
      return allOffline.run(now().toISOString()).changes;
    },

    /** Saves a batch of last-seen times in one transaction. */
    saveLastSeen: db.transaction((entries: Iterable<[number, string]>) => {
      for (const [id, at] of entries) seen.run(at, id);
    }),

    /** Replaces a machine's facts (the worker reported a change). */
    updateFacts(id: number, facts: Facts): void {
      setFacts.run({ id, ...factColumns(facts) });
    },

    /** How many machines are in each status. */
    countByStatus(): Record<MachineStatus, number> {
      const rows = counts.all();
      const out: Record<MachineStatus, number> = { online: 0, offline: 0 };
      for (const r of rows) out[r.status] = r.n;
      return out;
    },
  };
  return store;
}

/**
 * `all`, `any` and `anyx<n>` are words of the command language (every machine; a target the fleet places): a
 * machine or alias so named could never be addressed, so it is refused when it is made.
 */
function refuseSelectorWord(name: string, what: string): void {
  if (/^(?:all|any|anyx\d+)$/.test(name)) {
    throw new PiaError('invalid_name', `"${name}" cannot be a ${what}: in commands it means ${name === 'all' ? 'every machine' : 'a machine the fleet picks'}. Pick another name.`);
  }
}
