import { describe, expect, it } from 'vitest';
import { parseTarget } from '../../../src/commands/target.js';
import { createLabelIndex } from '../../../src/hub/placement/label-index.js';
import { labelsOf, repoIdentity } from '../../../src/hub/placement/labels.js';
import { createPlacement } from '../../../src/hub/placement/placement.js';
import type { Machine } from '../../../src/hub/registry/machine.js';
import type { Facts } from '../../../src/protocol/facts.js';

const GiB = 1024 ** 3;

function facts(over: Partial<Facts> = {}): Facts {
  return {
    hostname: 'h',
    os: { platform: 'linux', release: '6.1' },
    arch: 'x64',
    cpus: 8,
    memoryBytes: 32 * GiB,
    memoryFreeBytes: 16 * GiB,
    interfaces: [],
    repos: [],
    agents: [{ name: 'claude', path: '/usr/bin/claude' }],
    workerVersion: '0.1.0',
    ...over,
  };
}

let nextId = 1;
function machine(name: string, f: Facts | null, caps: Machine['capabilities'] = {}): Machine {
  return { id: nextId++, name, aliases: [], status: 'offline', powerState: 'unknown', powerStateAt: null, powerEvidence: null, lastSeen: null, facts: f, capabilities: caps, createdAt: '' };
}

/** A fleet: entries, who is linked (with its limit), tasks per machine, measured wake times. */
function fleet(ms: Machine[], opts: { online?: Record<string, number>; load?: Record<string, { active: number; queued: number }>; wakeMs?: Record<string, number> } = {}) {
  const index = createLabelIndex({ machines: { list: () => ms, find: (n) => ms.find((m) => m.name === n) }, bus: { on: () => () => {} } });
  const nameOf = (id: number) => ms.find((m) => m.id === id)!.name;
  return createPlacement({
    index,
    load: () => new Map(Object.entries(opts.load ?? {})),
    linked: (id) => (opts.online?.[nameOf(id)] !== undefined ? { maxTasks: opts.online[nameOf(id)]! } : undefined),
    wakeTimes: { estimate: (id) => (opts.wakeMs?.[nameOf(id)] !== undefined ? { ms: opts.wakeMs[nameOf(id)]!, measured: true } : { ms: 60_000, measured: false }) },
  });
}

const repo = (name: string, remote: string, branch = 'main') => ({ name, path: `/w/${name}`, remote, branch });
const place = (p: ReturnType<typeof fleet>, target: string, extra: { repo?: string; ref?: string } = {}) => p.place({ target: parseTarget(target), ...extra });

describe('labels', () => {
  it('come from facts and tags: os, arch, sizes in GB, GPUs, agents, repositories', () => {
    const l = labelsOf({
      facts: facts({ gpus: [{ name: 'RTX 4090', vendor: 'nvidia', memoryBytes: 24 * GiB }], diskFreeBytes: 500 * GiB, repos: [repo('app', 'git@github.com:Acme/app.git')] }),
      capabilities: { tags: ['nightly'] },
    });
    expect(l.list).toEqual([
      'agent=claude', 'arch=x64', 'cpus=8', 'disk.free=500', 'gpu.count=1', 'gpu.mem=24', 'gpu=nvidia', 'nightly', 'os=linux', 'ram.free=16', 'ram=32', 'repo=acme/app', 'repo=app',
    ]);
    expect(labelsOf({ facts: null, capabilities: { os: 'darwin' } }).list).toEqual(['os=darwin']);
  });

  it('name a repository by owner/name from any remote form', () => {
    expect(repoIdentity('https://github.com/acme/app.git')).toBe('acme/app');
    expect(repoIdentity('git@github.com:acme/app.git')).toBe('acme/app');
    expect(repoIdentity('ssh://git@git.example.com:2222/team/acme/app')).toBe('acme/app');
    expect(repoIdentity('file:///srv/mirrors/app.git')).toBe('app');
  });
});

