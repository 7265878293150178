/**
 * Finds the git repositories under the worker's configured roots and reads each one's branch and remote
 * straight from the files in its git directory. Git is never spawned: a worker may hold hundreds of
 * repositories and this runs on every hello.
 */
import path from 'node:path';
import { readdir, readFile, stat } from 'node:fs/promises';
import type { Dirent } from 'node:fs';
import type { RepoFact } from '../../protocol/facts.js';

/** How far and how much {@link findGitRepos} searches. */
export interface FindGitReposOptions {
  /** Directory levels below a root to look into; the root itself is level 0. Default 3. */
  maxDepth?: number;
  /** Stop once this many repositories are found, across all roots. Default 500. */
  maxRepos?: number;
}

/**
 * Walks each root breadth-first (so shallow repositories win when `maxRepos` cuts the search short) and
 * returns every git repository found. A directory holding `.git` (a directory, or a `gitdir:` file as in
 * worktrees and submodules) is a repository and is not searched further. `node_modules`, dot-directories
 * and symbolic links are skipped; missing roots and unreadable directories are skipped silently.
 */
export async function findGitRepos(roots: readonly string[], opts: FindGitReposOptions = {}): Promise<RepoFact[]> {
  const maxDepth = opts.maxDepth ?? 3;
  const maxRepos = opts.maxRepos ?? 500;
  const found: RepoFact[] = [];
  const seen = new Set<string>(); // overlapping roots must not report a repository twice
  for (const root of roots) {
    if (found.length >= maxRepos) break;
    const start = path.resolve(root);
    // The root itself may be a symlink the user chose on purpose, so it alone is followed.
    const rootStat = await stat(start).catch(() => null);
    if (!rootStat?.isDirectory()) continue;
    const queue: Array<{ dir: string; depth: number }> = [{ dir: start, depth: 0 }];
    for (let i = 0; i < queue.length && found.length < maxRepos; i++) {
      const { dir, depth } = queue[i]!;
      const entries = await readdir(dir, { withFileTypes: true }).catch((): Dirent[] => []);
      const dotGit = entries.find((e) => e.name === '.git' && (e.isDirectory() || e.isFile()));
      if (dotGit) {
        if (seen.has(dir)) continue;
        seen.add(dir);
        const repo = await readRepo(dir, dotGit.isDirectory());
        if (repo) found.push(repo);
        continue;
      }
      if (depth >= maxDepth) continue;
      const subdirs = entries
        .filter((e) => e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules')
        .map((e) => e.name)
        .sort();
      for (const name of subdirs) queue.push({ dir: path.join(dir, name), depth: depth + 1 });
    }
  }
  return found;
}

/** Reads one repository's facts; null when its `.git` file points nowhere readable. */
async function readRepo(dir: string, dotGitIsDir: boolean): Promise<RepoFact | null> {
  const gitDir = dotGitIsDir ? path.join(dir, '.git') : await resolveGitdirFile(path.join(dir, '.git'));
  if (gitDir === null) return null;
  const head = await readFile(path.join(gitDir, 'HEAD'), 'utf8').catch(() => null);
  // Worktrees keep HEAD in their own git directory but share the main repository's config.
  const commonRel = await readFile(path.join(gitDir, 'commondir'), 'utf8').catch(() => null);
  const commonDir = commonRel === null ? gitDir : path.resolve(gitDir, commonRel.trim());
  const config = await readFile(path.join(commonDir, 'config'), 'utf8').catch(() => null);
  return {
    name: path.basename(dir),
    path: dir,
    remote: config === null ? null : pickRemoteUrl(parseGitRemotes(config)),
    branch: head === null ? null : parseHeadBranch(head),
  };
}

/** Follows a `.git` file (`gitdir: <path>`, relative to the file's directory) to the real git directory. */
async function resolveGitdirFile(file: string): Promise<string | null> {
  const text = await readFile(file, 'utf8').catch(() => null);
  const match = text?.match(/^gitdir:\s*(.+?)\s*$/m);
  if (!match?.[1]) return null;
  return path.resolve(path.dirname(file), match[1]);
}

/**
 * The branch named by the text of a HEAD file: `ref: refs/heads/main` gives `main`, any other symbolic
 * ref is given as written, and a detached HEAD (a bare commit id) gives null.
 */
export function parseHeadBranch(headText: string): string | null {
  const match = headText.trim().match(/^ref:\s*(\S+)$/);
  if (!match?.[1]) return null;
  return match[1].startsWith('refs/heads/') ? match[1].slice('refs/heads/'.length) : match[1];
}

/**
 * The remotes of a git config file, in the order they appear, each with its first `url`. Parses the
 * subset of git's INI dialect that remotes use: `[remote "name"]` (and the old `[remote.name]`) sections,
 * case-insensitive section and key names, `#`/`;` comments, quoted values with backslash escapes.
 */
export function parseGitRemotes(configText: string): Array<{ name: string; url: string }> {
  const urls = new Map<string, string>();
  let remote: string | null = null;
  for (const raw of configText.split(/\r?\n/)) {
    let line = raw.trim();
    const section = line.match(/^\[\s*([A-Za-z0-9.-]+)(?:\s+"((?:[^"\\]|\\.)*)")?\s*\]/);
    if (section) {
      const [header, rawName = '', sub] = section;
      const name = rawName.toLowerCase();
      if (sub !== undefined) remote = name === 'remote' ? sub.replace(/\\(.)/g, '$1') : null;
      // The deprecated `[remote.name]` form is case-insensitive, so git lowercases the name.
      else remote = name.startsWith('remote.') ? name.slice('remote.'.length) : null;
      // git allows a key on the same line as its section header.
      line = line.slice(header.length).trim();
    }
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    if (remote === null || urls.has(remote)) continue;
    const entry = line.match(/^([A-Za-z][A-Za-z0-9-]*)\s*=\s*(.*)$/);
    if (entry?.[1]?.toLowerCase() === 'url') urls.set(remote, parseConfigValue(entry[2] ?? ''));
  }
  return [...urls].map(([name, url]) => ({ name, url }));
}

/** A git config value: quotes removed, escapes applied, a trailing comment outside quotes dropped. */
function parseConfigValue(raw: string): string {
  let out = '';
  let quoted = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === '"') quoted = !quoted;
    else if (c === '\\' && i + 1 < raw.length) {
      const next = raw[++i] ?? '';
      out += next === 'n' ? '\n' : next === 't' ? '\t' : next === 'b' ? '\b' : next;
    } else if (!quoted && (c === '#' || c === ';')) break;
    else out += c;
  }
  return out.trim();
}

