import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { replaceFile } from './safe-files.js';

/** The folder under the workspace root that holds the tasks' worktrees (`<root>/.pia-worktrees/<task-id>`). */
export const WORKTREES_DIR = '.pia-worktrees';

/** What PIA keeps beside a worktree: whose it is, where its repository is, its base, and when it was last used. */
export const WorktreeMeta = z.object({
  owner: z.string().regex(/^[a-z0-9]{8,32}$/),
  repo: z.string(),
  branch: z.string(),
  base: z.string(),
  baseRef: z.string().optional(),
  createdAt: z.number(),
  /** The last task in it ended then (absent while one runs, or when the worker stopped in the middle of one). */
  finishedAt: z.number().optional(),
  /** Its folder was removed by the pruning (the branch is kept). */
  prunedAt: z.number().optional(),
  /** The pruning found it dirty and kept it, and said so in the log then. */
  keptDirtyAt: z.number().optional(),
});
export type WorktreeMeta = z.infer<typeof WorktreeMeta>;

/** Where the worktree of task `owner` lives. */
export function worktreePath(root: string, owner: string): string {
  return path.join(root, WORKTREES_DIR, owner);
}

const metaFile = (root: string, owner: string) => path.join(root, WORKTREES_DIR, `${owner}.json`);

/** The meta of task `owner`'s worktree, or undefined when there is none (or it cannot be read). */
export function readMeta(root: string, owner: string): WorktreeMeta | undefined {
  try {
    const parsed = WorktreeMeta.safeParse(JSON.parse(readFileSync(metaFile(root, owner), 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Writes the meta (a fresh file renamed into place: never half written, never through a link). */
export function writeMeta(root: string, meta: WorktreeMeta): void {
  mkdirSync(path.join(root, WORKTREES_DIR), { recursive: true });
  replaceFile(metaFile(root, meta.owner), `${JSON.stringify(meta, null, 2)}\n`, (file) => `${file} is not a regular file; remove it`);
}

/** Every worktree meta under `root`. */
export function allMeta(root: string): WorktreeMeta[] {
  let names: string[];
  try {
    names = readdirSync(path.join(root, WORKTREES_DIR));
  } catch {
    return [];
  }
  return names.filter((n) => /^[a-z0-9]{8,32}\.json$/.test(n)).flatMap((n) => readMeta(root, n.slice(0, -5)) ?? []);
}
