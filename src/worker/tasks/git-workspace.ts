import { existsSync } from 'node:fs';
import path from 'node:path';
import { PiaError } from '../../common/errors.js';
import { checkRef, checkRepoUrl } from '../../common/repo-url.js';
import { git, quiet, tryRevParse, type GitOptions } from './git-command.js';

export type { GitOptions } from './git-command.js';

/** Progress reported while a repository is brought up to date. */
export type GitStep = { step: 'cloning' | 'fetching'; message: string };

/** Where a task's branch starts: a commit, and the branch it came from when the ref is one. */
export interface StartPoint {
  sha: string;
  /** The remote branch the commit is the tip of (the ref, or the default branch); absent for a tag or a commit. */
  branch?: string;
}

/** One clone or fetch per repository at a time; callers that arrive while one runs share the next. */
interface Flight {
  running?: Promise<string>;
  queued?: Promise<string>;
}
const flights = new Map<string, Flight>();

function launch(key: string, flight: Flight, work: () => Promise<string>): Promise<string> {
  const p: Promise<string> = work().finally(() => {
    if (flight.running !== p) return;
    flight.running = undefined;
    if (!flight.queued) flights.delete(key);
  });
  flight.running = p;
  return p;
}

/**
 * Runs `work` for `key` unless a run that started after the caller asked can serve it: while one runs, every new
 * caller shares the single run queued behind it (started after all of them asked, so it sees what they expect).
 * Twenty tasks on one repository thus make at most two fetches, never twenty fighting over its locks.
 */
function coalesce(key: string, work: () => Promise<string>): Promise<string> {
  let flight = flights.get(key);
  if (!flight) flights.set(key, (flight = {}));
  const running = flight.running;
  if (!running) return launch(key, flight, work);
  const f = flight;
  f.queued ??= running
    .catch(() => undefined)
    .then(() => {
      f.queued = undefined;
      return launch(key, f, work);
    });
  return f.queued;
}

/**
 * Clones the repository into `dir` (without checking anything out: tasks work in worktrees of it), or fetches when
 * it is already there. Concurrent calls for one folder share the clone or fetch (see {@link coalesce}), which is not
 * tied to one task's cancel signal; each caller then checks that the folder holds its URL's repository. Every call
 * is an argv array with `--` before user values, after the URL was checked.
 */
export async function syncRepository(dir: string, url: string, opts: GitOptions, onStep: (s: GitStep) => void): Promise<void> {
  checkRepoUrl(url, { allowFile: opts.allowFile });
  const cloned = existsSync(path.join(dir, '.git'));
  onStep({ step: cloned ? 'fetching' : 'cloning', message: `${cloned ? 'fetching' : 'cloning'} ${url}` });
  const shared: GitOptions = { ...opts, signal: undefined };
  // The flight says which repository the folder holds; a caller that joined another's flight checks it is its own.
  const holds = await coalesce(dir, async () => {
    if (existsSync(path.join(dir, '.git'))) {
      const remote = await git(['remote', 'get-url', 'origin'], quiet(opts), dir).catch(() => '');
      if (remote !== url) return remote;
      await git(['fetch', '--prune', '--tags', '--quiet', 'origin'], shared, dir);
      return remote;
    }
    if (existsSync(dir)) throw new PiaError('workspace_conflict', `${dir} exists and is not a git repository; move it away first.`);
    await git(['clone', '--no-checkout', '--quiet', '--', url, dir], shared);
    return url;
  });
  if (holds !== url) {
    throw new PiaError('workspace_conflict', `${dir} already holds a clone of ${holds || 'another repository'}, not ${url}; move it away or deploy into another workspace.`);
  }
}

/**
 * The commit a deploy's task starts from: `ref` as a remote branch, a tag or a commit (checked first), or the
 * remote's default branch when absent.
 */
export async function resolveStart(dir: string, url: string, ref: string | undefined, opts: GitOptions): Promise<StartPoint> {
  if (ref === undefined) {
    // One git call for both: where origin/HEAD points, and the commit there.
    const head = await git(['for-each-ref', '--format=%(symref)%00%(objectname)', 'refs/remotes/origin/HEAD'], quiet(opts), dir).catch(() => '');
    const [symref = '', sha = ''] = head.split('\0');
    const branch = symref.replace(/^refs\/remotes\/origin\//, '');
    if (!branch || branch === symref || !/^[0-9a-f]{40,64}$/.test(sha)) throw new PiaError('ref_unknown', 'The repository has no default branch to start from; name one with --ref.');
    return { sha, branch };
  }
  checkRef(ref);
  const onBranch = await tryRevParse(dir, `refs/remotes/origin/${ref}`, opts);
  if (onBranch) return { sha: onBranch, branch: ref };
  const sha = (await tryRevParse(dir, `refs/tags/${ref}`, opts)) ?? (await tryRevParse(dir, ref, opts));
  if (!sha) throw new PiaError('ref_unknown', `No branch, tag or commit "${ref}" in ${url}.`);
  return { sha };
}