describe('placement', () => {
  const gpuBox = (name: string, mem: number, more: Partial<Facts> = {}, caps: Machine['capabilities'] = {}) =>
    machine(name, facts({ gpus: [{ name: 'card', vendor: 'nvidia', memoryBytes: mem * GiB }], ...more }), caps);

  it('keeps only machines meeting every constraint, with aliases for os names and sizes', () => {
    const p = fleet([machine('mac', facts({ os: { platform: 'darwin', release: '24' } })), gpuBox('g8', 8), gpuBox('g24', 24)], { online: { mac: 2, g8: 2, g24: 2 } });
    expect(place(p, 'any[os=macos]').machines).toEqual(['mac']);
    expect(place(p, 'gpu.mem>=24').machines).toEqual(['g24']);
    expect(place(p, 'any[gpu,mem>=16g]x2').machines.sort()).toEqual(['g24', 'g8']);
    expect(place(p, 'any[!gpu]').machines).toEqual(['mac']);
  });

  it('prefers the repository at the ref, then an idle machine, and says why in one line', () => {
    const p = fleet(
      [
        machine('m1', facts()),
        machine('m2', facts({ repos: [repo('app', 'https://github.com/acme/app', 'dev')] })),
        machine('m3', facts({ repos: [repo('app', 'https://github.com/acme/app', 'main')] })),
      ],
      { online: { m1: 2, m2: 2, m3: 2 } },
    );
    const r = place(p, 'any', { repo: 'https://github.com/acme/app.git', ref: 'main' });
    expect(r).toEqual({ machines: ['m3'], reason: '→ m3: has acme/app at main, idle; m2 not at main; m1 lacks acme/app' });
    expect(place(p, 'any[repo=acme/app]').reason).toBe('→ m2: has acme/app, idle; m3 tied, chosen by name');
  });

  it('weighs busy against idle against the task limit', () => {
    const ms = [machine('a', facts()), machine('b', facts()), machine('c', facts())];
    const p = fleet(ms, { online: { a: 2, b: 4, c: 2 }, load: { a: { active: 2, queued: 1 }, b: { active: 1, queued: 0 }, c: { active: 1, queued: 0 } } });
    // b has 1 of 4 slots used, c 1 of 2, a is full with one waiting.
    expect(place(p, 'any').reason).toBe('→ b: 1 of 4 busy; c 1 of 2 busy; a busy (3/2)');
  });

  it('online beats asleep by the measured wake time; a short measured wake can beat a full machine', () => {
    const wake = { mac: '02:00:00:00:00:01', autoWake: true };
    const ms = [machine('awake', facts()), machine('sleepy', facts(), wake), machine('cold', facts(), { mac: '02:00:00:00:00:02' })];
    const idle = fleet(ms, { online: { awake: 2 }, wakeMs: { sleepy: 40_000 } });
    expect(place(idle, 'any').reason).toBe('→ awake: idle; sleepy asleep (+40 s)');
    const full = fleet(ms, { online: { awake: 1 }, load: { awake: { active: 1, queued: 0 } }, wakeMs: { sleepy: 40_000 } });
    expect(place(full, 'any').reason).toBe('→ sleepy: asleep, waking it (+40 s), idle; awake busy (1/1)');
    // Never measured: the default estimate, said so.
    const fresh = fleet(ms, {});
    expect(place(fresh, 'any').reason).toBe('→ sleepy: asleep, waking it (+60 s, not measured yet), idle');
  });

  it('breaks ties by name, and by free memory before that', () => {
    const p = fleet([machine('b', facts()), machine('a', facts())], { online: { a: 2, b: 2 } });
    expect(place(p, 'any').machines).toEqual(['a']);
    const roomy = fleet([machine('b', facts({ memoryFreeBytes: 60 * GiB })), machine('a', facts())], { online: { a: 2, b: 2 } });
    expect(place(roomy, 'any').reason).toBe('→ b: idle; a less free memory');
  });

  it('refuses with the nearest misses when nothing fits, and names what cannot be woken', () => {
    const p = fleet(
      [gpuBox('g8', 8), machine('cpu', facts()), machine('mac', facts({ os: { platform: 'darwin', release: '24' } })), gpuBox('g48', 48, {}, { mac: '02:00:00:00:00:09' })],
      { online: { g8: 2, cpu: 2, mac: 2 } },
    );
    expect(() => place(p, 'any[gpu.mem>=24,os=linux]')).toThrow(
      '1 machine(s) fit any[gpu.mem>=24,os=linux], but none is online or may be woken. Asleep with auto-wake off: g48 (pia machines set <m> --auto-wake on). Nearest misses: cpu (no gpu.mem); g8 (gpu.mem=8); mac (no gpu.mem, os=darwin).',
    );
    expect(() => place(p, 'any[gpu]x3')).toThrow(/^Only 1 machine\(s\) that fit any\[gpu\] can take it; any\[gpu\]x3 asks for 3 machines\./);
    expect(() => place(p, 'any[gpux]')).toThrow('No machine has a label "gpux". Did you mean "gpu"?');
  });
});
