import { mkdirSync, readdirSync } from 'node:fs';
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
