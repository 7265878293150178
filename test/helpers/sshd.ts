import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tempDir } from './tmp.js';
import { until } from './wait.js';
import { accepts, freePort } from './ports.js';
import { haveBinary } from './system.js';

/** The OpenSSH server binary; it lives in /usr/sbin, which is not on every PATH. */
export const SSHD = '/usr/sbin/sshd';

/**
 * Whether OpenSSH's server and ssh-keygen are installed. When not, tests are skipped with a loud line, and under
 * PIA_TEST_REQUIRE_SYSTEM=1 (CI) this throws instead.
 */
export function haveSshd(): boolean {
  return haveBinary(SSHD, 'apt-get install openssh-server') && haveBinary('ssh-keygen', 'apt-get install openssh-client');
}

/** A real OpenSSH server on a loopback high port, with a client key it accepts. */
export interface TestSshd {
  port: number;
  user: string;
  dir: string;
  clientKeyFile: string;
  hostFingerprint: string;
  /** Makes another ed25519 key pair in `dir` (optionally with a passphrase); returns the private key's path. */
  keygen(name: string, passphrase?: string): string;
  /** Lets a key made by {@link keygen} log in too (sshd reads authorized_keys at each login). */
  authorize(keyFile: string): void;
  stop(): void;
}

/** Starts sshd per TESTING.md ("SSH: OpenSSH on a high port"); stop it by its PID. */
export async function startSshd(): Promise<TestSshd> {
  const tmp = tempDir('pia-sshd-');
  const S = tmp.dir;
  const keygen = (name: string, passphrase = '') => {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', name, '-f', path.join(S, name)]);
    return path.join(S, name);
  };
  if (process.getuid?.() === 0) execFileSync('install', ['-d', '-m', '0755', '/run/sshd']);
  const hostKey = keygen('host_ed25519');
  const client = keygen('client_ed25519');
  writeFileSync(path.join(S, 'authorized_keys'), readFileSync(`${client}.pub`, 'utf8'));
  const hostFingerprint = execFileSync('ssh-keygen', ['-lf', `${hostKey}.pub`], { encoding: 'utf8' }).split(' ')[1]!;
  const config = path.join(S, 'sshd_config');
  writeFileSync(
    config,
    [
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${path.join(S, 'sshd.pid')}`,
      `AuthorizedKeysFile ${path.join(S, 'authorized_keys')}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'UsePAM no',
      'StrictModes no',
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const log = path.join(S, 'sshd.log');
  const sshd: ChildProcess = spawn(SSHD, ['-D', '-E', log, '-f', config, '-p', String(port)], { stdio: 'ignore' });
  let exited: number | null = null;
  sshd.once('exit', (code) => (exited = code ?? -1));
  await until(async () => {
    if (exited !== null) throw new Error(`sshd exited with ${exited}: ${existsSync(log) ? readFileSync(log, 'utf8') : '(no log)'}`);
    return accepts(port);
  }, 10_000, 50);
  return {
    port,
    user: os.userInfo().username,
    dir: S,
    clientKeyFile: client,
    hostFingerprint,
    keygen,
    authorize(keyFile) {
      appendFileSync(path.join(S, 'authorized_keys'), readFileSync(`${keyFile}.pub`, 'utf8'));
    },
    stop() {
      if (sshd.pid !== undefined && sshd.exitCode === null) process.kill(sshd.pid, 'SIGTERM');
      tmp.cleanup();
    },
  };
}
