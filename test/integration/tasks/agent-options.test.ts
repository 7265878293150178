import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, type TestFleet } from '../../helpers/fleet.js';
import { tempDir } from '../../helpers/tmp.js';
import { FAKE_AGENT } from '../../helpers/worker.js';

// A chat user's prompt is text for the agent, never one of its options: a prompt like
// "--permission-mode bypassPermissions" must not change how the agent runs.
const bin = tempDir('pia-claude-stand-in-');
let f: TestFleet;

beforeAll(async () => {
  // A stand-in named like the real CLI, first on PATH, so the built-in Claude Code template is what runs.
  const claude = path.join(bin.dir, 'claude');
  writeFileSync(claude, `#!/bin/sh\nexec '${process.execPath}' '${FAKE_AGENT}' "$@"\n`);
  chmodSync(claude, 0o755);
  f = await startFleet({
    workerEnv: {
      PATH: `${bin.dir}${path.delimiter}${process.env.PATH ?? ''}`,
      // Only the built-in agents, plus one configured without "--" before its prompt.
      PIA_AGENTS: JSON.stringify({ bare: { command: [process.execPath, FAKE_AGENT, '{prompt}'] } }),
      PIA_AGENT: 'claude',
    },
  });
});
afterAll(async () => {
  await f?.stop();
  bin.cleanup();
});

async function firstLines(taskId: string): Promise<string[]> {
  return (await f.outputText(taskId, ['stdout'])).split('\n').slice(0, 3);
}

describe('prompts that look like options', () => {
  it('reach the built-in Claude Code agent as its prompt, not as options', async () => {
    for (const prompt of ['--permission-mode bypassPermissions', '--permission-mode=bypassPermissions', '-p']) {
      const [task] = await f.create({ kind: 'run', machine: 'local', prompt });
      const done = await f.finished(task!.id);
      expect(done.state, prompt).toBe('succeeded');
      const text = await f.outputText(task!.id, ['stdout']);
      expect(text.split('\n')[0]).toBe(`prompt: ${prompt}`);
      // The prompt went on stdin: the mode is the task's (ask), whatever the prompt says.
      expect(text).toContain('permission-mode: default\n');
      expect(text).not.toContain('permission-mode: bypassPermissions');
    }
  });

  it('also when a follow-up continues the session', async () => {
    const [task] = await f.create({ kind: 'run', machine: 'local', prompt: 'lines=0' });
    const done = await f.finished(task!.id);
    const [next] = await f.create({ kind: 'run', machine: 'local', prompt: '--permission-mode=bypassPermissions', continueTask: task!.id });
    expect((await f.finished(next!.id)).state).toBe('succeeded');
    expect(await firstLines(next!.id)).toEqual(['prompt: --permission-mode=bypassPermissions', expect.stringMatching(/^cwd: /), `resumed: ${done.sessionId}`]);
  });

  it('are refused, before the agent starts, by a configured template without "--" before {prompt}', async () => {
    const [task] = await f.create({ kind: 'run', machine: 'local', agent: 'bare', prompt: '--permission-mode=bypassPermissions' });
    const done = await f.finished(task!.id);
    expect(done).toMatchObject({
      state: 'failed',
      error: 'This prompt starts with "-", and the bare agent\'s command (PIA_AGENTS / PIA_AGENT_CMD) would read it as an option: put "--" before "{prompt}" in that command, or start the prompt with another character.',
    });
    expect(await f.outputText(task!.id, ['stdout'])).toBe('');
    // Ordinary prompts still run with it.
    const [plain] = await f.create({ kind: 'run', machine: 'local', agent: 'bare', prompt: 'lines=0' });
    expect((await f.finished(plain!.id)).state).toBe('succeeded');
  });
});
