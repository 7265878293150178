import { checkRef, checkRepoUrl } from '../../common/repo-url.js';
import { fencedLines, joinTidy, splitLines } from './text-lines.js';

/** A repository found in a mail body, and the body without the lines that named it. */
export interface DeployLines {
  repo: string;
  ref?: string;
  /** A machine's own task from a `m2: fix the tests` line, by machine name (only machines the caller named). */
  tasks?: Record<string, string>;
  rest: string;
}

/** "m2: fix the tests": a machine name, a colon, its task. */
const TASK_LINE = /^\s*([a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?)\s*:\s*(\S.*?)\s*$/i;

/** "repo: <url>" (or "repository:"), the URL one word, optionally in angle brackets. */
const REPO_LINE = /^\s*repo(?:sitory)?\s*:\s*<?([^\s<>]+)>?\s*$/i;

/** "ref: <ref>" (or "branch:"), one word. */
const REF_LINE = /^\s*(?:ref|branch)\s*:\s*([^\s<>]+)\s*$/i;

/** A line that is nothing but a URL-like word, optionally in angle brackets (as some clients write links). */
const BARE_LINE = /^\s*<?([^\s<>]+)>?\s*$/;

/** Forges where `https://host/owner/repo` is a repository, not some other page. */
const FORGES = new Set(['github.com', 'gitlab.com', 'bitbucket.org', 'codeberg.org', 'gitea.com']);

/**
 * Whether a word standing alone on a line is meant as a git URL: `ssh://...`, `git@host:path`, an https URL ending
 * in `.git`, or `https://<forge>/owner/repo` on a well-known forge. A bare link to any other https page (a blog post,
 * an issue) is not read as a repository; `repo: <url>` names one anywhere.
 */
function looksLikeGitUrl(word: string): boolean {
  if (/^ssh:\/\//i.test(word) || /^git@[^\s:/]+:\S+$/i.test(word)) return true;
  const https = /^https:\/\/([^/\s]+)(\/\S*)$/i.exec(word);
  if (!https) return false;
  const host = https[1]!.toLowerCase();
  const path = https[2]!.replace(/\/+$/, '');
  if (/\.git$/i.test(path)) return true;
  return FORGES.has(host) && /^\/[^/]+\/[^/]+$/.test(path);
}

function validUrl(url: string): boolean {
  try {
    checkRepoUrl(url, { allowFile: false });
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds the repository a mail asks to deploy: the first `repo: <url>` line, else the first line that is only a git
 * URL, with a `ref: <ref>` line anywhere applying to it. Every URL and ref is checked with `checkRepoUrl` and
 * `checkRef`; one they refuse (`--upload-pack=...`, `ext::`, `file:`, ...) is no repository, and its line stays in
 * the text. A refused ref means no deploy at all rather than a deploy of some other ref. Lines inside code fences
 * are code, not requests. Returns null when no repository is named.
 *
 * With `machines` (the machines the mail is for), a line `<machine>: <task>` for one of them gives that machine its own
 * task, one line each; such lines are taken out of the text the others share.
 */
export function findDeployLines(body: string, machines: readonly string[] = []): DeployLines | null {
  const lines = splitLines(body);
  const fenced = fencedLines(lines);
  const open = (i: number): boolean => !fenced[i];
  let at = lines.findIndex((l, i) => open(i) && validUrl(REPO_LINE.exec(l)?.[1] ?? ''));
  let repo = at >= 0 ? REPO_LINE.exec(lines[at]!)![1]! : undefined;
  if (repo === undefined) {
    at = lines.findIndex((l, i) => {
      const word = BARE_LINE.exec(l)?.[1];
      return open(i) && word !== undefined && looksLikeGitUrl(word) && validUrl(word);
    });
    repo = at >= 0 ? BARE_LINE.exec(lines[at]!)![1]! : undefined;
  }
  if (repo === undefined) return null;
  const refAt = lines.findIndex((l, i) => open(i) && REF_LINE.test(l));
  let ref: string | undefined;
  if (refAt >= 0) {
    try {
      ref = checkRef(REF_LINE.exec(lines[refAt]!)![1]!);
    } catch {
      return null;
    }
  }
  const names = new Set(machines.map((m) => m.toLowerCase()));
  const tasks: Record<string, string> = {};
  const taskAt = new Set<number>();
  lines.forEach((l, i) => {
    const m = open(i) && i !== at && i !== refAt ? TASK_LINE.exec(l) : null;
    const name = m?.[1]!.toLowerCase();
    if (!m || !name || !names.has(name) || Object.hasOwn(tasks, name)) return;
    tasks[name] = m[2]!;
    taskAt.add(i);
  });
  const keep = (_: unknown, i: number): boolean => i !== at && i !== refAt && !taskAt.has(i);
  return { repo, ...(ref !== undefined ? { ref } : {}), ...(taskAt.size ? { tasks } : {}), rest: joinTidy(lines.filter(keep), fenced.filter(keep)) };
}
