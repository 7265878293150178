import os from 'node:os';
import { machineInfo, type MachineInfo } from '../fleet/report.js';
import type { FaultsArgs } from './args.js';
import type { ScenarioResult } from './result.js';

/** The results as one JSON line. */
export function jsonLine(results: ScenarioResult[], args: FaultsArgs, loadAtStart: number): string {
  return JSON.stringify({ bench: 'faults', at: new Date().toISOString(), machine: machineInfo(), loadAtStart, settings: args, scenarios: results });
}

function figuresText(f: ScenarioResult['figures']): string {
  return Object.entries(f)
    .map(([k, v]) => `${k} ${typeof v === 'number' ? (Number.isInteger(v) ? v.toLocaleString('en-US') : v.toFixed(1)) : (v ?? '-')}`)
    .join('; ');
}

/** A Markdown table a person reads (and BENCHMARKS.md holds): one row per scenario, then what failed. */
export function humanTable(results: ScenarioResult[], loadAtStart: number, machine: MachineInfo = machineInfo()): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const lines = [
    `Machine: ${machine.cpus} cores (${machine.cpuModel}), ${machine.memoryGb} GB, Node ${machine.node}, ${machine.kernel}; load at start ${loadAtStart.toFixed(1)}`,
    '',
    '| # | scenario | load | fault | checked | result | figures |',
    '| - | -------- | ---- | ----- | ------- | ------ | ------- |',
    ...results.map((r) => `| ${r.id} | ${r.name} | ${cell(r.load)} | ${cell(r.fault)} | ${cell(r.checked)} | ${r.result} | ${cell(figuresText(r.figures))} |`),
  ];
  const problems = results.filter((r) => r.problems.length);
  if (problems.length) {
    lines.push('');
    for (const r of problems) for (const p of r.problems.slice(0, 10)) lines.push(`- ${r.id} ${r.name}: ${p}`);
  }
  return lines.join('\n');
}

/** The one-minute load average, so a reader can judge how shared the machine was. */
export function loadAverage(): number {
  return os.loadavg()[0] ?? 0;
}
