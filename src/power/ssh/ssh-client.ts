import type * as Ssh2 from 'ssh2';
import type { Client, ServerHostKeyAlgorithm } from 'ssh2';
import { PiaError, errorMessage } from '../../common/errors.js';
import { fingerprintOf, normalizeFingerprint } from './fingerprint.js';
import { mayReach } from '../../common/net-guard.js';

/**
 * Host key algorithms we accept, in order. Spelled out (rather than ssh2's defaults) so the key a server presents
 * at `pia machines trust` is the same one it presents at every later exec, whatever ssh2 version is installed.
 * SHA-1 `ssh-rsa` signatures are left out, as OpenSSH itself has done since 8.8.
 */
const HOST_KEY_ALGORITHMS: ServerHostKeyAlgorithm[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
];

/** Most bytes kept of each of stdout and stderr; a start command that prints more is misbehaving. */
export const MAX_OUTPUT_BYTES = 64 * 1024;

const DEFAULT_TIMEOUT_MS = 30_000;
const UNREACHABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'EPIPE']);

/** Where an SSH server listens. */
export interface SshTarget {
  host: string;
  port: number;
  /** Deadline for the whole operation (connect, handshake and, for exec, the command); default 30 s. */
  timeoutMs?: number;
}

/** One command to run over SSH with key authentication against a pinned host key. */
export interface SshExecOptions extends SshTarget {
  user: string;
  privateKey: Buffer;
  passphrase?: string;
  /** `SHA256:...` as shown by `pia machines trust`; the connection is refused if the server shows another key. */
  hostKeyFingerprint: string;
  /** Run by the remote user's shell: build it with posixQuote/windowsQuote, never by pasting text in. */
  command: string;
  signal?: AbortSignal;
}

/** How a remote command ended and what it printed (each stream capped at MAX_OUTPUT_BYTES). */
export interface SshExecResult {
  /** The exit status, or null when the command died of a signal or the server sent none. */
  code: number | null;
  /** e.g. `SIGTERM` when the command was killed. */
  signal: string | null;
  stdout: string;
  stderr: string;
  /** Whether either stream was cut at MAX_OUTPUT_BYTES. */
  truncated: boolean;
}

/**
 * Connects only far enough to see the server's host key and returns its fingerprint, as `ssh-keygen -lf` prints it,
 * for the operator to compare before trusting the machine. Nothing is authenticated and nothing runs.
 */
export function fetchHostKeyFingerprint(opts: SshTarget): Promise<string> {
  let seen: string | undefined;
  const look = (key: Buffer): boolean => {
    seen = fingerprintOf(key);
    return false; // We only wanted to look: hang up before authenticating.
  };
  // The verifier always refuses, so the connection never becomes ready; the hang-up that follows resolves with `seen`.
  return connect(opts, undefined, look, () => seen, () => undefined);
}

/**
 * Runs one command on a machine over SSH. The server must show the pinned host key and accept our key; anything
 * else is a PiaError saying what to do (`host_key_unknown`, `host_key_mismatch`, `ssh_auth_failed`,
 * `ssh_unreachable`, `ssh_timeout`, `ssh_aborted`, `ssh_key_invalid`, `ssh_failed`). A non-zero exit is a result,
 * not an error. Cancelling (signal or deadline) closes the channel; the remote command may keep running.
 */
export function sshExec(opts: SshExecOptions): Promise<SshExecResult> {
  if (opts.hostKeyFingerprint.trim() === '') {
    return Promise.reject(
      new PiaError('host_key_unknown', `No host key is trusted for ${where(opts)} yet; run \`pia machines trust <machine>\`, compare the fingerprint it shows with the machine's own (\`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub\` there), then confirm`),
    );
  }
  const pinned = normalizeFingerprint(opts.hostKeyFingerprint);
  if (!pinned) {
    return Promise.reject(
      new PiaError('host_key_invalid', `The trusted host key for ${where(opts)} is not a SHA256 fingerprint ("${opts.hostKeyFingerprint.slice(0, 80)}"); re-trust it with \`pia machines trust <machine>\``),
    );
  }
  let presented: string | undefined;
  const verify = (key: Buffer): boolean => {
    presented = fingerprintOf(key);
    return presented === pinned;
  };
  const mismatch = (): PiaError | undefined =>
    presented !== undefined && presented !== pinned
      ? new PiaError(
          'host_key_mismatch',
          `REFUSED: the host key of ${where(opts)} has changed — it presented ${presented} but ${pinned} is trusted. ` +
            `Someone may be intercepting the connection (man-in-the-middle); nothing was sent. If the change is legitimate ` +
            `(the machine was reinstalled or its keys regenerated), check the new key on the machine itself and run ` +
            `\`pia machines trust <machine> --fingerprint ${presented}\`.`,
        )
      : undefined;
  return connect<SshExecResult>(opts, opts, verify, mismatch, (client, done) => runCommand(client, opts, done));
}

interface Settle<T> {
  ok(value: T, client: Client): void;
  fail(err: PiaError, client: Client): void;
}

/** ssh2, loaded at the first SSH operation: most hubs never bootstrap a machine, and it costs start-up time. */
let ssh2: Promise<typeof Ssh2> | undefined;

