import { formatConstraint, type AnyTarget, type Constraint } from '../../commands/target.js';
import { PiaError } from '../../common/errors.js';
import { checkKnownKeys, compile, missCount, missed, normalizeConstraint, whyNot } from './constraints.js';
import type { LabelIndex, PlacementEntry } from './label-index.js';
import { repoIdentity } from './labels.js';
import { CLONE_COST_S, costFrom, reasonLine, type Candidate, type Wanted } from './score.js';
import type { WakeTimes } from './wake-times.js';

/** What is to be placed. */
export interface PlaceRequest {
  target: AnyTarget;
  /** The task's repository (a deploy): a machine that has it, at the ref, is preferred. */
  repo?: string;
  ref?: string;
  /** Machines already chosen for the same request (a deploy naming m2 and any[gpu]): never picked again. */
  exclude?: ReadonlySet<string>;
}

/** Where the task goes, and why, in one line for the thread. */
export interface Placement {
  machines: string[];
  reason: string;
}

/** Picks machines for `any[...]` targets. */
export interface PlacementService {
  place(req: PlaceRequest): Placement;
  /** Every machine whose labels meet the target's constraints, by name (`status any[gpu]`). */
  matching(target: AnyTarget): string[];
}

/** Tasks per machine (by name) that are not finished: dispatched or running (`active`), and waiting (`queued`). */
export type LoadReader = () => ReadonlyMap<string, { active: number; queued: number }>;

/** What placement reads besides the labels. */
export interface PlacementDeps {
  index: Pick<LabelIndex, 'entries' | 'keys' | 'posting' | 'tiers'>;
  load: LoadReader;
  /** The linked worker's task limit; undefined when it is not linked. */
  linked(machineId: number): { maxTasks: number } | undefined;
  wakeTimes: Pick<WakeTimes, 'estimate'>;
}

/** A worker's task limit when it is not linked (the worker's own default). */
const DEFAULT_LIMIT = 2;
/** Nearest misses named in a refusal. */
const MISSES_SHOWN = 3;

const EMPTY: ReadonlySet<PlacementEntry> = new Set();

/** A source this small is read whole; a bigger one is walked by memory tier and name, with an early stop. */
const SMALL_SOURCE = 64;

interface Scored {
  entry: PlacementEntry;
  candidate: Candidate;
  cost: number;
}

const better = (a: Scored, b: Scored) => a.cost < b.cost || (a.cost === b.cost && a.entry.name < b.entry.name);

/**
 * Creates placement. A decision walks the precomputed labels once: the constraints filter (all must hold), the
 * score ranks (see score.ts), and only the best few are kept, so a fleet of 10,000 costs one pass and no sort.
 */
