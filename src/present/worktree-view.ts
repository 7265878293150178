import type { WorktreeResult } from '../protocol/worktree.js';

const COMMITS_SHOWN = 5;
const STAT_LINES_SHOWN = 12;

/** Backticks inside a code span would end it early. */
const span = (text: string) => `\`${text.replace(/`/g, "'")}\``;

/**
 * A task's branch as its result shows it: the branch and its base, the commits (PIA's own for work left uncommitted
 * said so), the diffstat, and what `--push` did: the remote and the pull request, or why not. Lines of PIA's markup.
 */
export function worktreeLines(w: WorktreeResult): string[] {
  const from = `${w.baseRef ? `${w.baseRef} at ` : ''}${w.base.slice(0, 8)}`;
  const count = w.commitCount === 0 ? 'no changes' : `${w.commitCount} commit${w.commitCount === 1 ? '' : 's'}${w.committedForAgent ? ' (PIA committed what the agent left uncommitted)' : ''}`;
  const lines = [`🌿 Branch ${span(w.branch)} from ${from}: ${count}`];
  for (const c of w.commits.slice(0, COMMITS_SHOWN)) lines.push(`   ${span(c.sha)} ${c.subject.slice(0, 120)}`);
  if (w.commitCount > COMMITS_SHOWN) lines.push(`   … and ${w.commitCount - COMMITS_SHOWN} more`);
  const stat = w.diffstat.split('\n').filter((l) => l.trim() !== '');
  // The summary line ("3 files changed, ...") is the last: always shown, even when files are left out.
  const files = stat.slice(0, -1);
  const shown = files.length > STAT_LINES_SHOWN ? [...files.slice(0, STAT_LINES_SHOWN), `… and ${files.length - STAT_LINES_SHOWN} more files`] : files;
  for (const l of [...shown, ...stat.slice(-1)]) lines.push(`   ${span(l.trim())}`);
  if (w.error) lines.push(`⚠️ The branch could not be summed up: ${w.error}`);
  if (w.push?.ok) {
    lines.push(`⬆️ Pushed to ${w.push.remote ?? 'origin'}${w.push.pullRequest ? `. Pull request: ${w.push.pullRequest}` : ''}`);
    if (w.push.note) lines.push(`   ${w.push.note}`);
  } else if (w.push) {
    lines.push(`⚠️ Not pushed: ${w.push.error ?? 'unknown reason'}`);
  } else {
    lines.push(`   In ${w.path} on the machine.`);
  }
  return lines;
}
