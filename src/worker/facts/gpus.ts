/**
 * Finds a Linux machine's graphics cards from what the kernel shows, without running a program: NVIDIA's driver
 * names its cards in /proc/driver/nvidia/gpus; any other card is named by its vendor and PCI ids from
 * /sys/class/drm (amdgpu adds a product name there on recent kernels). Other systems report none yet.
 */
import { readFile, readdir, realpath } from 'node:fs/promises';
import path from 'node:path';

const vendors: Record<string, string> = { '0x10de': 'NVIDIA', '0x1002': 'AMD', '0x8086': 'Intel', '0x1a03': 'ASPEED', '0x1af4': 'virtio', '0x15ad': 'VMware', '0x1234': 'QEMU' };

async function read(file: string): Promise<string | undefined> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    return undefined;
  }
}

async function list(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch {
    return [];
  }
}

/**
 * The machine's GPUs, one name each (e.g. "NVIDIA GeForce RTX 4090", "AMD Radeon RX 6800", "Intel GPU 8086:9a49").
 * @param root the file system's root (a test's fake /proc and /sys)
 */
export async function findGpus(platform: NodeJS.Platform = process.platform, root = '/'): Promise<string[]> {
  if (platform !== 'linux') return [];
  const names: string[] = [];
  const nvidia = path.join(root, 'proc/driver/nvidia/gpus');
  for (const bus of await list(nvidia)) {
    const model = /^Model:\s*(.+)$/m.exec((await read(path.join(nvidia, bus, 'information'))) ?? '')?.[1]?.trim();
    if (model) names.push(model.startsWith('NVIDIA') ? model : `NVIDIA ${model}`);
  }
  const drm = path.join(root, 'sys/class/drm');
  const seen = new Set<string>();
  for (const card of await list(drm)) {
    // card0, card1 (not card0-HDMI-A-1, renderD128): one entry per device, however it is linked.
    if (!/^card\d+$/.test(card)) continue;
    const device = path.join(drm, card, 'device');
    const real = await realpath(device).catch(() => device);
    if (seen.has(real)) continue;
    seen.add(real);
    const vendor = await read(path.join(device, 'vendor'));
    // NVIDIA's cards were named above, when its driver is loaded.
    if (vendor === undefined || (vendor === '0x10de' && names.some((n) => n.startsWith('NVIDIA')))) continue;
    const product = await read(path.join(device, 'product_name'));
    const id = `${vendor.replace(/^0x/, '')}:${((await read(path.join(device, 'device'))) ?? '?').replace(/^0x/, '')}`;
    names.push(product ? `${vendors[vendor] ?? ''} ${product}`.trim() : `${vendors[vendor] ?? 'GPU'} GPU ${id}`);
  }
  return names.map((n) => n.slice(0, 256)).slice(0, 16);
}
