import { describe, expect, it } from 'vitest';
import { naivePlace } from '../../../bench/placement/naive.js';
import { fleetFacts, REPO_POOL, rng } from '../../../bench/placement/sim-fleet.js';
import { parseTarget } from '../../../src/commands/target.js';
import { createLabelIndex } from '../../../src/hub/placement/label-index.js';
import { createPlacement, type PlacementDeps } from '../../../src/hub/placement/placement.js';
import type { Machine } from '../../../src/hub/registry/machine.js';

describe('the index walk picks what scoring every machine picks', () => {
  it('on a seeded fleet of 250 varied machines, 150 decisions of every kind agree with the exhaustive scan', () => {
    const rand = rng(2026);
    const ms: Machine[] = Array.from({ length: 250 }, (_, i) => {
      const name = `m${String(i).padStart(3, '0')}`;
      return { id: i + 1, name, aliases: [], status: 'offline', powerState: 'unknown', powerStateAt: null, powerEvidence: null, lastSeen: null, facts: fleetFacts(name, i, rand), capabilities: rand() < 0.4 ? { mac: '02:00:00:00:00:01', autoWake: true } : {}, createdAt: '' };
    });
    const linked = new Map<number, { maxTasks: number }>();
    const load = new Map<string, { active: number; queued: number }>();
    for (const m of ms) {
      if (rand() < 0.6) linked.set(m.id, { maxTasks: rand() < 0.5 ? 1 : 3 });
      if (rand() < 0.3) load.set(m.name, { active: Math.floor(rand() * 3), queued: Math.floor(rand() * 2) });
    }
    const deps: Omit<PlacementDeps, 'index'> = {
      load: () => load,
      linked: (id) => linked.get(id),
      wakeTimes: { estimate: (id) => (id % 3 ? { ms: 20_000 + (id % 7) * 10_000, measured: true } : { ms: 60_000, measured: false }) },
    };
    const placement = createPlacement({ ...deps, index: createLabelIndex({ machines: { list: () => ms, find: (n) => ms.find((m) => m.name === n) }, bus: { on: () => () => {} } }) });
    const repo = () => REPO_POOL[Math.floor(rand() * REPO_POOL.length)]!;
    const targets = () => ['any', 'any[gpu]', `any[repo=${repo()}]`, 'gpu.mem>=24', `any[os=linux]x${1 + Math.floor(rand() * 4)}`, 'any[os=macos,agent=codex]', 'any[ram>=64,disk.free>=100]', 'any[!gpu]'];
    let compared = 0;
    for (let i = 0; i < 150; i++) {
      const list = targets();
      const req = { target: parseTarget(list[i % list.length]!), ...(i % 3 === 0 ? { repo: `https://github.com/${repo()}.git`, ref: rand() < 0.5 ? 'main' : 'dev' } : {}) };
      const expected = naivePlace(() => ms, deps, req);
      let got: unknown;
      try {
        got = placement.place(req);
      } catch {
        got = { refused: true };
      }
      expect(got).toEqual(expected);
      compared++;
    }
    expect(compared).toBe(150);
  }, 60_000); // the exhaustive side parses every machine's facts for every decision, on purpose
});
