/**
 * Finds coding-agent CLIs on the worker's PATH, the way a shell would pick them, so the hub knows which
 * agents a task on this machine can run.
 */
import path from 'node:path';
import { access, stat } from 'node:fs/promises';
import { constants } from 'node:fs';
import type { AgentFact } from '../../protocol/facts.js';

/** The agent CLIs a worker looks for when its config names none. */
export const DEFAULT_AGENT_NAMES: readonly string[] = [
  'claude', 'codex', 'aider', 'gemini', 'opencode', 'cursor-agent', 'goose', 'amp',
];

/** Windows' own default when PATHEXT is unset. */
const DEFAULT_PATHEXT = '.COM;.EXE;.BAT;.CMD';

/**
 * For each name, the first executable file of that name on `pathEnv`, in PATH order; names not found are
 * left out. On win32 the PATHEXT extensions are tried in each directory (a bare `claude` there is npm's
 * shell shim, which Windows cannot run); elsewhere the file must carry an execute bit for this user.
 * Names containing a path separator are ignored: they would escape the PATH directories.
 */
export async function findAgentsOnPath(
  names: readonly string[],
  pathEnv = process.env.PATH ?? '',
  platform: NodeJS.Platform = process.platform,
  pathExt = process.env.PATHEXT ?? DEFAULT_PATHEXT,
): Promise<AgentFact[]> {
  const win = platform === 'win32';
  // An empty PATH entry means "the current directory" to a shell; a daemon's cwd is not a place to
  // find agents, so such entries are dropped.
  // Windows lets a PATH entry be wrapped in double quotes, which are not part of the directory.
  const dirs = pathEnv
    .split(win ? ';' : ':')
    .map((d) => (win ? d.replace(/^"(.*)"$/, '$1') : d))
    .filter((d) => d !== '');
  const exts = win ? pathExt.split(';').filter((e) => e !== '') : [];
  const unique = [...new Set(names)].filter((n) => n !== '' && !/[\\/]/.test(n));
  const found = await Promise.all(
    unique.map(async (name): Promise<AgentFact | null> => {
      const candidates = win ? windowsCandidates(name, exts) : [name];
      for (const dir of dirs) {
        for (const file of candidates) {
          // The host's own join: `platform` picks PATH semantics, and only differs from the host in tests.
          const full = path.join(dir, file);
          if (await isRunnable(full, win)) return { name, path: full };
        }
      }
      return null;
    }),
  );
  return found.filter((a): a is AgentFact => a !== null);
}

/** File names to try for `name` on Windows: as given if it already ends in a PATHEXT extension, else name+ext. */
function windowsCandidates(name: string, exts: string[]): string[] {
  const lower = name.toLowerCase();
  if (exts.some((e) => lower.endsWith(e.toLowerCase()))) return [name];
  return exts.map((e) => name + e.toLowerCase());
}

/** A regular file (following symlinks, as npm's global bin is all symlinks) that this user may execute. */
async function isRunnable(file: string, win: boolean): Promise<boolean> {
  try {
    const st = await stat(file);
    if (!st.isFile()) return false;
    // Windows has no execute bit; the extension is what makes a file runnable there.
    if (!win) await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