export function createPlacement(deps: PlacementDeps): PlacementService {
  /**
   * Where a decision starts: the machines with the rarest label a constraint requires (`repo=acme/app`, `gpu`,
   * the key of a comparison such as `gpu.mem`); the whole fleet only when no constraint names one.
   */
  function sourceOf(constraints: Constraint[]): ReadonlySet<PlacementEntry> | undefined {
    let smallest: ReadonlySet<PlacementEntry> | undefined;
    for (const c of constraints) {
      const token = c.op === '=' && c.value !== undefined && !/^\d+(\.\d+)?$/.test(c.value) ? `${c.key}=${c.value}` : c.op === 'has' || c.op === '>=' || c.op === '>' || c.op === '<=' || c.op === '<' ? c.key : undefined;
      if (token === undefined) continue;
      const set = deps.index.posting(token) ?? EMPTY;
      if (!smallest || set.size < smallest.size) smallest = set;
    }
    return smallest;
  }

  /** The machines that miss the fewest constraints (only for a refusal: it reads the whole fleet). */
  function nearestMisses(constraints: Constraint[], exclude: ReadonlySet<string> | undefined) {
    const misses: Array<{ entry: PlacementEntry; missed: Constraint[] }> = [];
    for (const entry of deps.index.entries()) {
      if (exclude?.has(entry.name)) continue;
      const n = missCount(constraints, entry.labels);
      if (n > 0) noteMiss(misses, entry, n, constraints);
    }
    return misses;
  }

  return {
    place(req) {
      const constraints = req.target.constraints.map(normalizeConstraint);
      checkKnownKeys(constraints, deps.index.keys());
      const tests = constraints.map(compile);
      const want = wantedOf(req, constraints);
      const wantId = want.repo ? repoIdentity(want.repo) : undefined;
      const count = req.target.count;
      const keep = count + 3;
      const load = deps.load();
      const best: Scored[] = [];
      const seen = { qualified: 0, sleeping: [] as PlacementEntry[] };

      /** Scores one machine if it qualifies; only one that makes the best few gets a candidate object. */
      const consider = (entry: PlacementEntry) => {
        if (req.exclude?.has(entry.name)) return;
        for (const test of tests) if (!test(entry.labels)) return;
        seen.qualified++;
        const link = deps.linked(entry.id);
        if (!link && !entry.wakeable) {
          if (seen.sleeping.length < MISSES_SHOWN) seen.sleeping.push(entry);
          return;
        }
        const l = load.get(entry.name);
        const used = (l?.active ?? 0) + (l?.queued ?? 0);
        const limit = link?.maxTasks ?? DEFAULT_LIMIT;
        const wake = link ? undefined : deps.wakeTimes.estimate(entry.id);
        const repo = repoState(entry, wantId, want.ref);
        const cost = costFrom(link !== undefined, wake?.ms ?? 0, repo, used, limit, entry.memFreeGb);
        const worst = best.length === keep ? best[keep - 1]! : undefined;
        if (worst && !(cost < worst.cost || (cost === worst.cost && entry.name < worst.entry.name))) return;
        const candidate: Candidate = {
          name: entry.name,
          online: link !== undefined,
          wakeMs: wake?.ms ?? 0,
          wakeMeasured: wake?.measured ?? true,
          active: l?.active ?? 0,
          queued: l?.queued ?? 0,
          limit,
          memFreeGb: entry.memFreeGb,
          repo,
        };
        insert(best, { entry, candidate, cost }, keep);
      };

      /**
       * Walks the memory tiers from the top, each by name, taking the machines `accept` admits, and stops once no
       * machine left could beat the best few: no cost in tier t goes below its bound (the top tier's bonus is
       * exactly its own, a lower tier's is below t + 1), and within a tier a later name loses a tie.
       */
      const walk = (floor: number, accept: (e: PlacementEntry) => boolean) => {
        const tiers = deps.index.tiers();
        const top = tiers.length - 1;
        for (let t = top; t >= 0; t--) {
          const bound = floor - (t === top ? t : t + 1);
          const before = best.length === keep ? best[keep - 1]! : undefined;
          if (before && (before.cost < bound || (t < top && before.cost <= bound))) return;
          for (const entry of tiers[t]!) {
            const worst = best.length === keep ? best[keep - 1]! : undefined;
            if (worst && worst.cost <= bound && entry.name > worst.entry.name) return;
            if (accept(entry)) consider(entry);
          }
        }
      };

      const source = sourceOf(constraints);
      const inSource = (e: PlacementEntry) => !source || source.has(e);
      const withRepo = wantId !== undefined ? deps.index.posting(`repo=${wantId}`) : undefined;
      if (source && source.size <= SMALL_SOURCE) {
        for (const entry of source) consider(entry);
      } else if (withRepo) {
        // Machines that have the repository first; the others cost at least a clone more.
        walk(0, (e) => withRepo.has(e) && inSource(e));
        walk(CLONE_COST_S, (e) => !withRepo.has(e) && inSource(e));
      } else {
        walk(0, inSource);
      }

      if (best.length < count) {
        throw refusal(req.target, constraints, { qualified: seen.qualified, usable: best.length, misses: nearestMisses(constraints, req.exclude), sleeping: seen.sleeping });
      }
      const chosen = best.slice(0, count).map((s) => s.candidate);
      return { machines: chosen.map((c) => c.name), reason: reasonLine(chosen, best.slice(count).map((s) => s.candidate), want) };
    },

    matching(target) {
      const constraints = target.constraints.map(normalizeConstraint);
      checkKnownKeys(constraints, deps.index.keys());
      const names: string[] = [];
      for (const e of deps.index.entries()) if (missed(constraints, e.labels).length === 0) names.push(e.name);
      return names.sort();
    },
  };
}

