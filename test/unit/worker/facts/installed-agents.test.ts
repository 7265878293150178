import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_AGENT_NAMES, findAgentsOnPath } from '../../../../src/worker/facts/installed-agents.js';

describe('findAgentsOnPath', () => {
  let root = '';
  let first = '';
  let second = '';
  let third = '';

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'pia-agents-'));
    [first, second, third] = ['a', 'b', 'c'].map((d) => path.join(root, d)) as [string, string, string];
    for (const d of [first, second, third]) await mkdir(d);
    // An earlier directory holds a non-executable `claude`; the runnable one is in the second.
    await writeFile(path.join(first, 'claude'), 'not a program\n');
    await chmod(path.join(first, 'claude'), 0o644);
    await writeFile(path.join(second, 'claude'), '#!/bin/sh\necho hi\n');
    await chmod(path.join(second, 'claude'), 0o755);
    // A directory named like an agent is not an agent.
    await mkdir(path.join(first, 'codex'));
    // npm's global bin is symlinks to scripts.
    await writeFile(path.join(third, 'aider-real'), '#!/bin/sh\n');
    await chmod(path.join(third, 'aider-real'), 0o755);
    await symlink(path.join(third, 'aider-real'), path.join(third, 'aider'));
    // Windows shims, looked for by PATHEXT.
    await writeFile(path.join(third, 'gemini'), 'sh shim, not runnable on Windows');
    await writeFile(path.join(third, 'gemini.cmd'), '@echo off\r\n');
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('finds the first executable file on PATH, in name order, skipping the rest', async () => {
    const pathEnv = ['', first, path.join(root, 'missing'), second, third].join(':');
    const found = await findAgentsOnPath(['claude', 'codex', 'aider', 'nope', 'claude', '../a/claude'], pathEnv, 'linux');
    expect(found).toEqual([
      { name: 'claude', path: path.join(second, 'claude') },
      { name: 'aider', path: path.join(third, 'aider') },
    ]);
  });

  it('tries PATHEXT extensions on win32', async () => {
    // Windows PATH semantics (';', PATHEXT, no execute bit) over this host's temp dirs.
    const found = await findAgentsOnPath(['gemini', 'claude'], [first, `"${third}"`].join(';'), 'win32', '.EXE;.CMD');
    expect(found).toEqual([{ name: 'gemini', path: path.join(third, 'gemini.cmd') }]);
  });

  it('finds nothing on an empty PATH', async () => {
    expect(await findAgentsOnPath([...DEFAULT_AGENT_NAMES], '', 'linux')).toEqual([]);
  });

  it('lists the default agents', () => {
    expect(DEFAULT_AGENT_NAMES).toEqual(['claude', 'codex', 'aider', 'gemini', 'opencode', 'cursor-agent', 'goose', 'amp']);
  });
});
