import { normalizeConstraint, compile } from '../../src/hub/placement/constraints.js';
import { entryOf } from '../../src/hub/placement/label-index.js';
import { repoIdentity } from '../../src/hub/placement/labels.js';
import { repoState, wantedOf, type PlaceRequest, type PlacementDeps } from '../../src/hub/placement/placement.js';
import { costFrom, reasonLine, type Candidate } from '../../src/hub/placement/score.js';
import type { Machine } from '../../src/hub/registry/machine.js';

/**
 * Placement as it would be without the index: every decision reads every machine, parses its facts, computes its
 * labels, scores every machine that qualifies and sorts them all. Written apart from placement.ts on purpose, so
 * the benchmark also checks that the index's early stop picks the same machines.
 */
export function naivePlace(list: () => Machine[], deps: Omit<PlacementDeps, 'index'>, req: PlaceRequest): { machines: string[]; reason: string } | { refused: true } {
  const constraints = req.target.constraints.map(normalizeConstraint);
  const tests = constraints.map(compile);
  const want = wantedOf(req, constraints);
  const wantId = want.repo ? repoIdentity(want.repo) : undefined;
  const load = deps.load();
  const all: Array<{ c: Candidate; cost: number }> = [];
  for (const m of list()) {
    const e = entryOf(m);
    if (req.exclude?.has(e.name) || !tests.every((t) => t(e.labels))) continue;
    const link = deps.linked(e.id);
    if (!link && !e.wakeable) continue;
    const l = load.get(e.name);
    const wake = link ? { ms: 0, measured: true } : deps.wakeTimes.estimate(e.id);
    const c: Candidate = { name: e.name, online: !!link, wakeMs: wake.ms, wakeMeasured: wake.measured, active: l?.active ?? 0, queued: l?.queued ?? 0, limit: link?.maxTasks ?? 2, memFreeGb: e.memFreeGb, repo: repoState(e, wantId, want.ref) };
    all.push({ c, cost: costFrom(c.online, c.wakeMs, c.repo, c.active + c.queued, c.limit, c.memFreeGb) });
  }
  all.sort((a, b) => a.cost - b.cost || (a.c.name < b.c.name ? -1 : 1));
  const count = req.target.count;
  if (all.length < count) return { refused: true };
  const chosen = all.slice(0, count).map((x) => x.c);
  return { machines: chosen.map((c) => c.name), reason: reasonLine(chosen, all.slice(count, count + 3).map((x) => x.c), want) };
}
