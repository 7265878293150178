import { statSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hashToken } from '../../../src/common/secrets.js';
import { linkUrl, loadWorkerConfig } from '../../../src/worker/config.js';
import { readWorkerState, writeWorkerState } from '../../../src/worker/state.js';
import { chooseAuth } from '../../../src/worker/worker.js';
import { tempDir } from '../../helpers/tmp.js';

const dirs: Array<{ cleanup: () => void }> = [];
afterEach(() => dirs.splice(0).forEach((d) => d.cleanup()));

describe('worker state', () => {
  it('is written 0600 in a private dir and read back', () => {
    const tmp = tempDir();
    dirs.push(tmp);
    const dir = path.join(tmp.dir, 'state');
    const state = { hub: 'ws://h/link', machine: 'm2', secret: 'pia_s_x', enrolledAt: '2026-01-01T00:00:00.000Z' };
    writeWorkerState(dir, state);
    expect(statSync(path.join(dir, 'credentials.json')).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(readWorkerState(dir)).toEqual(state);
  });

  it('a damaged file is an error that says what to do, not a silent re-join', () => {
    const tmp = tempDir();
    dirs.push(tmp);
    mkdirSync(tmp.dir, { recursive: true });
    writeFileSync(path.join(tmp.dir, 'credentials.json'), '{"secret":');
    expect(() => readWorkerState(tmp.dir)).toThrow(/damaged; remove it and enroll again with --join <token>/);
    expect(readWorkerState(path.join(tmp.dir, 'none'))).toBeUndefined();
  });

  it('chooses the stored secret unless a new join token is given', () => {
    const state = { hub: 'h', machine: 'm2', secret: 'pia_s_x', joinTokenHash: hashToken('old'), enrolledAt: 'x' };
    const base = { name: undefined, stateDir: '/s' };
    expect(chooseAuth({ ...base, joinToken: undefined }, state)).toEqual({ kind: 'secret', secret: 'pia_s_x' });
    expect(chooseAuth({ ...base, joinToken: 'old' }, state)).toEqual({ kind: 'secret', secret: 'pia_s_x' });
    expect(chooseAuth({ ...base, joinToken: 'new', name: 'm2' }, state)).toEqual({ kind: 'join', token: 'new', name: 'm2' });
    expect(() => chooseAuth({ ...base, joinToken: undefined }, undefined)).toThrow(/not enrolled/);
  });
});

describe('worker config', () => {
  it('adds the link path to a bare hub URL and names bad values', () => {
    expect(linkUrl('ws://hub:3000')).toBe('ws://hub:3000/link');
    expect(linkUrl('wss://hub/custom')).toBe('wss://hub/custom');
    expect(() => loadWorkerConfig({ hub: 'http://hub:3000' }, {})).toThrow("PIA_HUB must be a ws or wss URL, got 'http://hub:3000'");
    expect(() => loadWorkerConfig({}, {})).toThrow(/--hub \(or PIA_HUB\) must be the hub link URL/);
    const c = loadWorkerConfig({ hub: 'ws://h:1' }, { PIA_REPO_ROOTS: '/a, /b', HOME: '/home/x' });
    expect(c.repoRoots).toEqual(['/a', '/b']);
  });
});
