/**
 * Who is logged in on this machine, so idle sleep never puts a machine to sleep under a person: Linux asks
 * `loginctl list-sessions`, macOS reads the console's owner, Windows asks `query user`; each by argv, no shell.
 * `PIA_SESSIONS_CMD` (a JSON argv printing one user per line) replaces the OS's own way.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { z } from 'zod';
import { PiaError } from '../../common/errors.js';

const run = promisify(execFile);

/** A person logged in, and where (a tty, a seat, an RDP session). */
export interface Session {
  user: string;
  where?: string;
}

/** Runs a program and gives its stdout; rejects when it fails. */
export type Exec = (file: string, args: string[]) => Promise<string>;
const defaultExec: Exec = async (file, args) => (await run(file, args, { timeout: 5000, windowsHide: true })).stdout;

/** The command that lists sessions: `PIA_SESSIONS_CMD` when set, else the OS's own. */
export function sessionsCommand(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): { argv: string[]; format: 'lines' | 'loginctl' | 'console' | 'query-user' } {
  const raw = env.PIA_SESSIONS_CMD?.trim();
  if (raw) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = undefined;
    }
    const argv = z.array(z.string()).min(1).safeParse(parsed);
    if (!argv.success) throw new PiaError('config_invalid', `PIA_SESSIONS_CMD must be a JSON array of arguments, got '${raw}'`);
    return { argv: argv.data, format: 'lines' };
  }
  if (platform === 'darwin') return { argv: ['stat', '-f', '%Su', '/dev/console'], format: 'console' };
  if (platform === 'win32') return { argv: ['query', 'user'], format: 'query-user' };
  return { argv: ['loginctl', 'list-sessions', '--no-legend'], format: 'loginctl' };
}

/**
 * The people logged in now, or undefined when this machine cannot tell (no loginctl, no session manager). Never
 * throws: "cannot tell" is an answer the hub knows how to treat.
 */
export async function loggedIn(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform, exec: Exec = defaultExec): Promise<Session[] | undefined> {
  let cmd: ReturnType<typeof sessionsCommand>;
  try {
    cmd = sessionsCommand(env, platform);
  } catch {
    return undefined;
  }
  let out: string;
  try {
    out = await exec(cmd.argv[0]!, cmd.argv.slice(1));
  } catch (err) {
    // `query user` exits 1 with "No User exists" when nobody is logged in.
    const e = err as { stdout?: string; stderr?: string };
    if (cmd.format === 'query-user' && /no user exists/i.test(`${e.stdout ?? ''}${e.stderr ?? ''}`)) return [];
    return undefined;
  }
  switch (cmd.format) {
    case 'lines':
      return out.split('\n').map((l) => l.trim()).filter(Boolean).map((user) => ({ user: user.slice(0, 256) }));
    case 'loginctl':
      return parseLoginctl(out);
    case 'console': {
      const user = out.trim();
      // root owns the console at the login window: nobody is logged in there.
      return user && user !== 'root' ? [{ user, where: 'console' }] : [];
    }
    case 'query-user':
      return parseQueryUser(out);
  }
}

/**
 * `loginctl list-sessions --no-legend`: `SESSION UID USER SEAT TTY` (systemd 252), or with LEADER, CLASS, IDLE and
 * SINCE columns (256+). Sessions of class manager or background are the service manager's, not a person's.
 */
export function parseLoginctl(text: string): Session[] {
  const out: Session[] = [];
  for (const line of text.split('\n')) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 3 || !/^\d+$/.test(cols[1]!)) continue;
    if (cols.some((c) => c === 'manager' || c === 'manager-early' || c === 'background')) continue;
    const where = cols.find((c, i) => i > 2 && /^(tty|pts\/|seat)/.test(c));
    out.push({ user: cols[2]!.slice(0, 256), ...(where ? { where } : {}) });
  }
  return out;
}

/** `query user`: a header, then ` USERNAME  SESSIONNAME  ID  STATE  IDLE TIME  LOGON TIME` (">" marks the caller's). */
export function parseQueryUser(text: string): Session[] {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l.trim());
  const out: Session[] = [];
  for (const line of lines.slice(1)) {
    const cols = line.replace(/^>/, ' ').trim().split(/\s+/);
    if (!cols[0]) continue;
    const state = cols.find((c) => /^(active|disc)$/i.test(c));
    const session = cols[1] && !/^\d+$/.test(cols[1]) ? cols[1] : undefined;
    out.push({ user: cols[0].slice(0, 256), ...(session ? { where: session } : state ? { where: state.toLowerCase() } : {}) });
  }
  return out;
}
