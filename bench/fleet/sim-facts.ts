import { version } from '../../src/common/version.js';
import { Facts } from '../../src/protocol/facts.js';

/**
 * Facts for a simulated worker: the size and shape of what a small real machine reports (one external
 * interface, no repos, two agents), so the hub parses and stores a realistic hello. Addresses are loopback
 * ones: nothing in the benchmark should ever point at a real network.
 */
export function simFacts(name: string, index: number): Facts {
  const a = (index >> 16) & 0xff;
  const b = (index >> 8) & 0xff;
  const c = index & 0xff;
  const hex = (n: number) => n.toString(16).padStart(2, '0');
  return Facts.parse({
    hostname: name,
    os: { platform: 'linux', release: '6.8.0-45-generic', version: '#45-Ubuntu SMP PREEMPT_DYNAMIC' },
    arch: 'x64',
    cpus: 8,
    cpuModel: 'AMD Ryzen 7 5800X 8-Core Processor',
    memoryBytes: 32 * 1024 ** 3,
    interfaces: [
      {
        name: 'eth0',
        address: `127.${a}.${b}.${c === 0 ? 1 : c}`,
        netmask: '255.0.0.0',
        cidr: '127.0.0.0/8',
        mac: `02:00:00:${hex(a)}:${hex(b)}:${hex(c)}`,
        internal: false,
      },
    ],
    gateway: null,
    repos: [],
    agents: [
      { name: 'claude', path: '/usr/local/bin/claude' },
      { name: 'codex', path: '/usr/local/bin/codex' },
    ],
    workerVersion: version,
  });
}