/** The connection lifecycle both operations share: one deadline, one abort path, errors turned into PiaErrors. */
async function connect<T>(
  target: SshTarget,
  auth: SshExecOptions | undefined,
  verify: (key: Buffer) => boolean,
  /** Checked first on error/close: a value (fingerprint) or an error (mismatch) that explains the hang-up. */
  explain: () => T | PiaError | undefined,
  onReady: (client: Client, done: Settle<T>) => void,
): Promise<T> {
  const timeoutMs = target.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const signal = auth?.signal;
  ssh2 ??= import('ssh2');
  const { Client } = await ssh2;
  return new Promise<T>((resolve, reject) => {
    if (signal?.aborted) return reject(aborted(target, signal.reason));
    const client = new Client();
    let ready = false;
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const done: Settle<T> = {
      ok: (value, c) => finish(() => (c.end(), resolve(value))),
      fail: (err, c) => finish(() => (c.destroy(), reject(err))),
    };
    const fromExplain = (): boolean => {
      const why = explain();
      if (why === undefined) return false;
      if (why instanceof PiaError) done.fail(why, client);
      else done.ok(why, client);
      return true;
    };
    const onAbort = (): void => done.fail(aborted(target, signal?.reason), client);
    const timer = setTimeout(() => {
      const stage = ready ? 'the command did not finish' : 'no SSH handshake';
      done.fail(new PiaError('ssh_timeout', `SSH to ${where(target)} timed out: ${stage} within ${timeoutMs} ms; check the machine is awake and reachable (try \`ssh -p ${target.port} ${target.host}\`)`), client);
    }, timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    client.on('error', (err: Error & { level?: string; code?: string }) => {
      if (!fromExplain()) done.fail(classify(err, target, auth?.user), client);
    });
    client.on('close', () => {
      if (!fromExplain()) done.fail(new PiaError('ssh_unreachable', `SSH server at ${where(target)} closed the connection${ready ? ' before the command finished' : ' during the handshake'}; check its sshd log`), client);
    });
    client.on('ready', () => {
      ready = true;
      onReady(client, done);
    });
    if (!mayReach(target.host)) {
      done.fail(new PiaError('ssh_unreachable', `not connecting to ${where(target)}: loopback-only mode (PIA_NET_LOOPBACK_ONLY=1)`), client);
      return;
    }
    try {
      client.connect({
        host: target.host,
        port: target.port,
        username: auth?.user ?? 'pia-host-key-probe',
        ...(auth ? { privateKey: auth.privateKey, passphrase: auth.passphrase, authHandler: ['publickey'] } : { authHandler: ['none'] }),
        hostVerifier: verify,
        algorithms: { serverHostKey: HOST_KEY_ALGORITHMS },
        readyTimeout: 0, // our own deadline covers the handshake and the command together
      });
    } catch (err) {
      // ssh2 parses the private key synchronously in connect().
      done.fail(new PiaError('ssh_key_invalid', `PIA's SSH private key cannot be used (${errorMessage(err)}); check the key file and its passphrase`, { cause: err }), client);
    }
  });
}

function runCommand(client: Client, opts: SshExecOptions, done: Settle<SshExecResult>): void {
  client.exec(opts.command, (err, stream) => {
    if (err) return done.fail(new PiaError('ssh_failed', `${where(opts)} would not run the command: ${err.message}`, { cause: err }), client);
    const out = capped();
    const errOut = capped();
    let code: number | null = null;
    let sig: string | null = null;
    stream.on('data', (b: Buffer) => out.push(b));
    stream.stderr.on('data', (b: Buffer) => errOut.push(b));
    stream.on('exit', (c: number | null, s?: string) => {
      code = c;
      sig = s ?? null;
    });
    stream.on('close', () =>
      done.ok({ code, signal: sig, stdout: out.text(), stderr: errOut.text(), truncated: out.truncated() || errOut.truncated() }, client),
    );
  });
}

/** Keeps the first MAX_OUTPUT_BYTES of a stream; decodes once at the end so split UTF-8 sequences join up. */
function capped(): { push(b: Buffer): void; text(): string; truncated(): boolean } {
  const chunks: Buffer[] = [];
  let size = 0;
  let cut = false;
  return {
    push(b) {
      const room = MAX_OUTPUT_BYTES - size;
      if (b.length > room) cut = true;
      if (room <= 0) return;
      const kept = b.length > room ? b.subarray(0, room) : b;
      chunks.push(kept);
      size += kept.length;
    },
    text: () => Buffer.concat(chunks).toString('utf8'),
    truncated: () => cut,
  };
}

function classify(err: Error & { level?: string; code?: string }, target: SshTarget, user: string | undefined): PiaError {
  if (err.level === 'client-authentication') {
    return new PiaError('ssh_auth_failed', `SSH to ${where(target)} as "${user}" was refused: the server did not accept PIA's key. Add PIA's public key to ~${user}/.ssh/authorized_keys on that machine, or check the user name`, { cause: err });
  }
  if (err.level === 'client-timeout') {
    return new PiaError('ssh_timeout', `SSH to ${where(target)} timed out (${err.message}); check the machine is awake and reachable`, { cause: err });
  }
  if (err.level === 'client-socket' || err.level === 'client-dns' || (err.code && UNREACHABLE.has(err.code))) {
    return new PiaError('ssh_unreachable', `Cannot reach SSH at ${where(target)} (${err.code ?? err.message}); check the machine is on, sshd is running and the host and port are right`, { cause: err });
  }
  return new PiaError('ssh_failed', `SSH to ${where(target)} failed: ${err.message}`, { cause: err });
}

function aborted(target: SshTarget, reason: unknown): PiaError {
  return new PiaError('ssh_aborted', `SSH to ${where(target)} was cancelled`, { cause: reason });
}

function where(t: SshTarget): string {
  return `${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}`;
}
