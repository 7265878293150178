import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The compiled stand-in agent (dist/bench/approvals/asking-agent.js). */
export const ASKING_AGENT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'asking-agent.js');

/** The flags PIA's built-in Claude Code agent passes; the stand-in ignores them, as it reads its prompt from stdin. */
export const controlFlags = ['-p', '--input-format', 'stream-json', '--output-format', 'stream-json', '--verbose', '--permission-prompt-tool', 'stdio'];

/**
 * Puts a stand-in at the priority PIA gives agents (PIA_AGENT_NICE, 19, and its scheduling group on Linux), so the
 * baseline's agents compete for the CPU as the workers' do.
 */
export function lowerLikeAnAgent(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    os.setPriority(pid, 19);
    if (process.platform === 'linux') writeFileSync(`/proc/${pid}/autogroup`, '19');
  } catch {
    // gone already, or no autogroups: it runs at normal priority
  }
}
