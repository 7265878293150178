import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTransport } from 'nodemailer';
import { haveBinary } from './system.js';
import { tempDir } from './tmp.js';
import { until } from './wait.js';
import { accepts, freePort } from './ports.js';

/** The dovecot master binary; it lives in /usr/sbin, which is not on every PATH, so it is named in full. */
export const DOVECOT = '/usr/sbin/dovecot';
/** The LMTP service binary (Debian's dovecot-lmtpd); without it dovecot starts but every delivery fails. */
const DOVECOT_LMTP = '/usr/lib/dovecot/lmtp';
const INSTALL_HINT = 'apt-get install dovecot-imapd dovecot-lmtpd';

/** A mailbox account in the test dovecot: the full address is the login name. */
export interface DovecotUser {
  user: string;
  pass: string;
}

/**
 * A real dovecot (IMAP + LMTP) on loopback high ports, in its own temp dir (TESTING.md, "IMAP: dovecot in the
 * foreground"). Mail is stored as `maildir:~/Maildir` under `dir/mail/<address>`. An IMAP client in IDLE sees
 * the `exists` event about 0.5 s after a delivery, so wait on that event rather than on a sleep.
 */
export interface TestDovecot {
  host: '127.0.0.1';
  imapPort: number;
  lmtpPort: number;
  /** The temp dir holding dovecot.conf, dovecot.log, users, run/, state/ and mail/. */
  dir: string;
  users: readonly DovecotUser[];
  /**
   * Delivers a raw RFC 5322 message to one mailbox over LMTP. The envelope sender is the address in the
   * message's From header, or `sender@example.test` when there is none. Rejects if dovecot refuses it.
   */
  deliver(to: string, raw: string | Buffer): Promise<void>;
  /**
   * Stops dovecot (dropping every IMAP connection, as a server restart would) and starts it again on the same
   * ports and mail dir; resolves once IMAP accepts connections again.
   */
  restart(): Promise<void>;
  /** Stops dovecot by its PID and removes the temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

/** The accounts a test dovecot has unless told otherwise. */
export const DEFAULT_DOVECOT_USERS: readonly DovecotUser[] = [
  { user: 'pia@example.test', pass: 'secret' },
  { user: 'ada@example.test', pass: 'secret' },
];

/**
 * Whether dovecot with IMAP and LMTP is installed. When it is not, tests are skipped with a loud line, and under
 * PIA_TEST_REQUIRE_SYSTEM=1 (CI) this throws instead.
 */
export function haveDovecot(): boolean {
  return haveBinary(DOVECOT, INSTALL_HINT) && haveBinary(DOVECOT_LMTP, INSTALL_HINT);
}

/** Signals every process in a process group by its id (the dovecot master's PID); never by name. */
function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false; // ESRCH: the group is empty
  }
}

/**
 * Whether any process of the group still runs. Zombies count as gone: they hold no sockets, and the reaper
 * here (pid 1) can take a moment to collect children whose master has exited.
 */
function groupAlive(pgid: number): boolean {
  if (!signalGroup(pgid, 0)) return false;
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      } catch {
        continue; // exited while we looked
      }
      // Fields after "(comm)": state ppid pgrp ...; comm may itself contain spaces or parentheses.
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pgid && state !== 'Z') return true;
    }
    return false;
  } catch {
    return true; // no /proc: trust kill(0), which counts zombies too
  }
}

/** Who owns the mail and runs dovecot's unprivileged processes. */
interface MailOwner {
  uid: string;
  gid: string;
  /** Extra settings dovecot needs when it is not started as root. */
  settings: string[];
}

function mailOwner(mailDir: string): MailOwner {
  if (process.getuid?.() === 0) {
    // dovecot refuses to store mail as uid 0, so root hands the mail dir to nobody.
    execFileSync('chown', ['nobody:nogroup', mailDir]);
    return { uid: 'nobody', gid: 'nogroup', settings: [] };
  }
  // Not root: dovecot cannot switch users, so every one of its processes runs as us.
  const user = os.userInfo().username;
  const group = execFileSync('id', ['-gn'], { encoding: 'utf8' }).trim();
  return {
    uid: user,
    gid: group,
    settings: [`default_internal_user = ${user}`, `default_login_user = ${user}`, `default_internal_group = ${group}`],
  };
}

function configText(D: string, owner: MailOwner, imapPort: number, lmtpPort: number, unprivileged: boolean): string {
  // Only root may chroot; as another user the login and anvil processes must run unchrooted.
  const noChroot = unprivileged ? ['  chroot ='] : [];
  return [
    `base_dir = ${D}/run`,
    `state_dir = ${D}/state`,
    `log_path = ${D}/dovecot.log`,
    'protocols = imap lmtp',
    'listen = 127.0.0.1',
    'ssl = no',
    'disable_plaintext_auth = no',
    'auth_mechanisms = plain login',
    'mail_location = maildir:~/Maildir',
    'first_valid_uid = 1',
    ...owner.settings,
    'passdb {',
    '  driver = passwd-file',
    `  args = scheme=PLAIN username_format=%u ${D}/users`,
    '}',
    'userdb {',
    '  driver = static',
    `  args = uid=${owner.uid} gid=${owner.gid} home=${D}/mail/%u`,
    '}',
    'service imap-login {',
    ...noChroot,
    '  inet_listener imap {',
    `    port = ${imapPort}`,
    '  }',
    '  inet_listener imaps {',
    '    port = 0',
    '  }',
    '}',
    'service lmtp {',
    '  inet_listener lmtp {',
    `    port = ${lmtpPort}`,
    '  }',
    '}',
    ...(unprivileged ? ['service anvil {', ...noChroot, '}'] : []),
    '',
  ].join('\n');
}

