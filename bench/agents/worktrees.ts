/**
 * `npm run bench:agents:worktrees`: 20 tasks on one repository on one worker at once, each getting its own worktree
 * and branch the way the worker's task runner does it (fetch, shared by all, resolve the ref, `git worktree add`):
 * time from a task's start to its ready worktree, p50/p99 (target p99 <= 500 ms for a 10,000-file repository).
 * Baseline: the same number of full `git clone --local` copies at once. Prints one JSON line and a table on stdout.
 * Flags: --files N (10000), --tasks N (20).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { silentLogger } from '../../src/common/logger.js';
import type { TaskSpec } from '../../src/protocol/tasks.js';
import { resolveStart, syncRepository } from '../../src/worker/tasks/git-workspace.js';
import { createWorktrees } from '../../src/worker/tasks/worktrees.js';
import { machineInfo } from '../fleet/report.js';
import { median, percentile, round } from '../fleet/stats.js';
import { loadAverage } from '../stream/report.js';
import { makeBigRepo, runGit } from './worktree-repo.js';

/** What the benchmark is asked to do. */
export interface WorktreeBenchOptions {
  files?: number;
  tasks?: number;
  /** Folder for the repositories (default: a fresh one under the system's temp folder, removed at the end). */
  dir?: string;
}

const TARGET_P99_MS = 500;
const git = { allowFile: true, onOutput: () => undefined };

/** Like Promise.all, but waits for every one to settle before it rejects: no git left running behind a failure. */
async function allOrFirstError<T>(work: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(work);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
}

const spread = (v: number[]) => ({ n: v.length, p50Ms: round(median(v), 0), p99Ms: round(percentile(v, 99), 0), maxMs: round(Math.max(...v), 0) });

/** `tasks` task preparations at once, as the worker's runner does them: the time of each to its ready worktree. */
async function worktreePhase(root: string, url: string, tasks: number, phase: string): Promise<number[]> {
  const trees = createWorktrees({ root, keepMs: 3_600_000, env: process.env, allowFile: true, log: silentLogger(), hostname: os.hostname() });
  const repo = path.join(root, 'app');
  return allOrFirstError(
    Array.from({ length: tasks }, async (_, i) => {
      const id = `${phase}${String(i).padStart(4, '0')}`.slice(0, 32);
      const spec: TaskSpec = { id, kind: 'deploy', machine: 'bench', prompt: 'bench', repo: { url }, workspace: 'app', requester: 'bench', origin: { kind: 'cli' }, timeoutS: 600, hub: 'ws://127.0.0.1:1/link' };
      const t0 = performance.now();
      await syncRepository(repo, url, git, () => undefined);
      const wt = await trees.open(spec, repo, () => resolveStart(repo, url, undefined, git), git);
      const took = performance.now() - t0;
      wt.release();
      return took;
    }),
  );
}

/** `tasks` full `git clone --local` copies at once: the time of each. */
async function clonePhase(dir: string, bare: string, tasks: number, phase: string): Promise<number[]> {
  return allOrFirstError(
    Array.from({ length: tasks }, async (_, i) => {
      const t0 = performance.now();
      await runGit(['clone', '--quiet', '--local', '--', bare, path.join(dir, `${phase}-${i}`)], dir);
      return performance.now() - t0;
    }),
  );
}

/** Runs the benchmark; the figures as JSON and as table rows (a header row first). */
export async function runWorktreeBench(opts: WorktreeBenchOptions = {}): Promise<{ json: object; rows: string[][] }> {
  const files = opts.files ?? 10_000;
  const tasks = opts.tasks ?? 20;
  const dir = opts.dir ?? mkdtempSync(path.join(os.tmpdir(), 'pia-bench-worktrees-'));
  try {
    const bare = path.join(dir, 'app.git');
    const t0 = performance.now();
    await makeBigRepo(bare, files);
    const madeS = (performance.now() - t0) / 1000;
    const url = pathToFileURL(bare).href;
    const root = path.join(dir, 'work');
    // The first deploy of a repository clones it; every later task fetches. Not timed: it happens once per machine.
    await syncRepository(path.join(root, 'app'), url, git, () => undefined);
    const loadBefore = loadAverage();
    const single = await worktreePhase(root, url, 1, 'single');
    const concurrent = await worktreePhase(root, url, tasks, 'task');
    const cloneSingle = await clonePhase(dir, bare, 1, 'single');
    const clones = await clonePhase(dir, bare, tasks, 'clone');
    const wt = spread(concurrent);
    const json = {
      bench: 'agents:worktrees',
      files,
      tasks,
      machine: { ...machineInfo(), loadAtStart: loadBefore, loadAtEnd: loadAverage() },
      repoMadeS: round(madeS, 1),
      worktree: { alone: spread(single), concurrent: wt },
      cloneLocal: { alone: spread(cloneSingle), concurrent: spread(clones) },
      target: { p99Ms: TARGET_P99_MS, met: wt.p99Ms <= TARGET_P99_MS },
    };
    const row = (what: string, s: ReturnType<typeof spread>) => [what, String(s.n), String(s.p50Ms), String(s.p99Ms), String(s.maxMs)];
    const rows = [
      ['', 'tasks', 'p50 ms', 'p99 ms', 'max ms'],
      row('worktree, alone', spread(single)),
      row(`worktree, ${tasks} at once`, wt),
      row('git clone --local, alone', spread(cloneSingle)),
      row(`git clone --local, ${tasks} at once`, spread(clones)),
    ];
    return { json, rows };
  } finally {
    // A cleanup that fails must not lose the figures: say so, leave the folder.
    if (!opts.dir) {
      try {
        rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
      } catch (err) {
        process.stderr.write(`could not remove ${dir}: ${(err as Error).message}\n`);
      }
    }
  }
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}

function flag(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const n = Number(args[i + 1]);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive whole number, got '${args[i + 1] ?? ''}'\nusage: npm run bench:agents:worktrees -- [--files 10000] [--tasks 20]`);
  return n;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const args = process.argv.slice(2);
    const { json, rows } = await runWorktreeBench({ files: flag(args, 'files', 10_000), tasks: flag(args, 'tasks', 20) });
    const met = (json as { target: { met: boolean } }).target.met;
    process.stdout.write(`${JSON.stringify(json)}\n\n${table(rows)}\n\ntarget p99 <= ${TARGET_P99_MS} ms: ${met ? 'pass' : 'FAIL'}\n`);
    process.exitCode = met ? 0 : 1;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exitCode = 2;
  }
}
