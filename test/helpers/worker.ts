import path from 'node:path';
import { silentLogger } from '../../src/common/logger.js';
import { projectRoot } from '../../src/common/version.js';
import { loadWorkerConfig } from '../../src/worker/config.js';
import { createWorker, type Worker } from '../../src/worker/worker.js';
import { tempDir } from './tmp.js';

/** The fake agent script (test/fixtures/fake-agent.mjs). */
export const FAKE_AGENT = path.join(projectRoot, 'test', 'fixtures', 'fake-agent.mjs');

/** The fake agent speaking Claude Code's control protocol, as the built-in `claude` agent runs the real CLI. */
const controlArgs = ['-p', '--input-format', 'stream-json', '--output-format', 'stream-json', '--verbose', '--permission-prompt-tool', 'stdio', '--permission-mode={mode}'];

/**
 * Worker variables that make the fake agent its default agent: `fake` prints plain text; `claude` speaks Claude
 * Code's control protocol (prompt on stdin, permission prompts answered over it); `claude-argv` is Claude's
 * stream-json with the prompt in argv (an agent with no way to ask).
 */
export function fakeAgentEnv(): Record<string, string> {
  return {
    PIA_AGENTS: JSON.stringify({
      fake: { command: [process.execPath, FAKE_AGENT, '--', '{prompt}'], format: 'text' },
      claude: {
        command: [process.execPath, FAKE_AGENT, ...controlArgs],
        resume: [process.execPath, FAKE_AGENT, ...controlArgs, '--resume={session}'],
        format: 'claude-control',
      },
      'claude-argv': {
        command: [process.execPath, FAKE_AGENT, '--stream-json', '--', '{prompt}'],
        resume: [process.execPath, FAKE_AGENT, '--stream-json', '--resume={session}', '--', '{prompt}'],
        format: 'claude-stream-json',
      },
    }),
    PIA_AGENT: 'fake',
  };
}

/** A real worker daemon in this process, with its own state dir and workspace, linking over loopback. */
export function testWorker(opts: { hub: string; join?: string; name?: string; stateDir?: string; env?: Record<string, string> }): Worker & { stateDir: string; workspace: string } {
  const stateDir = opts.stateDir ?? tempDir('pia-worker-').dir;
  const workspace = path.join(stateDir, 'work');
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? stateDir, PIA_REPO_ROOTS: stateDir, PIA_AGENT_NAMES: 'pia-no-such-agent', PIA_WORKSPACE: workspace, ...opts.env };
  const config = loadWorkerConfig({ hub: opts.hub, join: opts.join, name: opts.name, stateDir }, env);
  const worker = createWorker({ config, log: silentLogger(), env });
  return Object.assign(worker, { stateDir, workspace });
}
