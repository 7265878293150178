import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PiaError } from '../../../src/common/errors.js';
import { posixQuote } from '../../../src/power/ssh/remote-command.js';
import { MAX_OUTPUT_BYTES, fetchHostKeyFingerprint, sshExec, type SshExecOptions } from '../../../src/power/ssh/ssh-client.js';
import { freePort } from '../../helpers/ports.js';
import { haveSshd, startSshd, type TestSshd } from '../../helpers/sshd.js';

// A real OpenSSH server on a loopback high port (TESTING.md, "SSH: OpenSSH on a high port").
const haveSsh = haveSshd();

let sshd: TestSshd;
let port = 0;
let user = '';
let hostFingerprint = '';
let clientKey: Buffer;

function exec(overrides: Partial<SshExecOptions> & { command: string }): ReturnType<typeof sshExec> {
  return sshExec({ host: '127.0.0.1', port, user, privateKey: clientKey, hostKeyFingerprint: hostFingerprint, timeoutMs: 10_000, ...overrides });
}

async function rejection(p: Promise<unknown>): Promise<PiaError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PiaError);
  return err as PiaError;
}

beforeAll(async () => {
  if (!haveSsh) return;
  sshd = await startSshd();
  ({ port, user, hostFingerprint } = sshd);
  clientKey = readFileSync(sshd.clientKeyFile);
  sshd.authorize(sshd.keygen('locked_ed25519', 'correct horse'));
  sshd.keygen('stranger_ed25519'); // made, never authorized
});

afterAll(() => {
  sshd?.stop();
});

describe.runIf(haveSsh)('SSH against a real OpenSSH server', () => {
  it('fetches the host key fingerprint exactly as ssh-keygen -lf prints it', async () => {
    expect(hostFingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    await expect(fetchHostKeyFingerprint({ host: '127.0.0.1', port })).resolves.toBe(hostFingerprint);
  });

  it('passes quoted arguments through the remote shell literally', async () => {
    const marker = path.join(sshd.dir, 'expanded');
    const res = await exec({ command: posixQuote(['printf', '%s|', 'a b', `$(touch ${marker})`, "it's", '`id`', '*', '$HOME']) });
    expect(res).toMatchObject({ code: 0, signal: null, stderr: '', truncated: false });
    expect(res.stdout).toBe(`a b|$(touch ${marker})|it's|\`id\`|*|$HOME|`);
    expect(existsSync(marker)).toBe(false);
  });

  it('returns exit codes, signals and stderr as results, not errors', async () => {
    await expect(exec({ command: 'echo out; echo err >&2; exit 3' })).resolves.toMatchObject({ code: 3, signal: null, stdout: 'out\n', stderr: 'err\n' });
    await expect(exec({ command: posixQuote(['sh', '-c', 'kill -TERM $$']) })).resolves.toMatchObject({ code: null, signal: 'SIGTERM' });
  });

  it('caps collected output', async () => {
    const res = await exec({ command: 'head -c 200000 /dev/zero | tr "\\0" x' });
    expect(res.code).toBe(0);
    expect(res.stdout.length).toBe(MAX_OUTPUT_BYTES);
    expect(res.truncated).toBe(true);
  });

  it('refuses a server whose host key differs from the pinned one, before running anything', async () => {
    const marker = path.join(sshd.dir, 'ran-despite-mismatch');
    const wrongPin = `SHA256:${'A'.repeat(43)}`;
    const err = await rejection(exec({ hostKeyFingerprint: wrongPin, command: posixQuote(['touch', marker]) }));
    expect(err.code).toBe('host_key_mismatch');
    expect(err.message).toContain(hostFingerprint);
    expect(err.message).toContain(wrongPin);
    expect(err.message).toMatch(/man-in-the-middle/);
    expect(err.message).toContain(`pia machines trust <machine> --fingerprint ${hostFingerprint}`);
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses to connect without a pinned host key', async () => {
    expect((await rejection(exec({ hostKeyFingerprint: '', command: 'true' }))).code).toBe('host_key_unknown');
    expect((await rejection(exec({ hostKeyFingerprint: 'md5:aa:bb', command: 'true' }))).code).toBe('host_key_invalid');
  });

  it('reports a key the server does not accept as ssh_auth_failed', async () => {
    const err = await rejection(exec({ privateKey: readFileSync(path.join(sshd.dir, 'stranger_ed25519')), command: 'true' }));
    expect(err.code).toBe('ssh_auth_failed');
    expect(err.message).toContain('authorized_keys');
  });

  it('uses a passphrase-protected key, and says so when the passphrase is missing', async () => {
    const locked = readFileSync(path.join(sshd.dir, 'locked_ed25519'));
    await expect(exec({ privateKey: locked, passphrase: 'correct horse', command: 'echo ok' })).resolves.toMatchObject({ code: 0, stdout: 'ok\n' });
    expect((await rejection(exec({ privateKey: locked, command: 'true' }))).code).toBe('ssh_key_invalid');
  });

  it('reports a closed port as ssh_unreachable', async () => {
    const closed = await freePort();
    const err = await rejection(exec({ port: closed, command: 'true' }));
    expect(err.code).toBe('ssh_unreachable');
    expect(err.message).toContain(`127.0.0.1:${closed}`);
    expect((await rejection(fetchHostKeyFingerprint({ host: '127.0.0.1', port: closed }))).code).toBe('ssh_unreachable');
  });

  it('times out a command that runs too long, and stops on abort', async () => {
    const slow = await rejection(exec({ command: 'sleep 3', timeoutMs: 1500 }));
    expect(slow.code).toBe('ssh_timeout');
    const controller = new AbortController();
    const pending = exec({ command: 'sleep 3', signal: controller.signal });
    setTimeout(() => controller.abort(), 500);
    expect((await rejection(pending)).code).toBe('ssh_aborted');
  });
});
