import { describe, expect, it } from 'vitest';
import { inertText } from '../../../src/common/inert-text.js';
import { answersFor } from '../../../src/hub/approvals/answers.js';
import { summarizeToolUse } from '../../../src/worker/tasks/approval-summary.js';

describe('what a person is shown of a tool use', () => {
  it('makes text inert: controls as pictures, invisible characters named, one line when asked, cut on a code point', () => {
    expect(inertText('a\x1b[2Jb\rc\x00\x7f\u009b', 100)).toBe('a␛[2Jb␍c␀␡<U+009B>');
    expect(inertText('rm -rf /\u202Etxt.exe\u200b', 100)).toBe('rm -rf /<U+202E>txt.exe<U+200B>');
    expect(inertText('one\ntwo\tthree', 100, { oneLine: true })).toBe('one⏎two⇥three');
    expect(inertText('keep\nlines', 100)).toBe('keep\nlines');
    expect(inertText('🚀'.repeat(10), 5)).toBe('🚀🚀🚀🚀… (6 more characters)');
    const huge = inertText('x'.repeat(1024 * 1024), 300);
    expect(huge).toBe(`${'x'.repeat(299)}… (${1024 * 1024 - 299} more characters)`);
  });

  it('says what each tool would do: the command, the file and a diff, the URL, the questions, the plan', () => {
    expect(summarizeToolUse('Bash', { command: 'npm test\nnpm run lint', description: 'Run the tests' })).toEqual({ kind: 'tool', summary: 'npm test⏎npm run lint', detail: '(Run the tests)' });
    expect(summarizeToolUse('Edit', { file_path: '/w/src/x.ts', old_string: 'a = 1', new_string: 'a = 2' }, 'a hook asked')).toEqual({
      kind: 'tool',
      summary: '/w/src/x.ts',
      detail: '- a = 1\n+ a = 2\nWhy it asks: a hook asked',
    });
    const written = summarizeToolUse('Write', { file_path: 'big.txt', content: Array.from({ length: 20 }, (_, i) => `l${i}`).join('\n') });
    expect(written.detail!.split('\n')).toHaveLength(13);
    expect(written.detail).toMatch(/^\+ l0\n[^]*\n {2}… 8 more lines$/);
    expect(summarizeToolUse('WebFetch', { url: 'https://example.com/a', prompt: 'read it' })).toEqual({ kind: 'tool', summary: 'https://example.com/a', detail: 'read it' });
    expect(summarizeToolUse('mcp__db__query', { sql: 'DROP TABLE x' })).toEqual({ kind: 'tool', summary: '{"sql":"DROP TABLE x"}' });
    const asked = summarizeToolUse('AskUserQuestion', { questions: [{ question: 'Which?', header: 'Pick', options: [{ label: 'A', description: 'first' }, { label: 'B' }], multiSelect: true }] });
    expect(asked).toEqual({ kind: 'question', summary: 'Which?', questions: [{ question: 'Which?', header: 'Pick', options: [{ label: 'A', description: 'first' }, { label: 'B' }], multiSelect: true }] });
    expect(summarizeToolUse('ExitPlanMode', { plan: '# Split the module\n1. move x' })).toEqual({ kind: 'plan', summary: 'Split the module', detail: '# Split the module\n1. move x' });
    expect(summarizeToolUse('ExitPlanMode', {})).toEqual({ kind: 'plan', summary: 'its plan' });
  });

  it('survives input that is not what the tool documents', () => {
    expect(summarizeToolUse('Bash', { command: 42 })).toEqual({ kind: 'tool', summary: '' });
    expect(summarizeToolUse('AskUserQuestion', { questions: 'no' })).toEqual({ kind: 'question', summary: 'a question', questions: [] });
    expect(summarizeToolUse('AskUserQuestion', { questions: [{ options: [null] }] }).questions).toEqual([{ question: '', options: [{ label: '' }], multiSelect: false }]);
  });
});

describe('answers to an agent\'s questions', () => {
  const single = [{ question: 'Which database?', options: [{ label: 'SQLite' }, { label: 'Postgres' }], multiSelect: false }];
  const multi = [...single, { question: 'Extras?', options: [{ label: 'Backups' }, { label: 'Metrics' }], multiSelect: true }];

  it('reads a number, several, a label, or free words, keyed by question text', () => {
    expect(answersFor(single, '2', 'c0de42')).toEqual({ 'Which database?': 'Postgres' });
    expect(answersFor(single, 'sqlite', 'c0de42')).toEqual({ 'Which database?': 'SQLite' });
    expect(answersFor(single, 'use MySQL instead', 'c0de42')).toEqual({ 'Which database?': 'use MySQL instead' });
    expect(answersFor(multi, '1 "1,2"', 'c0de42')).toEqual({ 'Which database?': 'SQLite', 'Extras?': 'Backups, Metrics' });
  });

  it('refuses what cannot be an answer, saying how to answer', () => {
    expect(() => answersFor(single, '3', 'c0de42')).toThrow('There is no choice 3 for "Which database?"; pick 1 to 2.');
    expect(() => answersFor(single, '1,2', 'c0de42')).toThrow('"Which database?" takes one choice; answer c0de42 with one number.');
    expect(() => answersFor(multi, '1', 'c0de42')).toThrow('The agent asks 2 questions: answer each, in order, e.g. answer c0de42 1 1');
    expect(() => answersFor([], '1', 'c0de42')).toThrow('Approval c0de42 asks no question; approve or deny it.');
  });
});
