import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { PiaError } from '../../common/errors.js';

const run = promisify(execFile);

/** Settings for the git calls of one task. */
export interface GitOptions {
  allowFile: boolean;
  /** Streams git's own progress into the task's output. */
  onOutput(text: string): void;
  signal?: AbortSignal;
  /** Variables over the worker's own (a commit's author, say). */
  env?: Record<string, string>;
  /** Milliseconds before git is stopped (default 30 min: a big clone). */
  timeoutMs?: number;
}

/** Transport protections on every git call: never a transport helper; local files only when allowed; no repo hooks. */
function gitConfig(allowFile: boolean): string[] {
  return ['-c', 'protocol.ext.allow=never', '-c', `protocol.file.allow=${allowFile ? 'always' : 'never'}`, '-c', 'core.hooksPath=/dev/null'];
}

/** Git never waits for a person: no terminal prompt, no askpass; ssh in batch mode. The machine's credential helpers and keys still work. */
const gitEnv = (extra: Record<string, string> | undefined): NodeJS.ProcessEnv => ({
  ...process.env,
  GIT_TERMINAL_PROMPT: '0',
  GIT_ASKPASS: '',
  SSH_ASKPASS: '',
  GIT_SSH_COMMAND: process.env.GIT_SSH_COMMAND ?? 'ssh -o BatchMode=yes',
  ...extra,
});

/**
 * Runs git with an argv array (never a shell) in `cwd` and returns its stdout, trimmed. Its stderr goes to
 * `onOutput`. A failure is `git_failed` with git's last lines; no git at all is `git_missing`.
 */
export async function git(args: string[], opts: GitOptions, cwd?: string): Promise<string> {
  try {
    const { stdout, stderr } = await run('git', [...gitConfig(opts.allowFile), ...args], {
      cwd,
      env: gitEnv(opts.env),
      maxBuffer: 16 * 1024 * 1024,
      signal: opts.signal,
      timeout: opts.timeoutMs ?? 30 * 60_000,
    });
    if (stderr.trim()) opts.onOutput(stderr);
    return stdout.trim();
  } catch (err) {
    const e = err as { stderr?: string; code?: string | number; message: string };
    if (e.code === 'ENOENT') throw new PiaError('git_missing', 'git is not installed on this machine; install it (e.g. apt-get install git) to deploy.');
    if (e.stderr) opts.onOutput(e.stderr);
    throw new PiaError('git_failed', `git ${subcommand(args)} failed: ${reason(e.stderr ?? e.message)}`);
  }
}

/** The subcommand of an argv (after `-c name=value` pairs). */
function subcommand(args: string[]): string {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '-c') i++;
    else if (!args[i]!.startsWith('-')) return args[i]!;
  }
  return '';
}

/** Git's own words for a failure: its fatal/error lines when it printed some, else its last lines. */
function reason(stderr: string): string {
  const lines = stderr.trim().split('\n').map((l) => l.trim()).filter(Boolean);
  const errors = lines.filter((l) => /^(fatal|error|remote|! \[)/i.test(l));
  return (errors.length ? errors.slice(0, 3) : lines.slice(-3)).join(' ').slice(0, 500);
}

/** The same options with git's stderr dropped (for questions whose failure is an answer). */
export const quiet = (opts: GitOptions): GitOptions => ({ ...opts, onOutput: () => undefined });

/** The commit `name` names, or undefined. */
export async function tryRevParse(dir: string, name: string, opts: GitOptions): Promise<string | undefined> {
  try {
    return (await git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${name}^{commit}`], quiet(opts), dir)) || undefined;
  } catch {
    return undefined;
  }
}