/** `origin`'s URL if there is one, else the first remote's, with any credentials removed. */
function pickRemoteUrl(remotes: Array<{ name: string; url: string }>): string | null {
  const chosen = remotes.find((r) => r.name === 'origin') ?? remotes[0];
  return chosen ? redactRemoteUrl(chosen.url) : null;
}

/**
 * A remote URL safe to report. For http(s) and ftp(s) URLs the whole userinfo goes, since a lone
 * "user" there is often an access token (`https://ghp_x@github.com/...`). For other schemes (`ssh://`)
 * the user name is needed to connect and stays; only a password is removed. scp-style
 * `git@host:path` has no password syntax and is returned unchanged.
 */
export function redactRemoteUrl(url: string): string {
  const match = url.match(/^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)(.*)$/s);
  if (!match) return url;
  const [, scheme = '', authority = '', rest = ''] = match;
  const at = authority.lastIndexOf('@');
  if (at < 0) return url;
  const userinfo = authority.slice(0, at);
  const host = authority.slice(at + 1);
  if (/^(https?|ftps?)$/i.test(scheme)) return `${scheme}://${host}${rest}`;
  const user = userinfo.split(':')[0] ?? '';
  return `${scheme}://${user === '' ? '' : `${user}@`}${host}${rest}`;
}
