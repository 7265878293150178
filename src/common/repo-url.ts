import { PiaError } from './errors.js';

/** Which git URLs a deploy may name. `file:` is for tests and local mirrors only, and must be asked for. */
export interface RepoUrlPolicy {
  allowFile?: boolean;
}

const scpLike = /^([A-Za-z0-9._-]+@)?([A-Za-z0-9.-]+):(?!\/\/)([A-Za-z0-9._~/+-][A-Za-z0-9._~/+@-]*)$/;

/**
 * Checks a repository URL before it goes anywhere near git. Accepted: `https://host/path`, `ssh://[user@]host[:port]/path`
 * and scp-like `user@host:path`. Refused with a reason: option-like values (`--upload-pack=...`), transport helpers
 * (`ext::`), `file:` (unless the policy allows it), plain `http://`, credentials in the URL, whitespace and control
 * characters. Returns the URL unchanged.
 */
export function checkRepoUrl(input: string, policy: RepoUrlPolicy = {}): string {
  const url = input.trim();
  const refuse = (why: string): never => {
    throw new PiaError('repo_url_refused', `Refused repository URL "${url.slice(0, 200)}": ${why}`);
  };
  if (url.length === 0) refuse('it is empty');
  if (url.length > 2048) refuse('it is longer than 2048 characters');
  if (url.startsWith('-')) refuse('it looks like a command-line option');
  // eslint-disable-next-line no-control-regex
  if (/[\s\x00-\x1f\x7f]/.test(url)) refuse('it contains whitespace or control characters');
  if (/^[A-Za-z0-9+.-]+::/.test(url)) refuse('git transport helpers (like ext::) run arbitrary commands');
  if (/^file:/i.test(url) || url.startsWith('/') || url.startsWith('.')) {
    if (!policy.allowFile) refuse('local paths and file: URLs are not allowed; use an https:// or ssh URL');
    if (!/^file:\/\/\//.test(url)) refuse('a local repository must be a file:/// URL');
    return url;
  }
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url)?.[1]?.toLowerCase();
  if (scheme !== undefined) {
    if (scheme === 'http') refuse('plain http:// is not allowed; use https://');
    if (scheme !== 'https' && scheme !== 'ssh') refuse(`the ${scheme}:// scheme is not allowed; use https:// or ssh`);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return refuse('it is not a valid URL');
    }
    if (!parsed.hostname || parsed.hostname.startsWith('-')) refuse('it has no valid host');
    if (parsed.password) refuse('it contains a password; use a git credential helper or an SSH key instead');
    if (scheme === 'https' && parsed.username) refuse('it contains credentials; use a git credential helper instead');
    if (parsed.pathname.length <= 1) refuse('it names no repository');
    return url;
  }
  const m = scpLike.exec(url);
  if (!m) refuse('use https://host/owner/repo, ssh://host/path or user@host:path');
  if (m![2]!.startsWith('-')) refuse('the host looks like an option');
  return url;
}

/**
 * Checks a git ref (branch, tag or commit). Refs starting with `-` would be read as options; the rest follows
 * `git check-ref-format` closely enough that anything accepted is a plain name.
 */
export function checkRef(input: string): string {
  const ref = input.trim();
  const refuse = (why: string): never => {
    throw new PiaError('ref_refused', `Refused git ref "${ref.slice(0, 100)}": ${why}`);
  };
  if (ref.length === 0 || ref.length > 255) refuse('it must be 1-255 characters');
  if (ref.startsWith('-')) refuse('it starts with "-" and would be read as an option');
  // eslint-disable-next-line no-control-regex
  if (/[\s\x00-\x1f\x7f~^:?*[\\]/.test(ref)) refuse('it contains a character git does not allow in refs');
  if (ref.includes('..') || ref.includes('@{') || ref.endsWith('.') || ref.endsWith('/') || ref.endsWith('.lock') || ref.startsWith('/') || ref.includes('//')) {
    refuse('it is not a valid ref name');
  }
  return ref;
}

/** The folder name a repository is cloned into: its last path segment without `.git`, made safe. */
export function repoFolderName(url: string): string {
  const last = url.replace(/[/:]+$/, '').split(/[/:]/).pop() ?? 'repo';
  const name = last.replace(/\.git$/i, '').replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[.-]+/, '');
  return name.slice(0, 100) || 'repo';
}
