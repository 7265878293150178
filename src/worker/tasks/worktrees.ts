import path from 'node:path';
import type { Logger } from '../../common/logger.js';
import type { TaskSpec } from '../../protocol/tasks.js';
import type { WorktreeResult } from '../../protocol/worktree.js';
import type { GitOptions } from './git-command.js';
import type { StartPoint } from './git-workspace.js';
import { excludeFromGit } from './identity.js';
import { createWorktree, headStart, isCheckout, reuseWorktree, type TaskWorktree } from './task-worktree.js';
import { pruneWorktrees, type PruneReport } from './worktree-prune.js';
import { readMeta, worktreePath, WORKTREES_DIR, writeMeta } from './worktree-meta.js';
import { pushBranch } from './worktree-push.js';
import { worktreeResult } from './worktree-result.js';

/** A task's worktree while the task holds it. */
export interface HeldWorktree extends TaskWorktree {
  release(): void;
}

/** The worktrees of one worker's tasks: where they go, opening (one task at a time in each), results, pruning. */
export interface Worktrees {
  /** The folder the task will work in when it gets a worktree (a deploy, or a run in a checkout); else undefined. */
  plannedPath(spec: TaskSpec, base: string): string | undefined;
  /**
   * The task's worktree, made from `start()` (new) or reused (a follow-up, `spec.worktreeOf`). Waits while another
   * task of this worker works in the same worktree. Hold it until `release()`.
   */
  open(spec: TaskSpec, repo: string, start: (() => Promise<StartPoint>) | undefined, opts: GitOptions): Promise<HeldWorktree>;
  /** The branch at the task's end (PIA commits what was left uncommitted), pushed when the task asked and succeeded. */
  conclude(wt: TaskWorktree, spec: TaskSpec, state: string, summary: string | undefined, opts: GitOptions): Promise<WorktreeResult>;
  /** Removes the clean worktrees of tasks that ended over `keepMs` ago; keeps (and reports) dirty ones. */
  prune(now?: number): Promise<PruneReport>;
}

/** Creates the worktrees of a worker whose workspace root is `root`. */
export function createWorktrees(deps: { root: string; keepMs: number; env: NodeJS.ProcessEnv; allowFile: boolean; log: Logger; hostname: string }): Worktrees {
  const { root } = deps;
  /** The tail of each worktree's queue of tasks: a follow-up waits for the task before it in the same worktree. */
  const tails = new Map<string, Promise<void>>();

  async function hold(owner: string): Promise<() => void> {
    const before = tails.get(owner) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = before.then(() => mine);
    tails.set(owner, tail);
    await before;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      release();
      if (tails.get(owner) === tail) tails.delete(owner);
    };
  }

  /**
   * Keeps PIA's files out of the repository's status: the identity file, and the worktrees folder when it is inside.
   * Checked for every task (an exclude file may have been replaced since), synchronously, so tasks never interleave.
   */
  function exclude(repo: string, warn: (text: string) => void): void {
    excludeFromGit(repo, warn);
    if (path.resolve(repo) === path.resolve(root)) excludeFromGit(repo, warn, `/${WORKTREES_DIR}/`);
  }

  return {
    plannedPath(spec, base) {
      if (spec.kind === 'shell') return undefined;
      if (spec.kind === 'deploy' || spec.worktreeOf !== undefined || isCheckout(base)) return worktreePath(root, spec.worktreeOf ?? spec.id);
      return undefined;
    },

    async open(spec, repo, start, opts) {
      const owner = spec.worktreeOf ?? spec.id;
      const release = await hold(owner);
      try {
        exclude(repo, (text) => opts.onOutput(`pia: ${text}\n`));
        const wt = spec.worktreeOf
          ? await reuseWorktree({ root, repo, owner, opts })
          : await createWorktree({ root, repo, taskId: spec.id, start: await (start ?? (() => headStart(repo, opts)))(), opts });
        return { ...wt, release };
      } catch (err) {
        release();
        throw err;
      }
    },

    async conclude(wt, spec, state, summary, opts) {
      const result = await worktreeResult(wt, { id: spec.id, state, ...(spec.prompt ? { prompt: spec.prompt } : {}) }, opts);
      const meta = readMeta(root, wt.owner);
      if (meta) writeMeta(root, { ...meta, finishedAt: Date.now() });
      if (!spec.push) return result;
      if (state !== 'succeeded') return { ...result, push: { ok: false, error: `the task ${state.replace('_', ' ')}; the branch ${wt.branch} is kept on this machine in ${wt.path}.` } };
      if (result.error) return { ...result, push: { ok: false, error: result.error } };
      const title = (spec.prompt ?? `PIA task ${spec.id}`).replace(/\s+/g, ' ').trim().slice(0, 120);
      const body = [`Made by PIA task ${spec.id} on ${spec.machine} (${deps.hostname}), asked by ${spec.requester}.`, summary ? `\n${summary.slice(0, 4000)}` : ''].join('\n');
      return { ...result, push: await pushBranch(wt, { title, body }, opts, deps.env) };
    },

    prune(now = Date.now()) {
      return pruneWorktrees({ root, keepMs: deps.keepMs, now, busy: (owner) => tails.has(owner), allowFile: deps.allowFile, log: deps.log });
    },
  };
}