function usersFile(users: readonly DovecotUser[]): string {
  for (const { user, pass } of users) {
    // passwd-file is colon separated, one account a line: these would silently corrupt it.
    if (/[:\s]/.test(user) || /[:\r\n]/.test(pass)) throw new Error(`dovecot test user ${JSON.stringify(user)}: no ':' or newlines allowed`);
  }
  return users.map(({ user, pass }) => `${user}:{PLAIN}${pass}\n`).join('');
}

/** The bare address in a message's first From header, if it has one. */
export function fromHeader(raw: string | Buffer): string | undefined {
  const text = typeof raw === 'string' ? raw : raw.toString('latin1');
  const head = text.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const line = /^From:[ \t]*(.*(?:\r?\n[ \t].*)*)/im.exec(head)?.[1];
  if (line === undefined) return undefined;
  return /<([^<>\s]+@[^<>\s]+)>/.exec(line)?.[1] ?? /([^\s<>"]+@[^\s<>",]+)/.exec(line)?.[1];
}

/**
 * Starts a private dovecot in the foreground (`dovecot -F`) with IMAP and LMTP on free loopback ports, and
 * resolves once both accept connections. Stop it with `stop()` in `afterAll`: it is signalled by its process group
 * id (the master's PID), never by name.
 */
export async function startDovecot(opts: { users?: DovecotUser[] } = {}): Promise<TestDovecot> {
  const users = [...(opts.users ?? DEFAULT_DOVECOT_USERS)];
  const tmp = tempDir('pia-dovecot-');
  const D = tmp.dir;
  for (const sub of ['run', 'state', 'mail']) mkdirSync(path.join(D, sub));
  const unprivileged = process.getuid?.() !== 0;
  const owner = mailOwner(path.join(D, 'mail'));
  writeFileSync(path.join(D, 'users'), usersFile(users));
  const [imapPort, lmtpPort] = [await freePort(), await freePort()];
  const conf = path.join(D, 'dovecot.conf');
  writeFileSync(conf, configText(D, owner, imapPort, lmtpPort, unprivileged));
  const log = path.join(D, 'dovecot.log');

  let master: ChildProcess | undefined;
  let stopped = false;
  // A test process that dies without afterAll must not leave a dovecot holding the ports.
  const killOnExit = (): void => {
    if (master?.pid !== undefined) signalGroup(master.pid, 'SIGKILL');
  };
  process.on('exit', killOnExit);

  async function start(): Promise<void> {
    // Its own process group (pgid = its PID), so stopping can reach children the master leaves behind.
    const child = spawn(DOVECOT, ['-F', '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    master = child;
    const failure = (): string => `${stderr}${existsSync(log) ? readFileSync(log, 'utf8') : '(no dovecot.log)'}`;
    await until(async () => {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`dovecot exited (${child.exitCode ?? child.signalCode}): ${failure()}`);
      }
      return (await accepts(imapPort)) && (await accepts(lmtpPort));
    }, 10_000, 25);
  }

  async function halt(): Promise<void> {
    const child = master;
    if (child?.pid === undefined) return;
    const pgid = child.pid;
    const masterGone = child.exitCode !== null || child.signalCode !== null;
    const exited = masterGone ? Promise.resolve() : new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // The master does not take its imap children down when it exits (they would go on serving and keep the
    // listening sockets), so do what systemd does on "restart dovecot": SIGTERM the whole group. Each imap
    // process then says "BYE Server shutting down" and closes its connection. Repeated until the master is
    // gone, because a child it forks just after a signal (right after startup, say) never got it, and the
    // master then waits seconds for that child.
    signalGroup(pgid, 'SIGTERM');
    const again = setInterval(() => signalGroup(pgid, 'SIGTERM'), 100);
    const kill = setTimeout(() => signalGroup(pgid, 'SIGKILL'), 5000);
    try {
      await exited;
      signalGroup(pgid, 'SIGTERM');
      await until(() => !groupAlive(pgid), 3000, 20).catch(() => {
        signalGroup(pgid, 'SIGKILL');
        return until(() => !groupAlive(pgid), 3000, 20);
      });
    } finally {
      clearInterval(again);
      clearTimeout(kill);
    }
    // Forget it, so no later signal can reach an unrelated group that reuses the id.
    master = undefined;
  }

  await start().catch(async (err: unknown) => {
    await halt();
    process.off('exit', killOnExit);
    tmp.cleanup();
    throw err;
  });

  return {
    host: '127.0.0.1',
    imapPort,
    lmtpPort,
    dir: D,
    users,
    async deliver(to, raw) {
      const transport = createTransport({ host: '127.0.0.1', port: lmtpPort, lmtp: true, ignoreTLS: true });
      try {
        const info = await transport.sendMail({ envelope: { from: fromHeader(raw) ?? 'sender@example.test', to: [to] }, raw });
        if (info.rejected.length > 0) throw new Error(`dovecot LMTP rejected ${to}: ${info.response}`);
      } finally {
        transport.close();
      }
    },
    async restart() {
      if (stopped) throw new Error('dovecot was stopped; start a new one');
      await halt();
      await start();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await halt();
      process.off('exit', killOnExit);
      tmp.cleanup();
    },
  };
}
