import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { TaskSpec } from '../../protocol/tasks.js';
import { entryAt, readPlainFile, replaceFile } from './safe-files.js';

/** The file an agent finds in its workspace telling it where it is and who asked. */
export const IDENTITY_FILE = 'MACHINE_IDENTITY.local.md';

/** The identity text for one task. */
export function identityText(spec: TaskSpec, hostname: string): string {
  const origin = spec.origin.ref ? `${spec.origin.kind} (${spec.origin.ref})` : spec.origin.kind;
  return `# Machine identity (written by PIA for task ${spec.id})

- Machine: **${spec.machine}** (host ${hostname})
- Role: a PIA worker. The hub at ${spec.hub} decides what runs where; this machine executes.
- Task: ${spec.id} (${spec.kind})${spec.repo ? `, repository ${spec.repo.url}${spec.repo.ref ? ` at ${spec.repo.ref}` : ''}` : ''}
- Asked by: ${spec.requester}, from ${origin}

## House rules
- Do not push, publish or open pull requests unless the task says so.
- Stay inside this workspace; do not change the machine's system configuration.
- Never print secrets (tokens, keys, passwords) in your output: it is stored and shown in chat.
- When you are done, say what you changed and what is left, in a few lines.

## Other machines
- To hand work to another machine of this fleet, run \`pia mail <machine> "<task>"\`. It goes by mail and runs there
  for the same person. Add \`--wait\` to wait for the answer here; otherwise the answer continues this session after
  you finish.
`;
}

/**
 * Writes the identity file into the workspace and keeps it out of git through `.git/info/exclude` (not
 * `.gitignore`, which would be a change to the repository). A deployed repository may have committed links by these
 * names: the identity replaces such a link rather than writing through it, and a linked `.git/info` or `exclude` is
 * left alone, with `warn` saying so. Throws when the identity's name is taken by a directory or a special file.
 */
export function writeIdentity(workspace: string, spec: TaskSpec, hostname: string, warn: (text: string) => void): void {
  mkdirSync(workspace, { recursive: true });
  replaceFile(
    path.join(workspace, IDENTITY_FILE),
    identityText(spec, hostname),
    (file) => `${file} is not a regular file (a directory or a special file has that name); PIA writes the task's identity there. Rename or remove it, then run the task again.`,
  );
  excludeFromGit(workspace, warn);
}

/**
 * Adds `entry` (the identity file unless told) to `.git/info/exclude` of a checkout (a real `.git` directory), never
 * through a link. Worktrees share their repository's exclude file: PIA excludes there for them.
 */
export function excludeFromGit(workspace: string, warn: (text: string) => void, entry = IDENTITY_FILE): void {
  const gitDir = path.join(workspace, '.git');
  if (!entryAt(gitDir)?.isDirectory()) return; // no checkout, or a worktree's .git file: nothing of ours to change
  const info = path.join(gitDir, 'info');
  const infoEntry = entryAt(info);
  const notExcluded = `so ${entry} is not excluded from git there`;
  if (!infoEntry) mkdirSync(info);
  else if (!infoEntry.isDirectory()) return warn(`${info} is not a directory; left alone, ${notExcluded}`);
  const exclude = path.join(info, 'exclude');
  const current = readPlainFile(exclude);
  if (current === undefined) return warn(`${exclude} is not a regular file; left alone, ${notExcluded}`);
  if (current.split('\n').includes(entry)) return;
  replaceFile(exclude, `${current}${current && !current.endsWith('\n') ? '\n' : ''}${entry}\n`, (file) => `${file} is not a regular file`);
}
