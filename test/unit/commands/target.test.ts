import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../../src/commands/parse.js';
import { parseTarget, splitTargets, TargetError } from '../../../src/commands/target.js';

const errorOf = (text: string) => {
  try {
    parseTarget(text);
  } catch (err) {
    if (err instanceof TargetError) return { message: err.message, at: err.at };
    throw err;
  }
  throw new Error(`expected ${text} to be refused`);
};

describe('targets', () => {
  it('reads any, label lists, comparisons, counts and a bare comparison', () => {
    expect(parseTarget('any')).toEqual({ kind: 'any', constraints: [], count: 1, text: 'any' });
    expect(parseTarget('any[gpu]').constraints).toEqual([{ key: 'gpu', op: 'has' }]);
    expect(parseTarget('any[os=linux,repo=acme/app]').constraints).toEqual([
      { key: 'os', op: '=', value: 'linux' },
      { key: 'repo', op: '=', value: 'acme/app' },
    ]);
    expect(parseTarget('any[ OS=Linux , !busy ]').constraints).toEqual([{ key: 'os', op: '=', value: 'linux' }, { key: 'busy', op: 'not' }]);
    expect(parseTarget('gpu.mem>=24')).toMatchObject({ count: 1, constraints: [{ key: 'gpu.mem', op: '>=', value: '24', number: 24 }] });
    expect(parseTarget('any[ram>=1tb,disk.free>512g]').constraints).toMatchObject([{ number: 1024 }, { op: '>', number: 512 }]);
    expect(parseTarget('any[gpu]x3')).toMatchObject({ count: 3, text: 'any[gpu]x3' });
    expect(parseTarget('anyx2')).toMatchObject({ count: 2, constraints: [] });
  });

  it('points at the character that does not fit', () => {
    expect(errorOf('any[os=~linux]')).toEqual({ at: 7, message: '"~" is not allowed in a value' });
    expect(errorOf('any[os=linux')).toEqual({ at: 12, message: 'the list is not closed: "]" is missing' });
    expect(errorOf('any[gpu.mem>=lots]')).toMatchObject({ at: 13 });
    expect(errorOf('any[]')).toMatchObject({ at: 4 });
    expect(errorOf('any[gpu]x0')).toMatchObject({ at: 9, message: 'the count must be 1 to 100' });
    expect(errorOf('any[gpu]y')).toMatchObject({ at: 8 });
    expect(errorOf('any[os=]')).toMatchObject({ at: 7, message: 'a value is missing after "="' });
  });

  it('splits machine lists only at commas outside brackets', () => {
    expect(splitTargets('m2,any[os=linux,gpu]x2,m3').map((p) => p.word)).toEqual(['m2', 'any[os=linux,gpu]x2', 'm3']);
  });

  it('is a machine selector in run, deploy and sh; the parse error shows the caret', () => {
    const run = parseCommand('run any[repo=acme/app] fix the flaky test');
    expect(run).toMatchObject({ ok: true, command: { name: 'run', machine: { kind: 'any', constraints: [{ key: 'repo', value: 'acme/app' }] }, prompt: 'fix the flaky test' } });
    // Typed with a space inside the brackets in chat: the words are joined back.
    expect(parseCommand('run any[os=linux, gpu] --agent codex go')).toMatchObject({ ok: true, command: { machine: { constraints: [{ key: 'os' }, { key: 'gpu' }] }, agent: 'codex', prompt: 'go' } });
    expect(parseCommand('deploy https://github.com/acme/app m2,any[gpu]x3 bench')).toMatchObject({
      ok: true,
      command: { machines: [{ kind: 'name', name: 'm2' }, { kind: 'any', count: 3 }], prompt: 'bench' },
    });
    expect(parseCommand('sh gpu.mem>=24 -- nvidia-smi')).toMatchObject({ ok: true, command: { machine: { kind: 'any' }, argv: ['nvidia-smi'] } });
    const bad = parseCommand('run any[os=~linux] go');
    expect(bad).toMatchObject({ ok: false, error: 'Cannot read the target at character 8: "~" is not allowed in a value.\n  any[os=~linux]\n         ^' });
  });
});
