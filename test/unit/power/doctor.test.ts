import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { diagnoseWake } from '../../../src/power/doctor.js';
import type { PowerTarget } from '../../../src/power/ports.js';
import type { Facts } from '../../../src/protocol/facts.js';

const facts = (user: Facts['user'], hostname = 'tower'): Facts => ({
  hostname,
  os: { platform: 'linux', release: '6.1' },
  arch: 'x64',
  cpus: 2,
  memoryBytes: 1,
  interfaces: [],
  repos: [],
  agents: [],
  workerVersion: '0.1.0',
  ...(user ? { user } : {}),
});
const machine = (f: Facts | null): PowerTarget => ({ id: 1, name: 'local', status: 'online', powerState: 'online', facts: f, capabilities: {} });
const hub = { hostname: 'tower', uid: 1000, user: 'me' };
const config = { sshKeyFile: undefined, sshUser: undefined };
const warning =
  "local's worker runs as me (uid 1000), the hub's own user on this host: its agents can read the hub's admin token, database and SSH key, so whoever may run tasks on local is in effect an admin. Run this worker as another user (sudo pia worker install-service --hub <url> --user <name>; for the hub's embedded worker set PIA_LOCAL_WORKER=0).";

describe('doctor: a worker that runs as the hub', () => {
  it('warns when the worker runs as the hub\'s user on the hub\'s host', () => {
    const findings = diagnoseWake(machine(facts({ name: 'me', uid: 1000 })), [], config, hub);
    expect(findings[0]).toEqual({ level: 'warn', message: warning });
  });

  it('says nothing about it for another user, another host, or a worker that does not report its user', () => {
    for (const f of [facts({ name: 'agent', uid: 1001 }), facts({ name: 'me', uid: 1000 }, 'laptop'), facts(undefined), null]) {
      expect(diagnoseWake(machine(f), [], config, hub).map((x) => x.message)).not.toContain(warning);
    }
  });

  it('compares names where there are no uids (Windows)', () => {
    const win = { hostname: 'tower', uid: null, user: 'me' };
    expect(diagnoseWake(machine(facts({ name: 'me', uid: null })), [], config, win)[0]?.message).toMatch(/^local's worker runs as me, the hub's own user/);
  });

  it('defaults to this process as the hub', () => {
    const me = { name: os.userInfo().username, uid: process.getuid?.() ?? null };
    expect(diagnoseWake(machine(facts(me, os.hostname())), [], config)[0]?.level).toBe('warn');
  });
});
