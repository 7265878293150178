import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pia, spawnPia } from '../../helpers/cli.js';
import { silentPorts } from '../../helpers/silent-port.js';
import { tempDir } from '../../helpers/tmp.js';
import { until } from '../../helpers/wait.js';

const tmp = tempDir('pia-cli-power-');
const dataDir = path.join(tmp.dir, 'data');
let hub: ReturnType<typeof spawnPia>;
let url = '';
let silent: Awaited<ReturnType<typeof silentPorts>>;
const env = () => ({ PIA_URL: url, PIA_DATA_DIR: dataDir });

beforeAll(async () => {
  silent = await silentPorts(1);
  hub = spawnPia(['start'], {
    PIA_DATA_DIR: dataDir,
    PIA_PORT: '0',
    PIA_LOG_FORMAT: 'json',
    PIA_REPO_ROOTS: tmp.dir,
    PIA_WOL_TARGETS: '127.0.0.1:9',
    PIA_WAKE_POLL_S: '0.1',
    PIA_WAKE_TIMEOUT_S: '0.5',
    PIA_PROBE_TIMEOUT_MS: '200',
    PIA_POWER_RESTART_CMD: JSON.stringify([process.execPath, '-e', 'console.log("restarting")']),
  });
  url = (await until(() => /PIA hub is running at (http:\/\/127\.0\.0\.1:\d+)/.exec(hub.output()), 15_000))[1]!;
  await until(async () => (await pia(['status', '--json'], env())).stdout.includes('"status": "online"'), 10_000);
  await pia(['machines', 'add', 'm2', '--mac', '02:00:5e:10:00:02', '--ip', '127.0.0.1'], env());
});

afterAll(async () => {
  hub.kill('SIGKILL');
  await silent.close();
  tmp.cleanup();
});

describe('power commands', () => {
  it('pia machines set takes the power capabilities and shows them', async () => {
    const out = await pia(['machines', 'set', 'm2', '--wol-target', '127.0.0.1:9', '--probe-port', String(silent.ports[0]), '--auto-wake', 'on', '--start-command', '["pia","worker"]', '--json'], env());
    expect(out.stderr).toBe('');
    expect(JSON.parse(out.stdout).machine.capabilities).toMatchObject({ wolTargets: ['127.0.0.1:9'], probePorts: [silent.ports[0]], autoWake: true, startCommand: ['pia', 'worker'] });
    const bad = await pia(['machines', 'set', 'm2', '--wol-target', '127.0.0.1:99999'], env());
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^pia: capabilities\.wolTargets\.0: /);
  });

  it('pia wake prints each step live and exits 1 when the machine does not wake', async () => {
    const out = await pia(['wake', 'm2'], env());
    expect(out.code).toBe(1);
    const lines = out.stdout.trim().split('\n');
    expect(lines[0]).toBe('[  0%] start: Waking m2 (asked by admin-token)');
    // m2 never linked, so its network is unknown and no peer can relay.
    expect(lines[1]).toBe('[ 20%] wake: Sent 3 magic packets from the hub to 127.0.0.1:9; its network is unknown; sent from the hub only');
    expect(lines.at(-1)).toMatch(/^\[ 20%\] done: Wake of m2 failed: m2 did not answer within 0.5 s/);
  });

  it('pia wake of an online machine says so and exits 0; pia power shows the evidence', async () => {
    const out = await pia(['wake', 'local'], env());
    expect(out).toMatchObject({ code: 0, stdout: '[  0%] start: Waking local (asked by admin-token)\n[100%] done: local is already online.\n' });
    const power = await pia(['power', 'm2'], env());
    expect(power.stdout).toBe(`m2: off (no answer on TCP ${silent.ports[0]} within 200 ms (127.0.0.1))\n`);
  });

  it('pia restart asks for confirmation, and with --yes runs the command on the worker', async () => {
    const noTty = await pia(['restart', 'local'], env());
    expect(noTty).toMatchObject({ code: 1, stderr: 'pia: Restart local? Add --yes to confirm (no terminal to ask on).\n' });
    const yes = await pia(['restart', 'local', '--yes'], env());
    expect(yes.stdout).toBe(`local: restart: ${process.execPath} -e console.log("restarting") (restarting)\n`);
  });

  it('pia doctor local warns that the embedded worker runs as the hub\'s own user', async () => {
    const doc = await pia(['doctor', 'local'], env());
    expect(doc.stdout).toMatch(/^! local's worker runs as .+, the hub's own user on this host: its agents can read the hub's admin token, database and SSH key/m);
  });

  it('pia doctor lists findings and exits 1 on an error; trust pins a given fingerprint', async () => {
    await pia(['machines', 'add', 'bare'], env());
    const doc = await pia(['doctor', 'bare'], env());
    expect(doc.code).toBe(1);
    expect(doc.stdout).toContain('✗ No MAC address known (its worker has not reported one on its default route): a magic packet cannot be built. Set it with pia machines set bare --mac <mac>.\n');
    const fp = `SHA256:${'C'.repeat(43)}`;
    const trust = await pia(['machines', 'trust', 'bare', '--fingerprint', fp], env());
    expect(trust.stdout).toBe(`Pinned ${fp} for bare.\n`);
    const after = await pia(['doctor', 'bare'], env());
    expect(after.stdout).toContain(`✓ SSH host key pinned: ${fp}.\n`);
  });
});
