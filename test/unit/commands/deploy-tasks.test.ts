import { describe, expect, it } from 'vitest';
import { CommandSchema } from '../../../src/commands/command-schema.js';
import { parseCommand } from '../../../src/commands/parse.js';

const ok = (text: string) => {
  const p = parseCommand(text);
  if (!p.ok) throw new Error(`expected a command from ${JSON.stringify(text)}, got: ${p.error}`);
  return p.command;
};
const err = (text: string) => {
  const p = parseCommand(text);
  if (p.ok) throw new Error(`expected an error from ${JSON.stringify(text)}`);
  return p.error;
};
const url = 'https://github.com/acme/app';
const m = (name: string) => ({ kind: 'name', name });

describe('deploy with a task per machine', () => {
  it('reads machine:"task" words, quoted or as the next word, with options before or after', () => {
    expect(ok(`deploy ${url} m2:"fix the tests" m3:"update the docs"`)).toEqual({
      name: 'deploy',
      repo: url,
      machines: [m('m2'), m('m3')],
      prompt: '',
      tasks: [
        { machine: m('m2'), prompt: 'fix the tests' },
        { machine: m('m3'), prompt: 'update the docs' },
      ],
    });
    expect(ok(`deploy ${url} --ref main m2: "fix it" tag:gpu:"train: the small model"`)).toMatchObject({
      ref: 'main',
      tasks: [
        { machine: m('m2'), prompt: 'fix it' },
        { machine: { kind: 'tag', tag: 'gpu' }, prompt: 'train: the small model' },
      ],
    });
    expect(ok(`deploy ${url} m2:go --agent codex`)).toMatchObject({ agent: 'codex', tasks: [{ machine: m('m2'), prompt: 'go' }] });
  });

  it('keeps the one-prompt forms as they were', () => {
    expect(ok(`deploy ${url} m2,m3 fix: the tests`)).toEqual({ name: 'deploy', repo: url, machines: [m('m2'), m('m3')], prompt: 'fix: the tests' });
    expect(ok(`deploy ${url} tag:gpu "train"`)).toEqual({ name: 'deploy', repo: url, machines: [{ kind: 'tag', tag: 'gpu' }], prompt: 'train' });
    expect(ok(`deploy ${url} --ref v2 m2 go`)).toMatchObject({ ref: 'v2', machines: [m('m2')], prompt: 'go' });
  });

  it('says what is wrong with a per-machine task', () => {
    expect(err(`deploy ${url} m2:`)).toBe('Missing the task for m2: write m2:"what to do".');
    expect(err(`deploy ${url} m2:fix the tests`)).toBe('Unexpected "the": quote each machine\'s task, e.g. m2:"fix the tests".');
    expect(err(`deploy ${url} M_2!:go`)).toBe('"M_2!:go" is not a machine name, "all", tag:<tag> or any[<labels>].');
  });
});

describe('dashboard', () => {
  it('reads --as and --role, and refuses a role that is none', () => {
    expect(ok('dashboard')).toEqual({ name: 'dashboard' });
    expect(ok('dashboard --as slack:U123 --role Viewer')).toEqual({ name: 'dashboard', as: 'slack:U123', role: 'viewer' });
    expect(err('dashboard --role boss')).toBe('"boss" is not a role; use viewer, operator or admin.');
    expect(err('dashboard now')).toBe('Unexpected "now".');
  });
});

describe('commands as JSON', () => {
  it('accepts what the parser makes, and refuses what it would not', () => {
    for (const text of [`deploy ${url} m2:"a" m3:"b"`, 'wake tag:gpu', 'continue k3x9q2mfab more', 'dashboard --as email:a@b.example --role viewer',
      `deploy ${url} m2:"a" m3:"b" --agent claude --mode plan`, 'run m2 --mode edits fix it', 'approvals', 'approve 4kq2mf task', 'deny 4kq2mf too risky', 'answer 4kq2mf 2']) {
      expect(CommandSchema.parse(ok(text))).toEqual(ok(text));
    }
    expect(CommandSchema.safeParse({ name: 'wake', machine: { kind: 'name', name: '<img src=x>' } }).success).toBe(false);
    expect(CommandSchema.safeParse({ name: 'cancel', taskId: '../etc' }).success).toBe(false);
    expect(CommandSchema.safeParse({ name: 'run', machine: m('m2'), prompt: 'x', mode: 'yolo' }).success).toBe(false);
    expect(CommandSchema.safeParse({ name: 'approve', id: '4kq2mf', scope: 'forever' }).success).toBe(false);
    expect(CommandSchema.safeParse({ name: 'wake', machine: m('m2'), extra: 1 }).success).toBe(false);
  });
});
