import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findGpus } from '../../../../src/worker/facts/gpus.js';
import { tempDir } from '../../../helpers/tmp.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** Writes files under a fake root: { 'sys/class/drm/card0/device/vendor': '0x1002\n' }. */
function tree(name: string, files: Record<string, string>): string {
  const root = path.join(tmp.dir, name);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  return root;
}

describe('findGpus', () => {
  it('names NVIDIA cards from its driver and others by vendor and product, once per device', async () => {
    const root = tree('mixed', {
      'proc/driver/nvidia/gpus/0000:01:00.0/information': 'Model: \t\t NVIDIA GeForce RTX 4090\nIRQ:   130\n',
      'sys/devices/pci0/0000:01:00.0/vendor': '0x10de\n',
      'sys/devices/pci0/0000:01:00.0/device': '0x2684\n',
      'sys/devices/pci0/0000:03:00.0/vendor': '0x1002\n',
      'sys/devices/pci0/0000:03:00.0/device': '0x73bf\n',
      'sys/devices/pci0/0000:03:00.0/product_name': 'Radeon RX 6800\n',
      'sys/devices/pci0/0000:00:02.0/vendor': '0x8086\n',
      'sys/devices/pci0/0000:00:02.0/device': '0x9a49\n',
    });
    const drm = path.join(root, 'sys/class/drm');
    mkdirSync(drm, { recursive: true });
    for (const [card, dev] of [['card0', '0000:01:00.0'], ['card1', '0000:03:00.0'], ['card2', '0000:00:02.0']]) {
      mkdirSync(path.join(drm, card!));
      symlinkSync(path.join(root, 'sys/devices/pci0', dev!), path.join(drm, card!, 'device'));
    }
    // A connector of card1 is no second card.
    mkdirSync(path.join(drm, 'card1-HDMI-A-1'));
    symlinkSync(path.join(root, 'sys/devices/pci0/0000:03:00.0'), path.join(drm, 'card1-HDMI-A-1', 'device'));
    expect(await findGpus('linux', root)).toEqual(['NVIDIA GeForce RTX 4090', 'AMD Radeon RX 6800', 'Intel GPU 8086:9a49']);
  });

  it('reports none where nothing is shown, and none on other systems', async () => {
    expect(await findGpus('linux', tree('bare', { 'etc/hostname': 'x' }))).toEqual([]);
    expect(await findGpus('darwin', '/')).toEqual([]);
  });
});
