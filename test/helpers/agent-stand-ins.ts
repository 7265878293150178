import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../src/common/version.js';
import { tempDir } from './tmp.js';

/** The stand-in CLI script (test/fixtures/agents/stand-in.mjs). */
export const STAND_IN = path.join(projectRoot, 'test', 'fixtures', 'agents', 'stand-in.mjs');

/** The program each stand-in is installed as: the real CLIs' names. */
export const standInPrograms: Record<string, string> = { codex: 'codex', gemini: 'gemini', opencode: 'opencode', cursor: 'cursor-agent', aider: 'aider' };

/**
 * A folder of stand-ins named like the real agent CLIs (codex, gemini, opencode, cursor-agent, aider), to put first
 * on a worker's PATH so its built-in adapters run them as they would the real ones. `only` limits which.
 */
export function agentStandIns(only: string[] = Object.keys(standInPrograms)): { dir: string; cleanup(): void } {
  const bin = tempDir('pia-agent-stand-ins-');
  for (const agent of only) {
    const file = path.join(bin.dir, standInPrograms[agent]!);
    writeFileSync(file, `#!/bin/sh\nexec '${process.execPath}' '${STAND_IN}' ${agent} "$@"\n`);
    chmodSync(file, 0o755);
  }
  return bin;
}
