import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exited, pia, spawnPia } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/tmp.js';
import { freePort } from '../../helpers/ports.js';
import { until } from '../../helpers/wait.js';

const tmp = tempDir('pia-cli-');
const dataDir = path.join(tmp.dir, 'data');
let hub: ReturnType<typeof spawnPia>;
let url = '';
const env = () => ({ PIA_URL: url, PIA_DATA_DIR: dataDir, PIA_LOG_FORMAT: 'json', PIA_REPO_ROOTS: tmp.dir });

async function machines(): Promise<Array<{ name: string; status: string }>> {
  const out = await pia(['machines', 'list', '--json'], env());
  return JSON.parse(out.stdout).machines;
}

beforeAll(async () => {
  hub = spawnPia(['start'], { PIA_DATA_DIR: dataDir, PIA_PORT: '0', PIA_LOG_FORMAT: 'json', PIA_REPO_ROOTS: tmp.dir });
  const match = await until(() => /PIA hub is running at (http:\/\/127\.0\.0\.1:\d+)/.exec(hub.output()), 15_000);
  url = match[1]!;
});

afterAll(async () => {
  if (hub.exitCode === null) hub.kill('SIGKILL');
  tmp.cleanup();
});

describe('the pia command', () => {
  it('first start prints the admin token once and the next step, and keeps it in the data dir (0600)', () => {
    expect(hub.output()).toMatch(/Admin token \(shown once; kept in .*admin-token\):\n {2}pia_a_[\w-]{43}\n/);
    expect(hub.output()).toContain('npx pia status');
    expect(existsSync(path.join(dataDir, 'admin-token'))).toBe(true);
  });

  it('prints the dashboard with a one-time link; pia dashboard prints more, for someone else with --as', async () => {
    const printed = /Dashboard: (http:\/\/127\.0\.0\.1:\d+)\/\n {2}one-time sign-in link \(15 min\): (\S+)\n/.exec(hub.output());
    expect(printed?.[1]).toBe(url);
    expect(await (await fetch(printed![2]!)).text()).toContain('This one-time link signs this browser in.');
    const mine = await pia(['dashboard'], env());
    expect(mine.stdout).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/login\/pia_l_[\w-]{43}\nOne use, until .+; signs in admin-token \(admin\)\.\n$/);
    await pia(['users', 'add', 'slack:U123', 'operator'], env());
    const theirs = JSON.parse((await pia(['dashboard', '--as', 'slack:U123', '--role', 'viewer', '--json'], env())).stdout);
    expect(theirs).toMatchObject({ identity: 'slack:U123', role: 'viewer', url: expect.stringMatching(/\/login\/pia_l_/) });
    const nobody = await pia(['dashboard', '--as', 'slack:UNONE'], env());
    expect(nobody).toMatchObject({ code: 1, stderr: 'pia: slack:UNONE has no role in this PIA; give one first: pia users add slack:UNONE viewer\n' });
  });

  it('the embedded worker "local" links by itself over the same WebSocket', async () => {
    await until(async () => (await machines()).some((m) => m.name === 'local' && m.status === 'online'), 10_000);
    const status = await pia(['status'], env());
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/: ok \(PIA \d+\.\d+\.\d+\); 1 of 1 machine\(s\) online/);
    expect(status.stdout).toMatch(/^local\s+online\s+online\s+/m);
  });

  it('enrols a second machine with a join token and a worker process; later starts need only --hub', async () => {
    const add = await pia(['machines', 'add', 'm2', '--mac', 'AA-BB-CC-DD-EE-01', '--alias', 'soda', '--json'], env());
    expect(add.code).toBe(0);
    const { joinToken } = JSON.parse(add.stdout);
    expect(joinToken).toMatch(/^pia_j_/);

    const stateDir = path.join(tmp.dir, 'm2-state');
    const linkUrl = url.replace('http:', 'ws:') + '/link';
    const worker = spawnPia(['worker', '--hub', linkUrl, '--join', joinToken, '--name', 'm2', '--state-dir', stateDir], env());
    await until(async () => (await machines()).some((m) => m.name === 'm2' && m.status === 'online'), 10_000);
    worker.kill('SIGTERM');
    expect(await exited(worker)).toBe(0);

    const again = spawnPia(['worker', '--hub', linkUrl, '--state-dir', stateDir], env());
    await until(async () => (await machines()).some((m) => m.name === 'm2' && m.status === 'online'), 10_000);

    const show = await pia(['machines', 'show', 'soda'], env());
    expect(show.stdout).toMatch(/^m2 \(aliases: soda\)\n {2}status: {7}online/);
    expect(show.stdout).toContain('mac:          aa:bb:cc:dd:ee:01');

    const set = await pia(['machines', 'set', 'm2', '--ip', '127.0.0.5', '--tag', 'gpu', '--tag', 'big', '--unset', 'mac', '--json'], env());
    expect(JSON.parse(set.stdout).machine.capabilities).toEqual({ ip: '127.0.0.5', tags: ['gpu', 'big'] });

    const rm = await pia(['machines', 'rm', 'm2'], env());
    expect(rm.stdout).toBe('Removed m2 (2 credential(s) revoked).\n');
    // The removed worker stops with the hub's reason instead of retrying for ever.
    expect(await exited(again)).toBe(1);
    expect(again.output()).toContain('pia: The hub refused this worker: machine removed from the fleet');
  });

  it('errors are one line that says what to do', async () => {
    const unknown = await pia(['machines', 'show', 'm3'], env());
    expect(unknown.code).toBe(1);
    // m2 was removed above, so the only suggestion left is the list of known machines.
    expect(unknown.stderr).toBe('pia: No machine named "m3". Known: local.\n');

    const badPort = await pia(['hub'], { PIA_PORT: 'abc', PIA_DATA_DIR: dataDir });
    expect(badPort).toMatchObject({ code: 1, stderr: "pia: PIA_PORT must be a port number (0-65535), got 'abc'\n" });

    const closedPort = await freePort();
    const noHub = await pia(['status'], { PIA_URL: `http://127.0.0.1:${closedPort}`, PIA_ADMIN_TOKEN: 'x'.repeat(20) });
    expect(noHub.code).toBe(1);
    expect(noHub.stderr).toBe(`pia: Cannot reach the hub at http://127.0.0.1:${closedPort} (ECONNREFUSED). Is it running? Start it with \`npm start\`, or set PIA_URL.\n`);

    const badToken = await pia(['machines', 'list'], { PIA_URL: url, PIA_ADMIN_TOKEN: 'wrong-token-wrong-token' });
    expect(badToken.stderr).toMatch(/^pia: Missing or wrong admin token/);

    const badFlag = await pia(['machines', 'add', 'm9', '--mac', 'nope'], env());
    expect(badFlag.stderr).toBe('pia: capabilities.mac: "nope" is not a MAC address; use aa:bb:cc:dd:ee:ff, AA-BB-CC-DD-EE-FF, aabb.ccdd.eeff or 12 hex digits\n');
  });

  it('stops on SIGTERM, and a restart keeps the token and the local worker’s enrolment', async () => {
    hub.kill('SIGTERM');
    expect(await exited(hub)).toBe(0);
    const port = new URL(url).port;
    hub = spawnPia(['start'], { PIA_DATA_DIR: dataDir, PIA_PORT: port, PIA_LOG_FORMAT: 'json', PIA_REPO_ROOTS: tmp.dir });
    await until(async () => (await pia(['status', '--json'], env())).code === 0 && (await machines()).some((m) => m.name === 'local' && m.status === 'online'), 15_000);
    expect(hub.output()).not.toContain('Admin token');
    const audit = await pia(['audit', '--json'], env());
    const enrolments = JSON.parse(audit.stdout).entries.filter((e: { action: string; target: string }) => e.action === 'machine.enroll' && e.target === 'local');
    expect(enrolments).toHaveLength(1);
  });
});
