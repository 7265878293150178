import { formatConstraint, type AnyTarget, type Constraint } from '../../commands/target.js';
import { PiaError } from '../../common/errors.js';
import { checkKnownKeys, missed, normalizeConstraint, whyNot } from './constraints.js';
import type { LabelIndex, PlacementEntry } from './label-index.js';
import { repoIdentity } from './labels.js';
import { costOf, reasonLine, type Candidate, type Wanted } from './score.js';
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

/** Tasks per machine that are not finished: dispatched or running (`active`), and waiting (`queued`). */
export type LoadReader = () => ReadonlyMap<number, { active: number; queued: number }>;

/** What placement reads besides the labels. */
export interface PlacementDeps {
  index: Pick<LabelIndex, 'entries' | 'keys'>;
  load: LoadReader;
  /** The linked worker's task limit; undefined when it is not linked. */
  linked(machineId: number): { maxTasks: number } | undefined;
  wakeTimes: Pick<WakeTimes, 'estimate'>;
}

/** A worker's task limit when it is not linked (the worker's own default). */
const DEFAULT_LIMIT = 2;
/** Nearest misses named in a refusal. */
const MISSES_SHOWN = 3;

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
  return {
    place(req) {
      const constraints = req.target.constraints.map(normalizeConstraint);
      checkKnownKeys(constraints, deps.index.keys());
      const want = wantedOf(req, constraints);
      const wantId = want.repo ? repoIdentity(want.repo) : undefined;
      const count = req.target.count;
      const keep = count + 3;
      const load = deps.load();
      const best: Scored[] = [];
      const misses: Array<{ entry: PlacementEntry; missed: Constraint[] }> = [];
      const sleeping: PlacementEntry[] = [];
      let qualified = 0;

      for (const entry of deps.index.entries()) {
        if (req.exclude?.has(entry.name)) continue;
        const miss = missed(constraints, entry.labels);
        if (miss.length) {
          noteMiss(misses, { entry, missed: miss });
          continue;
        }
        qualified++;
        const link = deps.linked(entry.id);
        if (!link && !entry.wakeable) {
          if (sleeping.length < MISSES_SHOWN) sleeping.push(entry);
          continue;
        }
        const l = load.get(entry.id);
        const wake = link ? { ms: 0, measured: true } : deps.wakeTimes.estimate(entry.id);
        const candidate: Candidate = {
          name: entry.name,
          online: link !== undefined,
          wakeMs: wake.ms,
          wakeMeasured: wake.measured,
          active: l?.active ?? 0,
          queued: l?.queued ?? 0,
          limit: link?.maxTasks ?? DEFAULT_LIMIT,
          memFreeGb: entry.memFreeGb,
          repo: repoState(entry, wantId, want.ref),
        };
        insert(best, { entry, candidate, cost: costOf(candidate) }, keep);
      }

      if (best.length < count) throw refusal(req.target, constraints, { qualified, usable: best.length, misses, sleeping });
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
function wantedOf(req: PlaceRequest, constraints: Constraint[]): Wanted {
  if (req.repo) return { repo: repoIdentity(req.repo) ?? req.repo, ...(req.ref ? { ref: req.ref } : {}) };
  const c = constraints.find((x) => x.key === 'repo' && x.op === '=');
  return c?.value ? { repo: c.value } : {};
}

function repoState(entry: PlacementEntry, id: string | undefined, ref: string | undefined): Candidate['repo'] {
  if (id === undefined) return undefined;
  if (!entry.repos.has(id)) return 'absent';
  return ref !== undefined && entry.repos.get(id) === ref ? 'at-ref' : ref === undefined ? 'at-ref' : 'present';
}

/** Keeps `list` as the best `keep` so far, best first. */
function insert(list: Scored[], s: Scored, keep: number): void {
  if (list.length === keep && !better(s, list[keep - 1]!)) return;
  let i = list.length;
  while (i > 0 && better(s, list[i - 1]!)) i--;
  list.splice(i, 0, s);
  if (list.length > keep) list.pop();
}

/** Keeps the machines that miss the fewest constraints. */
function noteMiss(misses: Array<{ entry: PlacementEntry; missed: Constraint[] }>, m: { entry: PlacementEntry; missed: Constraint[] }): void {
  const worse = (a: typeof m, b: typeof m) => a.missed.length > b.missed.length || (a.missed.length === b.missed.length && a.entry.name > b.entry.name);
  if (misses.length === MISSES_SHOWN && !worse(misses[MISSES_SHOWN - 1]!, m)) return;
  let i = misses.length;
  while (i > 0 && worse(misses[i - 1]!, m)) i--;
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
    parts.push(`Asleep with auto-wake off: ${found.sleeping.map((e) => e.name).join(', ')} (pia machines set <m> --auto-wake on, with its --mac).`);
  }
  if (found.misses.length) {
    parts.push(`Nearest misses: ${found.misses.map((m) => `${m.entry.name} (${m.missed.map((c) => whyNot(c, m.entry.labels)).join(', ')})`).join('; ')}.`);
  }
  return new PiaError('no_machine_fits', parts.join(' '));
}
