import { chmodSync, closeSync, fchmodSync, mkdirSync, openSync, statSync } from 'node:fs';

/** Where a note about a tightened mode goes: the hub's log, or stderr when there is no logger yet. */
export type Notice = (message: string) => void;

/** The default {@link Notice}: one line on stderr, where the person who started the hub sees it. */
export const stderrNotice: Notice = (message) => void process.stderr.write(`pia: ${message}\n`);

// Windows has no such modes (ACLs decide); chmod there only toggles read-only, so leave it alone.
const posix = process.platform !== 'win32';

function modeOf(p: string): number | undefined {
  try {
    return statSync(p).mode & 0o777;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Sets `p` to `mode` when it grants anything to group or others, saying so; a failure is a notice too, not a crash. */
function tighten(p: string, mode: number, onNotice: Notice, why = ''): void {
  const current = modeOf(p);
  if (current === undefined || (current & 0o077) === 0) return;
  try {
    chmodSync(p, mode);
    onNotice(`${p} could be read by other users (mode ${current.toString(8)}): now ${mode.toString(8)}${why}.`);
  } catch (err) {
    onNotice(`${p} can be read by other users (mode ${current.toString(8)}) and could not be changed (${(err as Error).message}); run chmod ${mode.toString(8)} on it.`);
  }
}

/**
 * Creates the hub's data dir as 0700, or tightens an existing one that group or others can read, whatever the umask:
 * it holds the database (task output, credential hashes), the admin token and the local worker's secret.
 */
export function ensurePrivateDir(dir: string, onNotice: Notice): void {
  if (!posix) return void mkdirSync(dir, { recursive: true });
  if (modeOf(dir) === undefined) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700); // the umask may have taken bits away from 0700, never added: this is for clarity
    return;
  }
  tighten(dir, 0o700, onNotice, ", so only its owner reads the hub's database and tokens");
}

/** Creates `file` empty as 0600 when missing (fchmod after open, so the umask has no say), or tightens it. */
export function ensurePrivateFile(file: string, onNotice: Notice): void {
  if (!posix) return;
  if (modeOf(file) === undefined) {
    const fd = openSync(file, 'a', 0o600);
    try {
      fchmodSync(fd, 0o600);
    } finally {
      closeSync(fd);
    }
    return;
  }
  tighten(file, 0o600, onNotice);
}

/** Tightens `file` if it exists; never creates it. */
export function tightenIfPresent(file: string, onNotice: Notice): void {
  if (posix) tighten(file, 0o600, onNotice);
}
