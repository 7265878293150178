import { version } from '../../src/common/version.js';
import { Facts } from '../../src/protocol/facts.js';

const GiB = 1024 ** 3;
const AGENTS = ['claude', 'codex', 'gemini', 'aider'];
const GPU_MEM = [8, 12, 16, 24, 24, 48, 80];

/** A small deterministic random generator, so every run measures the same fleet. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x1_0000_0000;
  };
}

/** The repositories the fleet's machines hold: `org<i>/app<j>`. */
export const REPO_POOL = Array.from({ length: 500 }, (_, i) => `org${i % 40}/app${i}`);

/**
 * Facts of one machine of a varied fleet: mostly Linux, some macOS and Windows; 4-64 CPUs; 8-256 GB; a third
 * with a GPU; 5-60 repositories each (what a developer's machine under ~/src holds) and some agents. Addresses are
 * loopback ones.
 */
export function fleetFacts(name: string, index: number, rand: () => number): Facts {
  const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)]!;
  const r = rand();
  const platform = r < 0.7 ? 'linux' : r < 0.9 ? 'darwin' : 'win32';
  const repos = Array.from({ length: 5 + Math.floor(rand() * 56) }, () => {
    const id = pick(REPO_POOL);
    return { name: id.split('/')[1]!, path: `/home/dev/src/${id}`, remote: `git@github.com:${id}.git`, branch: rand() < 0.7 ? 'main' : 'dev' };
  });
  const gpus = rand() < 0.33 ? Array.from({ length: rand() < 0.8 ? 1 : 4 }, () => ({ name: 'NVIDIA GPU', vendor: 'nvidia', memoryBytes: pick(GPU_MEM) * GiB })) : [];
  const memoryGb = pick([8, 16, 32, 64, 128, 256]);
  return Facts.parse({
    hostname: name,
    os: { platform, release: '6.8.0', version: '#1 SMP' },
    arch: platform === 'darwin' ? 'arm64' : 'x64',
    cpus: pick([4, 8, 16, 32, 64]),
    cpuModel: 'CPU',
    memoryBytes: memoryGb * GiB,
    memoryFreeBytes: Math.floor(memoryGb * rand()) * GiB,
    diskFreeBytes: Math.floor(2000 * rand()) * GiB,
    interfaces: [{ name: 'eth0', address: `127.0.${(index >> 8) & 0xff}.${index & 0xff || 1}`, netmask: '255.0.0.0', cidr: '127.0.0.0/8', mac: '02:00:00:00:00:01', internal: false }],
    gateway: null,
    repos,
    agents: AGENTS.filter(() => rand() < 0.5).map((a) => ({ name: a, path: `/usr/local/bin/${a}` })),
    workerVersion: version,
    gpus,
    sessions: [],
  });
}
