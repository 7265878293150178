import type { HubEvents } from '../events.js';
import type { Machine } from '../registry/machine.js';
import { labelsOf, reposOf, type Labels } from './labels.js';
import { memoryBonus } from './score.js';
import { learnedMac } from '../../wol/learned-mac.js';

/** A machine as placement sees it: labels and repositories precomputed, so a decision parses nothing. */
export interface PlacementEntry {
  id: number;
  name: string;
  labels: Labels;
  /** Repository identity (`acme/app`, `app`) -> the branch checked out. */
  repos: Map<string, string | null>;
  memFreeGb: number | undefined;
  /** PIA may wake it for a task: auto-wake is on and its MAC is known (set, or learned from its worker). */
  wakeable: boolean;
}

/** Every machine's labels, kept current from the hub's events. */
export interface LabelIndex {
  entries(): IterableIterator<PlacementEntry>;
  byName(name: string): PlacementEntry | undefined;
  /** Label names some machine has (for "no machine has a label ..."). */
  keys(): ReadonlySet<string>;
  /**
   * The machines with a label (`gpu`, `gpu.mem`) or a label value (`os=linux`, `repo=acme/app`): a decision starts
   * from the smallest such set instead of the whole fleet.
   */
  posting(token: string): ReadonlySet<PlacementEntry> | undefined;
  /**
   * The machines in tiers by free memory: tier t holds those whose memory bonus (free GB / 16, at most 5; see
   * score.ts) is at least t and below t + 1 (tier 5: the full bonus), each tier sorted by name. A decision that may
   * stop early walks them from the top.
   */
  tiers(): ReadonlyArray<readonly PlacementEntry[]>;
  size(): number;
  close(): void;
}

/** Memory tiers: 0-5 (see `LabelIndex.tiers`). */
const TIERS = 6;
/** The tier of a machine: its memory bonus, rounded down. */
export function tierOf(e: Pick<PlacementEntry, 'memFreeGb'>): number {
  return Math.min(TIERS - 1, Math.floor(memoryBonus(e.memFreeGb)));
}

type Events = Pick<HubEvents, 'machine.registered' | 'machine.removed' | 'machine.updated' | 'machine.online'>;

/** Builds an entry from a machine (the one place facts are read for placement). */
export function entryOf(m: Machine): PlacementEntry {
  return {
    id: m.id,
    name: m.name,
    labels: labelsOf(m),
    repos: reposOf(m.facts),
    memFreeGb: m.facts?.memoryFreeBytes !== undefined ? m.facts.memoryFreeBytes / 1024 ** 3 : undefined,
    wakeable: m.capabilities.autoWake === true && (m.capabilities.mac !== undefined || learnedMac(m.facts) !== undefined),
  };
}

/**
 * Creates the index: every machine read once now, then one machine again whenever it is registered, linked, or its
 * facts or capabilities change; removed machines leave it.
 */
export function createLabelIndex(deps: {
  machines: { list(): Machine[]; find(name: string): Machine | undefined };
  bus: { on<K extends keyof Events>(name: K, listener: (data: Events[K]) => void): () => void };
}): LabelIndex {
  const byName = new Map<string, PlacementEntry>();
  const keyCounts = new Map<string, number>();
  const keys = new Set<string>();
  const postings = new Map<string, Set<PlacementEntry>>();
  const tiers: PlacementEntry[][] = Array.from({ length: TIERS }, () => []);
  /** Where `name` is, or goes, in a tier sorted by name. */
  const at = (tier: PlacementEntry[], name: string) => {
    let lo = 0;
    let hi = tier.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (tier[mid]!.name < name) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const enter = (e: PlacementEntry) => {
    const tier = tiers[tierOf(e)]!;
    tier.splice(at(tier, e.name), 0, e);
  };
  const leave = (e: PlacementEntry) => {
    const tier = tiers[tierOf(e)]!;
    const i = at(tier, e.name);
    if (tier[i] === e) tier.splice(i, 1);
  };

  const tokensOf = (e: PlacementEntry) => {
    const out: string[] = [...e.labels.numbers.keys()];
    for (const [k, vals] of e.labels.values) {
      out.push(k);
      for (const v of vals) out.push(`${k}=${v}`);
    }
    return out;
  };
  const post = (e: PlacementEntry, add: boolean) => {
    for (const t of tokensOf(e)) {
      let set = postings.get(t);
      if (add) {
        if (!set) postings.set(t, (set = new Set()));
        set.add(e);
      } else if (set) {
        set.delete(e);
        if (set.size === 0) postings.delete(t);
      }
    }
  };

  const count = (e: PlacementEntry, delta: 1 | -1) => {
    for (const k of [...e.labels.values.keys(), ...e.labels.numbers.keys()]) {
      const n = (keyCounts.get(k) ?? 0) + delta;
      if (n > 0) {
        keyCounts.set(k, n);
        keys.add(k);
      } else {
        keyCounts.delete(k);
        keys.delete(k);
      }
    }
  };
  const put = (e: PlacementEntry) => {
    const old = byName.get(e.name);
    if (old) {
      count(old, -1);
      post(old, false);
      leave(old);
    }
    byName.set(e.name, e);
    count(e, 1);
    post(e, true);
    enter(e);
  };
  const drop = (name: string) => {
    const old = byName.get(name);
    if (!old) return;
    count(old, -1);
    post(old, false);
    leave(old);
    byName.delete(name);
  };
  const refresh = (name: string) => {
    const m = deps.machines.find(name);
    if (m) put(entryOf(m));
    else drop(name);
  };

  for (const m of deps.machines.list()) put(entryOf(m));
  const offs = [
    deps.bus.on('machine.registered', (e) => refresh(e.machine)),
    deps.bus.on('machine.online', (e) => refresh(e.machine)),
    deps.bus.on('machine.updated', (e) => e.what !== 'aliases' && refresh(e.machine)),
    deps.bus.on('machine.removed', (e) => drop(e.machine)),
  ];

  return {
    entries: () => byName.values(),
    byName: (name) => byName.get(name),
    keys: () => keys,
    posting: (token) => postings.get(token),
    tiers: () => tiers,
    size: () => byName.size,
    close() {
      for (const off of offs) off();
    },
  };
}