/** The repository the reason line talks about: the deploy's, or the one a `repo=` constraint asks for. */
export function wantedOf(req: PlaceRequest, constraints: Constraint[]): Wanted {
  if (req.repo) return { repo: repoIdentity(req.repo) ?? req.repo, ...(req.ref ? { ref: req.ref } : {}) };
  const c = constraints.find((x) => x.key === 'repo' && x.op === '=');
  return c?.value ? { repo: c.value } : {};
}

/** The task's repository on a machine: checked out at the ref (or no ref asked), present, or absent. */
export function repoState(entry: PlacementEntry, id: string | undefined, ref: string | undefined): Candidate['repo'] {
  if (id === undefined) return undefined;
  if (!entry.repos.has(id)) return 'absent';
  return ref === undefined || entry.repos.get(id) === ref ? 'at-ref' : 'present';
}

/** Keeps `list` as the best `keep` so far, best first. */
function insert(list: Scored[], s: Scored, keep: number): void {
  if (list.length === keep && !better(s, list[keep - 1]!)) return;
  let i = list.length;
  while (i > 0 && better(s, list[i - 1]!)) i--;
  list.splice(i, 0, s);
  if (list.length > keep) list.pop();
}

/** Keeps the machines that miss the fewest constraints (the list of what each misses is built only for those). */
function noteMiss(misses: Array<{ entry: PlacementEntry; missed: Constraint[] }>, entry: PlacementEntry, count: number, constraints: Constraint[]): void {
  type M = { entry: PlacementEntry; count: number };
  const worse = (a: M, b: M) => a.count > b.count || (a.count === b.count && a.entry.name > b.entry.name);
  const last = misses[MISSES_SHOWN - 1];
  if (misses.length === MISSES_SHOWN && !worse({ entry: last!.entry, count: last!.missed.length }, { entry, count })) return;
  const m = { entry, missed: missed(constraints, entry.labels) };
  let i = misses.length;
  while (i > 0 && worse({ entry: misses[i - 1]!.entry, count: misses[i - 1]!.missed.length }, { entry, count })) i--;
  misses.splice(i, 0, m);
  if (misses.length > MISSES_SHOWN) misses.pop();
}

/** The refusal when too few machines qualify: it names the nearest misses and what each lacks. */
function refusal(
  target: AnyTarget,
  constraints: Constraint[],
  found: { qualified: number; usable: number; misses: Array<{ entry: PlacementEntry; missed: Constraint[] }>; sleeping: PlacementEntry[] },
): PiaError {
  const wanted = target.count > 1 ? `${target.count} machines` : 'a machine';
  const what = constraints.length ? `[${constraints.map(formatConstraint).join(',')}]` : '';
  const parts: string[] = [];
  if (found.qualified === 0) parts.push(`No machine fits any${what}.`);
  else if (found.usable === 0) parts.push(`${found.qualified} machine(s) fit any${what}, but none is online or may be woken.`);
  else parts.push(`Only ${found.usable} machine(s) that fit any${what} can take it; ${target.text} asks for ${wanted}.`);
  if (found.sleeping.length) {
    parts.push(`Asleep with auto-wake off: ${found.sleeping.map((e) => e.name).join(', ')} (pia machines set <m> --auto-wake on).`);
  }
  if (found.misses.length) {
    parts.push(`Nearest misses: ${found.misses.map((m) => `${m.entry.name} (${m.missed.map((c) => whyNot(c, m.entry.labels)).join(', ')})`).join('; ')}.`);
  }
  return new PiaError('no_machine_fits', parts.join(' '));
}
