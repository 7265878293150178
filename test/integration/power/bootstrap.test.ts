import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../../src/common/version.js';
import type { PowerProgress } from '../../../src/power/progress.js';
import { startTestHub, type TestHub } from '../../helpers/hub.js';
import { haveSshd, startSshd, type TestSshd } from '../../helpers/sshd.js';
import { nextEvent, until } from '../../helpers/wait.js';
import { testWorker } from '../../helpers/worker.js';

const haveSsh = haveSshd();
let sshd: TestSshd;
let t: TestHub;
let stateDir: string;
const pidFile = () => path.join(sshd.dir, 'worker.pid');

function killStartedWorker(): void {
  if (!existsSync(pidFile())) return;
  const pid = Number(readFileSync(pidFile(), 'utf8'));
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // already gone
  }
}

beforeAll(async () => {
  if (!haveSsh) return;
  sshd = await startSshd();
  t = await startTestHub({ env: { PIA_SSH_KEY: sshd.clientKeyFile, PIA_SSH_USER: sshd.user, PIA_BOOTSTRAP_AFTER_S: '0.2', PIA_WAKE_TIMEOUT_S: '15' } });
  const { body } = await t.api<{ joinToken: string }>('POST', '/api/machines', { name: 'remote', capabilities: { ip: '127.0.0.1', sshPort: sshd.port } });
  const worker = testWorker({ hub: t.linkUrl, join: body.joinToken });
  const online = nextEvent(t.pia.events, 'machine.online', (e) => e.machine === 'remote');
  void worker.run();
  await online;
  await worker.stop();
  stateDir = worker.stateDir;
  // How the stand-in machine starts its worker: detached, its PID kept so the test can stop it.
  const start = ['sh', '-c', `nohup "$0" "$@" >/dev/null 2>&1 & echo $! > '${pidFile()}'`, process.execPath, path.join(projectRoot, 'bin', 'pia.js'), 'worker', '--hub', t.linkUrl, '--state-dir', stateDir];
  await t.api('PATCH', '/api/machines/remote', { capabilities: { startCommand: start } });
});

afterAll(async () => {
  killStartedWorker();
  await t?.stop();
  sshd?.stop();
});

describe.runIf(haveSsh)('SSH bootstrap against a real OpenSSH server', () => {
  it('shows the host key for the operator to check, and pins it only when confirmed', async () => {
    const key = await t.api<{ fingerprint: string; pinned: string | null; host: string; port: number }>('GET', '/api/machines/remote/host-key');
    expect(key.body).toEqual({ machine: 'remote', host: '127.0.0.1', port: sshd.port, fingerprint: sshd.hostFingerprint, pinned: null });
    expect((await t.machine('remote')).capabilities.sshHostKey).toBeUndefined();
    const bad = await t.api<{ error: { code: string } }>('POST', '/api/machines/remote/trust', { fingerprint: 'MD5:aa:bb' });
    expect(bad.body.error.code).toBe('fingerprint_invalid');
    const trust = await t.api<{ sshHostKey: string }>('POST', '/api/machines/remote/trust', { fingerprint: sshd.hostFingerprint });
    expect(trust.body.sshHostKey).toBe(sshd.hostFingerprint);
  });

  it('starts the worker over SSH with the pinned key; the machine comes online', async () => {
    const online = nextEvent(t.pia.events, 'machine.online', (e) => e.machine === 'remote', 20_000);
    const { body } = await t.api<{ operation: { id: string } }>('POST', '/api/machines/remote/bootstrap');
    const steps: PowerProgress[] = [];
    const off = t.pia.events.on('power.progress', (p) => p.operation === body.operation.id && steps.push(p));
    await online;
    const end = await until(() => steps.find((s) => s.step === 'done'), 10_000);
    off();
    expect(end).toMatchObject({ state: 'succeeded', message: 'remote is online.' });
    expect(steps.find((s) => s.step === 'bootstrap' && s.progress === 80)!.message).toBe(`Start command ran as ${sshd.user}@127.0.0.1:${sshd.port}; waiting for the worker to link`);
  });

  it('refuses loudly when the host key does not match the pinned one, and runs nothing', async () => {
    killStartedWorker();
    await until(async () => (await t.machine('remote')).status === 'offline', 10_000);
    const wrong = `SHA256:${'B'.repeat(43)}`;
    await t.api('POST', '/api/machines/remote/trust', { fingerprint: wrong });
    const before = readFileSync(pidFile(), 'utf8');
    const { body } = await t.api<{ operation: { id: string } }>('POST', '/api/machines/remote/bootstrap');
    const end = await nextEvent(t.pia.events, 'power.progress', (p) => p.operation === body.operation.id && p.step === 'done', 15_000);
    expect(end.state).toBe('failed');
    expect(end.error).toContain(wrong);
    expect(end.error).toContain(sshd.hostFingerprint);
    expect(end.error).toMatch(/man-in-the-middle/);
    expect(readFileSync(pidFile(), 'utf8')).toBe(before); // the start command never ran
  });
});
