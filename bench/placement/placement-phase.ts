import path from 'node:path';
import { parseTarget, type AnyTarget } from '../../src/commands/target.js';
import { PiaError } from '../../src/common/errors.js';
import { projectRoot } from '../../src/common/version.js';
import { openDatabase } from '../../src/hub/db/database.js';
import { loadMigrations, migrate } from '../../src/hub/db/migrations.js';
import { createLabelIndex } from '../../src/hub/placement/label-index.js';
import { createLoadTracker } from '../../src/hub/placement/load.js';
import { createPlacement, type PlaceRequest, type PlacementDeps } from '../../src/hub/placement/placement.js';
import { createWakeTimes } from '../../src/hub/placement/wake-times.js';
import { createMachineStore } from '../../src/hub/registry/machines.js';
import { createTaskStore, newTaskId } from '../../src/hub/tasks/task-store.js';
import { median, percentile, round } from '../fleet/stats.js';
import { naivePlace } from './naive.js';
import { fleetFacts, REPO_POOL, rng } from './sim-fleet.js';

/** What the placement phase measured. */
export interface PlacementPhase {
  machines: number;
  activeTasks: number;
  indexBuildMs: number;
  indexed: { decisions: number; p50Ms: number; p99Ms: number; maxMs: number; refused: number; cpuP50Ms: number; cpuP99Ms: number };
  naive: { decisions: number; p50Ms: number; p99Ms: number; maxMs: number };
  /** Decisions where the naive scan and the index chose different machines (must be 0). */
  disagreements: number;
}

const noBus = { on: () => () => {} };
const ms = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e6;

/** The decisions asked, in turn: plain, by label, by repository, numeric, several machines, deploys with a ref. */
function requests(rand: () => number): Array<() => PlaceRequest> {
  const repo = () => REPO_POOL[Math.floor(rand() * REPO_POOL.length)]!;
  const t = (s: string): AnyTarget => parseTarget(s);
  return [
    () => ({ target: t('any') }),
    () => ({ target: t('any[gpu]') }),
    () => ({ target: t(`any[os=linux,repo=${repo()}]`) }),
    () => ({ target: t('gpu.mem>=24') }),
    () => ({ target: t('any[gpu]x3') }),
    () => ({ target: t('any[os=macos,agent=codex]') }),
    () => ({ target: t('any[ram>=64,disk.free>=100]') }),
    () => ({ target: t('any[os=linux]'), repo: `https://github.com/${repo()}.git`, ref: 'main' }),
  ];
}

function time(place: (r: PlaceRequest) => unknown, req: PlaceRequest): { ms: number; cpuMs: number; answer: string } {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  let answer: string;
  try {
    answer = JSON.stringify(place(req));
  } catch (err) {
    if (!(err instanceof PiaError)) throw err;
    answer = `refused: ${err.message}`;
  }
  const wall = ms(start);
  const used = process.cpuUsage(cpu);
  return { ms: wall, cpuMs: (used.user + used.system) / 1000, answer };
}

/**
 * Registers `machines` machines with varied facts in a real SQLite registry (and some running and queued tasks),
 * then times placement decisions on the precomputed labels against a naive scan that reads and parses every
 * machine's facts for each decision, as placement would without the index.
 */
