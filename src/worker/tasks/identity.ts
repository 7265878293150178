import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TaskSpec } from '../../protocol/tasks.js';

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
 * `.gitignore`, which would be a change to the repository).
 */
export function writeIdentity(workspace: string, spec: TaskSpec, hostname: string): void {
  mkdirSync(workspace, { recursive: true });
  writeFileSync(path.join(workspace, IDENTITY_FILE), identityText(spec, hostname));
  const gitDir = path.join(workspace, '.git');
  if (!existsSync(gitDir) || !statSync(gitDir).isDirectory()) return;
  const exclude = path.join(gitDir, 'info', 'exclude');
  mkdirSync(path.dirname(exclude), { recursive: true });
  const current = existsSync(exclude) ? readFileSync(exclude, 'utf8') : '';
  if (!current.split('\n').includes(IDENTITY_FILE)) {
    appendFileSync(exclude, `${current && !current.endsWith('\n') ? '\n' : ''}${IDENTITY_FILE}\n`);
  }
}
