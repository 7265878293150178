import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, type TestFleet } from '../../helpers/fleet.js';

let f: TestFleet;
beforeAll(async () => {
  f = await startFleet({
    workerEnv: { SLACK_BOT_TOKEN: 'xoxb-secret', DISCORD_TOKEN: 'discord-secret', PIA_ADMIN_TOKEN: 'admin-secret-admin', ANTHROPIC_API_KEY: 'agent-key' },
  });
});
afterAll(async () => {
  await f.stop();
});

describe('run tasks', () => {
  it('runs the agent with the prompt and stores every line of its output, in order', async () => {
    const [task] = await f.create({ kind: 'run', machine: 'local', prompt: 'lines=200 stderr=warned' });
    expect(task).toMatchObject({ machine: 'local', kind: 'run', state: expect.stringMatching(/queued|dispatched/), requester: 'admin-token' });
    const done = await f.finished(task!.id);
    expect(done).toMatchObject({ state: 'succeeded', exitCode: 0, error: null });
    expect(done.startedAt).not.toBeNull();
    expect(done.workspacePath).toBe(f.worker.workspace);
    const stdout = await f.outputText(task!.id, ['stdout']);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe('prompt: lines=200 stderr=warned');
    expect(lines.slice(2)).toEqual(Array.from({ length: 200 }, (_, i) => `line ${i + 1}`));
    expect(await f.outputText(task!.id, ['stderr'])).toBe('warned\n');
    // A plain-text agent says nothing about what it did: no summary is made up from its output.
    expect(done.summary).toBeNull();
  });

  it('reports progress steps as events, and a failing exit code as failed', async () => {
    const [task] = await f.create({ kind: 'run', machine: 'local', prompt: 'lines=1 exit=3' });
    const done = await f.finished(task!.id);
    expect(done).toMatchObject({ state: 'failed', exitCode: 3, error: 'exited with code 3' });
    const events = (await f.outputText(task!.id, ['event'])).trim().split('\n').map((l) => JSON.parse(l));
    expect(events.map((e) => e.step)).toEqual(['agent_started', 'finished']);
  });

  it('hostile text in a prompt reaches the agent as one plain argument, never a shell', async () => {
    const marker = path.join(f.worker.stateDir, 'pwned');
    const prompt = `; rm -rf ~ $(touch ${marker}) \`touch ${marker}\` && touch ${marker} | cat 'quote" lines=1`;
    const [task] = await f.create({ kind: 'run', machine: 'local', prompt });
    const done = await f.finished(task!.id);
    expect(done.state).toBe('succeeded');
    expect((await f.outputText(task!.id, ['stdout'])).split('\n')[0]).toBe(`prompt: ${prompt}`);
    expect(existsSync(marker)).toBe(false);
  });

  it('writes the machine identity file and strips PIA and chat secrets from the agent environment', async () => {
    const prompt = 'lines=0 env=PIA_TASK_ID env=SLACK_BOT_TOKEN env=DISCORD_TOKEN env=PIA_ADMIN_TOKEN env=PIA_JOIN_TOKEN env=ANTHROPIC_API_KEY';
    const [task] = await f.create({ kind: 'run', machine: 'local', prompt });
    const done = await f.finished(task!.id);
    const out = await f.outputText(task!.id);
    expect(out).toContain(`env PIA_TASK_ID=${task!.id}\n`);
    expect(out).toContain('env SLACK_BOT_TOKEN=<unset>\nenv DISCORD_TOKEN=<unset>\nenv PIA_ADMIN_TOKEN=<unset>\nenv PIA_JOIN_TOKEN=<unset>\n');
    expect(out).toContain('env ANTHROPIC_API_KEY=agent-key\n'); // the agent's own credentials stay
    const identity = readFileSync(path.join(f.worker.workspace, 'MACHINE_IDENTITY.local.md'), 'utf8');
    expect(identity).toContain('Machine: **local**');
    expect(identity).toContain(`Task: ${task!.id} (run)`);
    expect(identity).toContain('Asked by: admin-token, from http');
    expect(identity).toContain('Do not push');
    expect(done.state).toBe('succeeded');
  });

  it('is refused before it is queued, saying what is installed, when the agent is not there', async () => {
    const res = await f.t.api<{ error: { code: string; message: string } }>('POST', '/api/tasks', { kind: 'run', machine: 'local', prompt: 'hi', agent: 'nope' });
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({ code: 'agent_unknown', message: 'No agent named "nope" on local. Installed there: claude, fake (default), claude-argv.' });
    expect((await f.t.api<{ tasks: unknown[] }>('GET', '/api/tasks?machine=local')).body.tasks.every((t) => (t as { agent: string | null }).agent !== 'nope')).toBe(true);
  });

  it('turns Claude stream-json into progress: text, tools, session, result and cost', async () => {
    const [task] = await f.create({ kind: 'run', machine: 'local', prompt: 'lines=2', agent: 'claude' });
    const done = await f.finished(task!.id);
    expect(done).toMatchObject({ state: 'succeeded', summary: 'All done: fixed the flaky test.', costUsd: 0.0123 });
    expect(done.sessionId).toMatch(/^sess-\d+$/);
    const text = await f.outputText(task!.id, ['stdout']);
    expect(text).toContain('▸ Edit src/x.ts\n▸ Bash: npm test\n');
    expect(text).toContain('✓ All done: fixed the flaky test.');
    expect(text).not.toContain('"type"');
    const events = (await f.outputText(task!.id, ['event'])).trim().split('\n').map((l) => JSON.parse(l));
    expect(events).toContainEqual({ kind: 'tool', tool: 'Bash', detail: 'npm test' });
    expect(events).toContainEqual(expect.objectContaining({ kind: 'result', costUsd: 0.0123, turns: 3, isError: false }));

    // A follow-up continues the same session in the same workspace.
    const [next] = await f.create({ kind: 'run', machine: 'local', prompt: 'and now the docs lines=0', continueTask: task!.id });
    expect(next).toMatchObject({ parentId: task!.id, resumeSession: done.sessionId });
    const nextDone = await f.finished(next!.id);
    expect(await f.outputText(next!.id, ['stdout'])).toContain(`resumed: ${done.sessionId}`);
    expect(nextDone.sessionId).toBe(done.sessionId);
  });

  it('a follow-up of a task without a session is refused clearly', async () => {
    const [task] = await f.create({ kind: 'run', machine: 'local', prompt: 'lines=0' });
    await f.finished(task!.id);
    const res = await f.t.api<{ error: { code: string; message: string } }>('POST', '/api/tasks', { kind: 'run', machine: 'local', prompt: 'more', continueTask: task!.id });
    expect(res.status).toBe(409);
    expect(res.body.error).toEqual({ code: 'no_session', message: `Task ${task!.id} has no agent session to continue.` });
  });

  it('runs a shell task as an argv array', async () => {
    const [task] = await f.create({ kind: 'shell', machine: 'local', argv: ['node', '-e', 'console.log(process.argv.slice(1).join("|"))', 'a b', '$(id)', ';'] });
    const done = await f.finished(task!.id);
    expect(done.state).toBe('succeeded');
    expect(await f.outputText(task!.id, ['stdout'])).toBe('a b|$(id)|;\n');
  });

  it('lists and reads tasks through the API', async () => {
    const { body } = await f.t.api<{ tasks: Array<{ id: string; state: string }> }>('GET', '/api/tasks?machine=local&state=succeeded&limit=3');
    expect(body.tasks).toHaveLength(3);
    expect(body.tasks.every((t) => t.state === 'succeeded')).toBe(true);
    const bad = await f.t.api<{ error: { code: string } }>('GET', '/api/tasks?state=exploded');
    expect(bad.status).toBe(400);
    const missing = await f.t.api<{ error: { code: string; message: string } }>('GET', '/api/tasks/zzzzzzzzzz');
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toMatch(/No task "zzzzzzzzzz"/);
  });
});