export function placementPhase(opts: { dir: string; machines: number; decisions: number; naiveDecisions: number; progress: (s: string) => void }): PlacementPhase {
  const db = openDatabase(path.join(opts.dir, 'placement.db'));
  try {
    migrate(db, loadMigrations(path.join(projectRoot, 'migrations')));
    const machines = createMachineStore(db);
    const rand = rng(42);
    const linked = new Map<number, { maxTasks: number }>();
    db.transaction(() => {
      for (let i = 0; i < opts.machines; i++) {
        const name = `m${String(i).padStart(5, '0')}`;
        const m = machines.create(name, { tags: rand() < 0.1 ? ['nightly'] : [], ...(rand() < 0.4 ? { mac: '02:00:00:00:00:01', autoWake: true } : {}) });
        machines.updateFacts(m.id, fleetFacts(name, i, rand));
        if (rand() < 0.7) linked.set(m.id, { maxTasks: rand() < 0.5 ? 2 : 4 });
      }
    })();
    const ids = [...linked.keys()];
    const tasks = createTaskStore(db);
    const activeTasks = Math.round(opts.machines / 5);
    tasks.insert(
      Array.from({ length: activeTasks }, () => {
        const id = ids[Math.floor(rand() * ids.length)]!;
        return { id: newTaskId(), machineId: id, machine: machines.byId(id)!.name, kind: 'run' as const, prompt: 'x', requester: 'bench', origin: { kind: 'bench' }, timeoutS: 60, expiresAt: null };
      }),
    );
    for (const t of tasks.list({ limit: 100_000 }).slice(0, Math.round(activeTasks / 2))) tasks.markDispatched(t.id);
    const wakeTimes = createWakeTimes({ db, bus: noBus, machineId: () => undefined });
    for (let i = 0; i < opts.machines; i += 7) wakeTimes.record(i + 1, 20_000 + Math.floor(rand() * 60_000));
    opts.progress(`placement: ${opts.machines} machines registered, ${activeTasks} unfinished tasks`);

    const tracker = createLoadTracker({ db, bus: noBus, resyncMs: 3_600_000 });
    const common: Omit<PlacementDeps, 'index'> = { load: tracker.read, linked: (id) => linked.get(id), wakeTimes };
    const buildStart = process.hrtime.bigint();
    const index = createLabelIndex({ machines, bus: noBus });
    const indexBuildMs = ms(buildStart);
    const indexed = createPlacement({ ...common, index });
    const naive = (req: PlaceRequest) => naivePlace(() => machines.list(), common, req);

    const kinds = requests(rng(7));
    (globalThis as { gc?: () => void }).gc?.(); // the registry's set-up garbage, not the decisions'
    for (let i = 0; i < 100; i++) time((r) => indexed.place(r), kinds[i % kinds.length]!()); // warm-up
    const times: number[] = [];
    const cpuTimes: number[] = [];
    let refused = 0;
    const asked: Array<{ req: PlaceRequest; answer: string }> = [];
    for (let i = 0; i < opts.decisions; i++) {
      const req = kinds[i % kinds.length]!();
      const r = time((x) => indexed.place(x), req);
      times.push(r.ms);
      cpuTimes.push(r.cpuMs);
      if (r.answer.startsWith('refused')) refused++;
      if (asked.length < opts.naiveDecisions) asked.push({ req, answer: r.answer });
    }
    opts.progress(`  indexed: ${opts.decisions} decisions, p50 ${median(times).toFixed(3)} ms, p99 ${percentile(times, 99).toFixed(3)} ms`);
    const naiveTimes: number[] = [];
    let disagreements = 0;
    for (const { req, answer } of asked) {
      const r = time(naive, req);
      naiveTimes.push(r.ms);
      const same = r.answer === answer || (answer.startsWith('refused') && r.answer === '{"refused":true}');
      if (!same) disagreements++;
    }
    opts.progress(`  naive: ${asked.length} decisions, p50 ${median(naiveTimes).toFixed(1)} ms`);
    tracker.close();
    const spread = (v: number[], d = 3) => ({ p50Ms: round(median(v), d), p99Ms: round(percentile(v, 99), d), maxMs: round(Math.max(...v), d) });
    return {
      machines: opts.machines,
      activeTasks,
      indexBuildMs: round(indexBuildMs, 1),
      indexed: { decisions: times.length, ...spread(times), refused, cpuP50Ms: round(median(cpuTimes), 3), cpuP99Ms: round(percentile(cpuTimes, 99), 3) },
      naive: { decisions: naiveTimes.length, ...spread(naiveTimes, 1) },
      disagreements,
    };
  } finally {
    db.close();
  }
}
