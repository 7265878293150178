import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findGpus, parseNvidiaSmi, parseSystemProfiler, parseWindowsControllers } from '../../../../src/worker/facts/gpus.js';
import { loggedIn, parseLoginctl, parseQueryUser } from '../../../../src/worker/facts/sessions.js';
import { tempDir } from '../../../helpers/tmp.js';

describe('graphics cards', () => {
  it('reads sysfs, and asks nvidia-smi (by argv) for what NVIDIA does not put there', async () => {
    const root = tempDir().dir;
    const card = (n: number, vendor: string, vram?: number) => {
      const dev = path.join(root, 'sys/class/drm', `card${n}`, 'device');
      mkdirSync(dev, { recursive: true });
      writeFileSync(path.join(dev, 'vendor'), `${vendor}\n`);
      if (vram) writeFileSync(path.join(dev, 'mem_info_vram_total'), `${vram}\n`);
    };
    card(0, '0x1002', 16 * 1024 ** 3);
    card(1, '0x10de');
    const calls: string[][] = [];
    const gpus = await findGpus({
      platform: 'linux',
      sysRoot: root,
      exec: async (file, args) => (calls.push([file, ...args]), 'NVIDIA GeForce RTX 4090, 24564\n'),
    });
    expect(gpus).toEqual([
      { name: 'amd graphics (card0)', vendor: 'amd', memoryBytes: 16 * 1024 ** 3 },
      { name: 'NVIDIA GeForce RTX 4090', vendor: 'nvidia', memoryBytes: 24564 * 1024 * 1024 },
    ]);
    expect(calls).toEqual([['nvidia-smi', '--query-gpu=name,memory.total', '--format=csv,noheader,nounits']]);
    expect(await findGpus({ platform: 'linux', sysRoot: path.join(root, 'none') })).toEqual([]);
  });

  it('reads macOS system_profiler and Windows CIM output', () => {
    expect(parseSystemProfiler(JSON.stringify({ SPDisplaysDataType: [{ sppci_model: 'Apple M2 Max', spdisplays_vendor: 'sppci_vendor_Apple' }, { sppci_model: 'AMD Radeon Pro 5500M', spdisplays_vram: '8 GB', spdisplays_vendor: 'sppci_vendor_amd' }] }))).toEqual([
      { name: 'Apple M2 Max', vendor: 'apple' },
      { name: 'AMD Radeon Pro 5500M', vendor: 'amd', memoryBytes: 8 * 1024 ** 3 },
    ]);
    expect(parseWindowsControllers('[{"Name":"NVIDIA RTX A4000","AdapterCompatibility":"NVIDIA","AdapterRAM":4293918720},{"Name":"Microsoft Basic Display Adapter"}]')).toEqual([
      { name: 'NVIDIA RTX A4000', vendor: 'nvidia', memoryBytes: 4293918720 },
    ]);
    expect(parseNvidiaSmi('garbage')).toEqual([]);
  });
});

describe('logged-in sessions', () => {
  it('reads loginctl (old and new columns, skipping the service manager) and query user', () => {
    expect(parseLoginctl('     3 1000 ada  seat0 tty2\n    c1 1001 bob        pts/0\n')).toEqual([{ user: 'ada', where: 'seat0' }, { user: 'bob', where: 'pts/0' }]);
    expect(parseLoginctl('  2 1000 ada seat0 1234 user tty2 no -\n  5 1000 ada - 1300 manager - no -\n')).toEqual([{ user: 'ada', where: 'seat0' }]);
    expect(parseQueryUser(' USERNAME              SESSIONNAME        ID  STATE   IDLE TIME  LOGON TIME\r\n>ada                   console             1  Active      none   1/2/2026 9:00 AM\r\n bob                                      2  Disc           5  1/2/2026 8:00 AM\r\n')).toEqual([
      { user: 'ada', where: 'console' },
      { user: 'bob', where: 'disc' },
    ]);
  });

  it('asks the command of PIA_SESSIONS_CMD; a machine that cannot tell says so (undefined), never throws', async () => {
    const env = { PIA_SESSIONS_CMD: JSON.stringify([process.execPath, '-e', 'console.log("ada\\nbob")']) };
    expect(await loggedIn(env)).toEqual([{ user: 'ada' }, { user: 'bob' }]);
    expect(await loggedIn({ PIA_SESSIONS_CMD: JSON.stringify([process.execPath, '-e', '']) })).toEqual([]);
    expect(await loggedIn({ PIA_SESSIONS_CMD: JSON.stringify(['/nonexistent/who']) })).toBeUndefined();
    expect(await loggedIn({ PIA_SESSIONS_CMD: 'who' })).toBeUndefined();
    expect(await loggedIn({}, 'win32', async () => Promise.reject(Object.assign(new Error('exit 1'), { stderr: 'No User exists for *\r\n' })))).toEqual([]);
  });
});
