import { machineInfo, type MachineInfo } from '../fleet/report.js';
import { median, percentile, round } from '../fleet/stats.js';
import { loadAverage } from '../stream/report.js';
import type { ApprovalArgs } from './args.js';
import type { ApprovalResult, PhaseResult } from './result.js';

export { loadAverage, machineInfo };

/** The targets: p99 within 250 ms both ways (on this 2-core machine), nothing lost, nothing answered twice. */
export const TARGETS = { p99Ms: 250, lost: 0, answeredTwice: 0 } as const;

const verdict = (ok: boolean) => (ok ? 'pass' : 'FAIL');
const ms = (v: number) => (Number.isFinite(v) ? String(Math.round(v)) : '-');

/** The targets a run missed, by name (only PIA's phase has targets; the baseline is for comparison). */
export function missedTargets(r: ApprovalResult, args: ApprovalArgs): string[] {
  if (!args.phases.includes('pia')) return [];
  const p = r.pia;
  if (!p) return ['the PIA phase measured'];
  const missed: string[] = [];
  if (!(percentile(p.visibleMs, 99) <= TARGETS.p99Ms)) missed.push(`request -> visible p99 <= ${TARGETS.p99Ms} ms`);
  if (!(percentile(p.unblockedMs, 99) <= TARGETS.p99Ms)) missed.push(`answer -> unblocked p99 <= ${TARGETS.p99Ms} ms`);
  if (p.lost > TARGETS.lost) missed.push('no approval lost');
  if (p.answeredTwice > TARGETS.answeredTwice) missed.push('no approval answered twice');
  if (p.failedTasks > 0) missed.push('every task succeeded');
  return missed;
}

function phaseJson(p: PhaseResult | null) {
  if (!p) return null;
  const spread = (v: number[]) => ({ n: v.length, medianMs: round(median(v), 1), p99Ms: round(percentile(v, 99), 1), maxMs: v.length ? Math.max(...v) : null });
  const { visibleMs, unblockedMs, apiMs, ...rest } = p;
  return { ...rest, ...(p.hub ? { hub: { cpuS: round(p.hub.cpuS, 1), loopLagP99Ms: round(p.hub.loopLagP99Ms, 0), loopLagMaxMs: round(p.hub.loopLagMaxMs, 0) } } : {}), wallS: round(p.wallS, 2), visible: spread(visibleMs), unblocked: spread(unblockedMs), ...(apiMs ? { apiReply: spread(apiMs) } : {}) };
}

/** Every figure as one JSON line. */
export function jsonLine(r: ApprovalResult, args: ApprovalArgs, machine: MachineInfo & { loadAtStart: number }): string {
  return JSON.stringify({ bench: 'approvals', args, machine, baseline: phaseJson(r.baseline), pia: phaseJson(r.pia), missed: missedTargets(r, args), errors: r.errors });
}

/** The table a person reads. */
export function humanTable(r: ApprovalResult, args: ApprovalArgs, machine: MachineInfo & { loadAtStart: number }): string {
  const b = r.baseline;
  const p = r.pia;
  const row = (label: string, base: string, pia: string, target: string) => `| ${label} | ${base} | ${pia} | ${target} |`;
  const pair = (v: number[] | undefined) => (v ? `${ms(median(v))} / ${ms(percentile(v, 99))}` : '-');
  const p99ok = (v: number[] | undefined) => (v ? ` ${verdict(percentile(v, 99) <= TARGETS.p99Ms)}` : '');
  const lines = [
    `${args.tasks} tasks on ${args.workers} workers, ${args.asks} approvals each (${args.tasks * args.asks}); ${machine.cpus} cores (${machine.cpuModel}), 1-min load at start ${machine.loadAtStart.toFixed(2)}`,
    '',
    '| | baseline (its own parent answers) | through PIA (API answers what the thread shows) | target |',
    '|---|---|---|---|',
    row('request -> visible, median / p99 (ms)', pair(b?.visibleMs), pair(p?.visibleMs) + p99ok(p?.visibleMs), `p99 <= ${TARGETS.p99Ms} ms`),
    row('answer -> agent unblocked, median / p99 (ms)', pair(b?.unblockedMs), pair(p?.unblockedMs) + p99ok(p?.unblockedMs), `p99 <= ${TARGETS.p99Ms} ms`),
    row('  of which the API call, median / p99 (ms)', '-', pair(p?.apiMs), '(info)'),
    row('  hub process: CPU (s) / event loop lag p99, max (ms)', '-', p?.hub ? `${p.hub.cpuS.toFixed(1)} / ${ms(p.hub.loopLagP99Ms)}, ${ms(p.hub.loopLagMaxMs)}` : '-', '(info)'),
    row('lost', b ? String(b.lost) : '-', p ? `${p.lost} ${verdict(p.lost === 0)}` : '-', '0'),
    row('answered twice', b ? String(b.answeredTwice) : '-', p ? `${p.answeredTwice} ${verdict(p.answeredTwice === 0)}` : '-', '0'),
    row('tasks failed', b ? String(b.failedTasks) : '-', p ? String(p.failedTasks) : '-', '0'),
    row('first start -> last end (s)', b ? b.wallS.toFixed(1) : '-', p ? p.wallS.toFixed(1) : '-', '(info)'),
  ];
  const notes = [...(b?.problems ?? []), ...(p?.problems ?? []), ...r.errors];
  if (notes.length) lines.push('', ...notes.map((n) => `- ${n}`));
  const missed = missedTargets(r, args);
  lines.push('', missed.length ? `MISSED: ${missed.join('; ')}` : 'All targets met.');
  return lines.join('\n');
}
