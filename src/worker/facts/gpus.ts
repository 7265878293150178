/**
 * Finds the machine's graphics cards cheaply and without a shell: Linux reads sysfs (and asks nvidia-smi, by argv,
 * for NVIDIA memory, which sysfs does not show), macOS asks system_profiler, Windows asks CIM through PowerShell
 * with a fixed script. Cards do not change while a worker runs, so the worker asks once.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { GpuFact } from '../../protocol/facts.js';

const run = promisify(execFile);

/** PCI vendor ids of the graphics vendors PIA names. */
const PCI_VENDORS: Record<string, string> = { '0x10de': 'nvidia', '0x1002': 'amd', '0x8086': 'intel' };

/** How to look: where sysfs is, and how a program is run (tests hand in their own). */
export interface GpuProbe {
  platform: NodeJS.Platform;
  sysRoot?: string;
  exec?: (file: string, args: string[]) => Promise<string>;
}

const defaultExec = async (file: string, args: string[]) => (await run(file, args, { timeout: 5000, windowsHide: true })).stdout;

/** The machine's graphics cards; empty when there are none or none could be read. Never throws. */
export async function findGpus(probe: GpuProbe = { platform: process.platform }): Promise<GpuFact[]> {
  const exec = probe.exec ?? defaultExec;
  try {
    if (probe.platform === 'linux') return await linuxGpus(probe.sysRoot ?? '/', exec);
    if (probe.platform === 'darwin') return parseSystemProfiler(await exec('system_profiler', ['SPDisplaysDataType', '-json']));
    if (probe.platform === 'win32') {
      const script = 'Get-CimInstance Win32_VideoController | Select-Object Name,AdapterCompatibility,AdapterRAM | ConvertTo-Json -Compress';
      return parseWindowsControllers(await exec('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', script]));
    }
  } catch {
    // No card found is the answer when the system will not say.
  }
  return [];
}

async function linuxGpus(root: string, exec: (file: string, args: string[]) => Promise<string>): Promise<GpuFact[]> {
  const drm = path.join(root, 'sys/class/drm');
  const cards = (await readdir(drm).catch(() => [] as string[])).filter((n) => /^card\d+$/.test(n)).sort();
  const gpus: GpuFact[] = [];
  for (const card of cards) {
    const dev = path.join(drm, card, 'device');
    const vendorId = (await readFile(path.join(dev, 'vendor'), 'utf8').catch(() => '')).trim();
    const vendor = PCI_VENDORS[vendorId];
    const vram = Number((await readFile(path.join(dev, 'mem_info_vram_total'), 'utf8').catch(() => '')).trim());
    const label = (await readFile(path.join(dev, 'product_name'), 'utf8').catch(() => '')).trim();
    gpus.push({ name: label || `${vendor ?? 'unknown'} graphics (${card})`, ...(vendor ? { vendor } : {}), ...(vram > 0 ? { memoryBytes: vram } : {}) });
  }
  if (!gpus.some((g) => g.vendor === 'nvidia')) return gpus;
  // NVIDIA's driver shows neither the model nor the memory in sysfs: its own tool does.
  const nvidia = parseNvidiaSmi(await exec('nvidia-smi', ['--query-gpu=name,memory.total', '--format=csv,noheader,nounits']).catch(() => ''));
  if (nvidia.length === 0) return gpus;
  return [...gpus.filter((g) => g.vendor !== 'nvidia'), ...nvidia];
}

/** `nvidia-smi --query-gpu=name,memory.total --format=csv,noheader,nounits`: "NVIDIA GeForce RTX 4090, 24564". */
export function parseNvidiaSmi(text: string): GpuFact[] {
  const out: GpuFact[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(.+?)\s*,\s*(\d+)\s*$/.exec(line);
    if (m) out.push({ name: m[1]!.slice(0, 256), vendor: 'nvidia', memoryBytes: Number(m[2]) * 1024 * 1024 });
  }
  return out;
}

/** `system_profiler SPDisplaysDataType -json`: each card's model, vendor and VRAM ("24 GB"); Apple silicon shares RAM. */
export function parseSystemProfiler(text: string): GpuFact[] {
  const data = JSON.parse(text) as { SPDisplaysDataType?: Array<Record<string, unknown>> };
  return (data.SPDisplaysDataType ?? []).map((d) => {
    const name = String(d.sppci_model ?? d._name ?? 'graphics').slice(0, 256);
    const vendorText = String(d.spdisplays_vendor ?? d.sppci_vendor ?? '').toLowerCase();
    const vendor = /apple/.test(vendorText) || /^apple/i.test(name) ? 'apple' : /nvidia/.test(vendorText) ? 'nvidia' : /amd|ati/.test(vendorText) ? 'amd' : /intel/.test(vendorText) ? 'intel' : undefined;
    const vram = /^(\d+(?:\.\d+)?)\s*(MB|GB)/i.exec(String(d.spdisplays_vram ?? d.spdisplays_vram_shared ?? ''));
    const memoryBytes = vram ? Number(vram[1]) * (vram[2]!.toUpperCase() === 'GB' ? 1024 ** 3 : 1024 ** 2) : undefined;
    return { name, ...(vendor ? { vendor } : {}), ...(memoryBytes ? { memoryBytes } : {}) };
  });
}

/** PowerShell's JSON of Win32_VideoController (one object, or an array). AdapterRAM is capped at 4 GB by Windows. */
export function parseWindowsControllers(text: string): GpuFact[] {
  if (!text.trim()) return [];
  const data = JSON.parse(text) as unknown;
  const list = (Array.isArray(data) ? data : [data]) as Array<{ Name?: string; AdapterCompatibility?: string; AdapterRAM?: number }>;
  return list
    .filter((c) => c.Name && !/basic display|remote display/i.test(c.Name))
    .map((c) => {
      const company = (c.AdapterCompatibility ?? '').toLowerCase();
      const vendor = /nvidia/.test(company) ? 'nvidia' : /amd|advanced micro|ati/.test(company) ? 'amd' : /intel/.test(company) ? 'intel' : undefined;
      return { name: c.Name!.slice(0, 256), ...(vendor ? { vendor } : {}), ...(c.AdapterRAM && c.AdapterRAM > 0 ? { memoryBytes: c.AdapterRAM } : {}) };
    });
}
