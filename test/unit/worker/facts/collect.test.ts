import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Facts } from '../../../../src/protocol/facts.js';
import { collectFacts } from '../../../../src/worker/facts/collect.js';
import { listIPv4Interfaces, readDefaultGateway } from '../../../../src/worker/facts/network.js';

const run = promisify(execFile);

describe('collectFacts', () => {
  let root = '';
  let bin = '';
  const agentNames = Array.from({ length: 70 }, (_, i) => `agent-${String(i).padStart(2, '0')}`);

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'pia-collect-'));
    const repo = path.join(root, 'code', 'site');
    await mkdir(repo, { recursive: true });
    // Real git, isolated from the user's and system's config.
    const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
    await run('git', ['init', '-q', '-b', 'trunk'], { cwd: repo, env });
    await run('git', ['remote', 'add', 'origin', 'https://me:pw@example.com/site.git'], { cwd: repo, env });
    // More agents than the schema's limit of 64, to prove the list is cut rather than rejected.
    bin = path.join(root, 'bin');
    await mkdir(bin);
    for (const name of agentNames) {
      await writeFile(path.join(bin, name), '#!/bin/sh\n');
      await chmod(path.join(bin, name), 0o755);
    }
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('reports this machine and passes the Facts schema', async () => {
    const facts = await collectFacts({
      repoRoots: [path.join(root, 'code'), path.join(root, 'missing')],
      agentNames,
      workerVersion: '1.2.3',
      pathEnv: bin,
    });
    expect(Facts.parse(facts)).toEqual(facts);
    expect(facts.hostname).toBe(os.hostname());
    expect(facts.os).toEqual({ platform: os.platform(), release: os.release(), version: os.version() });
    expect(facts.arch).toBe(os.arch());
    expect(facts.cpus).toBe(os.cpus().length);
    expect(facts.cpuModel).toBe(os.cpus()[0]?.model.trim() || undefined);
    expect(facts.memoryBytes).toBe(os.totalmem());
    expect(facts.interfaces).toEqual(listIPv4Interfaces());
    expect(facts.gateway).toBe(await readDefaultGateway());
    expect(facts.repos).toEqual([
      { name: 'site', path: path.join(root, 'code', 'site'), remote: 'https://example.com/site.git', branch: 'trunk' },
    ]);
    expect(facts.agents).toHaveLength(64);
    expect(facts.agents[0]).toEqual({ name: 'agent-00', path: path.join(bin, 'agent-00') });
    expect(facts.agents[63]).toEqual({ name: 'agent-63', path: path.join(bin, 'agent-63') });
    expect(facts.workerVersion).toBe('1.2.3');
  });

  it('shortens an over-long worker version instead of failing', async () => {
    const facts = await collectFacts({ repoRoots: [], agentNames: [], workerVersion: 'v'.repeat(100), pathEnv: '' });
    expect(facts.workerVersion).toBe('v'.repeat(64));
    expect(facts.repos).toEqual([]);
    expect(facts.agents).toEqual([]);
  });
});
