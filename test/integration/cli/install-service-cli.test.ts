import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../../src/common/version.js';
import { pia } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/tmp.js';

// `pia worker install-service` typed as the README gives it, with --dry-run: what it would write and run, nothing done.
const tmp = tempDir('pia-install-cli-');
const home = path.join(tmp.dir, 'home');
const elsewhere = path.join(tmp.dir, 'cwd');
mkdirSync(home);
mkdirSync(elsewhere);
afterAll(() => tmp.cleanup());

function run(args: string[], env: Record<string, string> = {}) {
  return pia(['worker', 'install-service', ...args], { HOME: home, PATH: process.env.PATH ?? '', ...env }, elsewhere);
}

describe.runIf(process.platform === 'linux')('pia worker install-service, as typed', () => {
  it('--hub <url> reaches install-service (not the worker command) and --dry-run only prints', async () => {
    const res = await run(['--hub', 'ws://127.0.0.1:1/link', '--dry-run']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const unit = path.join(home, '.config/systemd/user/pia-worker.service');
    expect(res.stdout).toContain(`Would write ${unit}:\n`);
    expect(res.stdout).toContain(
      `ExecStart="${process.execPath}" "${path.join(projectRoot, 'bin', 'pia.js')}" "worker" "--hub" "ws://127.0.0.1:1/link" "--state-dir" "${path.join(home, '.local/state/pia-worker')}"\n`,
    );
    expect(res.stdout).toContain('Would run: systemctl --user daemon-reload\nWould run: systemctl --user stop pia-worker\nWould run: systemctl --user enable --now pia-worker\n');
    expect(readdirSync(home)).toEqual([]);
  });

  it('a bad hub URL is a one-line error', async () => {
    const res = await run(['--hub', 'http://nope', '--dry-run']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^pia: PIA_HUB must be a ws or wss URL/);
  });
});

describe.runIf(process.platform === 'linux')('pia worker install-service --user, and on the hub\'s own host', () => {
  const hubHost = path.join(tmp.dir, 'hub-host');
  const unit = '/etc/systemd/system/pia-worker.service';
  const me = () => (process.getuid?.() === 0 ? 'root' : process.env.USER ?? '');
  const inHub = (args: string[], env: Record<string, string> = {}) =>
    pia(['worker', 'install-service', '--hub', 'ws://127.0.0.1:1/link', '--dry-run', ...args], { HOME: home, PATH: process.env.PATH ?? '', ...env }, hubHost);

  it('--user writes a system unit run as that user, with that user\'s state dir', async () => {
    const res = await run(['--hub', 'ws://127.0.0.1:1/link', '--user', 'nobody', '--dry-run']);
    expect(res.stderr).toBe('');
    expect(res.stdout).toContain(`Would write ${unit}:\n`);
    expect(res.stdout).toContain('\nUser=nobody\n');
    expect(res.stdout).toContain('"--state-dir" "/nonexistent/.local/state/pia-worker"\n');
    expect(res.stdout).toContain('WantedBy=multi-user.target\n');
    expect(res.stdout).toContain('Would run: systemctl daemon-reload\nWould run: systemctl stop pia-worker\nWould run: systemctl enable --now pia-worker\n');
    const unknown = await run(['--hub', 'ws://127.0.0.1:1/link', '--user', 'no-such-user-pia', '--dry-run']);
    expect(unknown).toMatchObject({ code: 1, stderr: 'pia: There is no user "no-such-user-pia" on this machine; create one for the worker first (e.g. sudo useradd --create-home no-such-user-pia), then install again\n' });
  });

  it('refuses to run the worker as the hub\'s user where a hub keeps its data (./data or PIA_DATA_DIR), unless told', async () => {
    mkdirSync(path.join(hubHost, 'data'), { recursive: true });
    writeFileSync(path.join(hubHost, 'data', 'pia.db'), '');
    const refusal =
      `pia: This host has a PIA hub (its data in ${path.join(hubHost, 'data')}, owned by ${me()}), and this worker would run as ${me()} too: ` +
      "its agents could read the hub's admin token, database and SSH key. Install it for another user with --user <name> (as root), or add --same-user to accept that.\n";
    expect(await inHub([])).toMatchObject({ code: 1, stdout: '', stderr: refusal });
    expect(await inHub(['--user', me()])).toMatchObject({ code: 1, stderr: refusal });
    const same = await inHub(['--same-user']);
    expect(same).toMatchObject({ code: 0, stderr: '' });
    expect(same.stdout).toContain(`Would write ${path.join(home, '.config/systemd/user/pia-worker.service')}:\n`);
    expect(await inHub(['--user', 'nobody'])).toMatchObject({ code: 0, stderr: '' });
    expect((await inHub(['--user', 'nobody', '--same-user'])).stderr).toMatch(/^pia: --same-user and --user contradict each other/);

    // The same hub found through PIA_DATA_DIR, from anywhere.
    const viaEnv = await run(['--hub', 'ws://127.0.0.1:1/link', '--dry-run'], { PIA_DATA_DIR: path.join(hubHost, 'data') });
    expect(viaEnv).toMatchObject({ code: 1, stderr: refusal });
  }, 90_000);
});
