import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PiaError } from '../../../src/common/errors.js';
import { posixQuote } from '../../../src/power/ssh/remote-command.js';
import { MAX_OUTPUT_BYTES, fetchHostKeyFingerprint, sshExec, type SshExecOptions } from '../../../src/power/ssh/ssh-client.js';
import { haveBinary } from '../../helpers/system.js';
import { tempDir } from '../../helpers/tmp.js';
import { until } from '../../helpers/wait.js';

// A real OpenSSH server on a loopback high port (TESTING.md, "SSH: OpenSSH on a high port"). sshd lives in
// /usr/sbin, which is not on every PATH, so it is looked up by its full path.
const SSHD = '/usr/sbin/sshd';
const haveSsh = haveBinary(SSHD, 'apt-get install openssh-server') && haveBinary('ssh-keygen', 'apt-get install openssh-client');

const S = tempDir('pia-sshd-');
const user = os.userInfo().username;
let port = 0;
let sshd: ChildProcess | undefined;
let hostFingerprint = '';
let clientKey: Buffer;

function keygen(name: string, passphrase = ''): string {
  const file = path.join(S.dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', name, '-f', file]);
  return file;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: p } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return p;
}

function accepts(p: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(p, '127.0.0.1');
    sock.once('connect', () => (sock.destroy(), resolve(true)));
    sock.once('error', () => resolve(false));
  });
}

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
  if (process.getuid?.() === 0) execFileSync('install', ['-d', '-m', '0755', '/run/sshd']);
  const hostKey = keygen('host_ed25519');
  const client = keygen('client_ed25519');
  const locked = keygen('locked_ed25519', 'correct horse');
  keygen('stranger_ed25519');
  clientKey = readFileSync(client);
  writeFileSync(path.join(S.dir, 'authorized_keys'), readFileSync(`${client}.pub`, 'utf8') + readFileSync(`${locked}.pub`, 'utf8'));
  hostFingerprint = execFileSync('ssh-keygen', ['-lf', `${hostKey}.pub`], { encoding: 'utf8' }).split(' ')[1]!;
  const config = path.join(S.dir, 'sshd_config');
  writeFileSync(
    config,
    [
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${path.join(S.dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${path.join(S.dir, 'authorized_keys')}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'UsePAM no',
      'StrictModes no',
      'LogLevel VERBOSE',
      '',
    ].join('\n'),
  );
  port = await freePort();
  const log = path.join(S.dir, 'sshd.log');
  sshd = spawn(SSHD, ['-D', '-E', log, '-f', config, '-p', String(port)], { stdio: 'ignore' });
  let exited: number | null = null;
  sshd.once('exit', (code) => (exited = code ?? -1));
  await until(async () => {
    if (exited !== null) throw new Error(`sshd exited with ${exited}: ${existsSync(log) ? readFileSync(log, 'utf8') : '(no log)'}`);
    return accepts(port);
  }, 10_000, 50);
});

afterAll(() => {
  if (sshd?.pid !== undefined && sshd.exitCode === null) process.kill(sshd.pid, 'SIGTERM');
  S.cleanup();
});

describe.runIf(haveSsh)('SSH against a real OpenSSH server', () => {
  it('fetches the host key fingerprint exactly as ssh-keygen -lf prints it', async () => {
    expect(hostFingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    await expect(fetchHostKeyFingerprint({ host: '127.0.0.1', port })).resolves.toBe(hostFingerprint);
  });

  it('passes quoted arguments through the remote shell literally', async () => {
    const marker = path.join(S.dir, 'expanded');
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
    const marker = path.join(S.dir, 'ran-despite-mismatch');
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
    const err = await rejection(exec({ privateKey: readFileSync(path.join(S.dir, 'stranger_ed25519')), command: 'true' }));
    expect(err.code).toBe('ssh_auth_failed');
    expect(err.message).toContain('authorized_keys');
  });

  it('uses a passphrase-protected key, and says so when the passphrase is missing', async () => {
    const locked = readFileSync(path.join(S.dir, 'locked_ed25519'));
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
