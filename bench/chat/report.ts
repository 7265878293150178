import { loadAverage } from '../stream/report.js';
import { machineInfo, type MachineInfo } from '../fleet/report.js';
import { median, percentile, round } from '../fleet/stats.js';
import type { ChatArgs } from './args.js';
import type { ChatResult, NaiveOnPlatform, ReporterOnPlatform, StatusResult, StreamResult } from './result.js';

export { loadAverage, machineInfo };

/** The chat targets. */
export const TARGETS = { rateLimited: 0, resultS: 2, ackP99Ms: 50 } as const;

const verdict = (ok: boolean) => (ok ? 'pass' : 'FAIL');
const count = (n: number) => n.toLocaleString('en-US');
const f1 = (v: number | null | undefined) => (v !== null && v !== undefined && Number.isFinite(v) ? v.toFixed(1) : '-');
const f2 = (v: number | null | undefined) => (v !== null && v !== undefined && Number.isFinite(v) ? v.toFixed(2) : '-');
const seconds = (ms: number | null) => (ms === null ? '-' : (ms / 1000).toFixed(2));

const resultOk = (p: ReporterOnPlatform) => p.resultMs !== null && p.resultMs <= TARGETS.resultS * 1000;
const limitsOk = (p: ReporterOnPlatform) => p.rateLimited <= TARGETS.rateLimited;
const ackOk = (s: StatusResult) => s.ackMs.length > 0 && percentile(s.ackMs, 99) <= TARGETS.ackP99Ms;
const allAcked = (s: StatusResult) => Object.keys(s.statuses).every((k) => k === '200');

/** The targets a run missed, by name (a phase that was run but not measured misses its targets). */
export function missedTargets(r: ChatResult, args: ChatArgs): string[] {
  const missed: string[] = [];
  if (args.phases.includes('stream')) {
    const s = r.stream;
    if (!s) missed.push('stream phase measured');
    else {
      if (s.state !== 'succeeded') missed.push(`the chatty task succeeded (it ended ${s.state})`);
      for (const p of s.reporter) {
        if (!limitsOk(p)) missed.push(`${p.platform}: no 429 for the reporter`);
        if (p.refused > 0) missed.push(`${p.platform}: every reporter message within the platform's limits`);
        if (!resultOk(p)) missed.push(`${p.platform}: result message within ${TARGETS.resultS} s of the task's end`);
      }
    }
  }
  if (args.phases.includes('status')) {
    const s = r.status;
    if (!s) missed.push('status phase measured');
    else {
      if (!ackOk(s)) missed.push(`/pia status acknowledged with p99 <= ${TARGETS.ackP99Ms} ms`);
      if (!allAcked(s) || s.lostAnswers > 0) missed.push('every /pia status acknowledged (200) and answered');
    }
  }
  return missed;
}

function spread(ms: number[]) {
  return { n: ms.length, medianMs: round(median(ms), 2), p99Ms: round(percentile(ms, 99), 2), maxMs: round(ms.length ? Math.max(...ms) : NaN, 2) };
}

function streamJson(s: StreamResult) {
  const ms = (v: number | null) => (v === null ? null : Math.round(v));
  return {
    ...s,
    taskS: round(s.taskS, 2),
    cpuPct: round(s.cpuPct),
    reporter: s.reporter.map((p) => ({ ...p, resultMs: ms(p.resultMs), finalEditMs: ms(p.finalEditMs), attachMs: ms(p.attachMs) })),
    naive: s.naive.map((n) => ({ ...n, doneMs: ms(n.doneMs), linesPerS: round(n.linesPerS, 2) })),
  };
}

function statusJson(s: StatusResult) {
  const { ackMs, answerMs, burstAckMs, burstAnswerMs, ...rest } = s;
  return { ...rest, listMs: round(s.listMs, 1), ack: { ...spread(ackMs), firstMs: round(ackMs[0] ?? NaN, 2) }, answer: spread(answerMs), burst: { ack: spread(burstAckMs), answer: spread(burstAnswerMs) } };
}

/** The results as one JSON line: times in ms (rounded), sizes in bytes. */
export function jsonLine(r: ChatResult, args: ChatArgs, machine: MachineInfo & { loadAtStart: number }): string {
  return JSON.stringify({
    bench: 'chat',
    at: new Date().toISOString(),
    machine,
    settings: args,
    targets: TARGETS,
    stream: r.stream && streamJson(r.stream),
    status: r.status && statusJson(r.status),
    log: r.log,
    errors: r.errors,
    missed: missedTargets(r, args),
  });
}

/** Lays rows out in padded columns; the first row is the header. */
function layout(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length + 2)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join(''));
}

function behind(n: NaiveOnPlatform, limitS: number): string {
  if (n.doneMs !== null) return `caught up ${f1(n.doneMs / 1000)} s after the end`;
  const more = n.linesPerS > 0 ? n.behind / n.linesPerS / 3600 : NaN;
  return `did not finish within ${limitS} s, ${count(n.behind)} lines behind${Number.isFinite(more) ? ` (~${more.toFixed(1)} h more)` : ''}`;
}

function streamRows(s: StreamResult): string[][] {
  const rep = (label: string, cell: (p: ReporterOnPlatform) => string, target = 'info') => [label, ...s.reporter.map(cell), target];
  const nai = (label: string, cell: (n: NaiveOnPlatform) => string, target = 'info') => [label, ...s.naive.map(cell), target];
  const mb = (b: number) => (b / 1e6).toFixed(2);
  return [
    [`stream: one task, ${mb(s.outputBytes)} MB in ${count(s.outputLines)} lines over ${f1(s.taskS)} s (${s.state})`, ...s.reporter.map((p) => p.platform), 'target'],
    rep('PIA reporter: calls, posts / edits / files', (p) => `${p.calls.post.ok + p.calls.post.limited + p.calls.post.refused} / ${p.calls.update.ok + p.calls.update.limited + p.calls.update.refused} / ${p.calls.attach.ok + p.calls.attach.limited + p.calls.attach.refused}`),
    rep('  HTTP requests to the platform', (p) => count(p.requests)),
    rep('  429s received', (p) => `${p.rateLimited} ${verdict(limitsOk(p))}`, String(TARGETS.rateLimited)),
    rep('  messages refused (size or unknown)', (p) => String(p.refused), '0'),
    rep('  task end -> result message accepted (s)', (p) => `${seconds(p.resultMs)} ${verdict(resultOk(p))}`, `<= ${TARGETS.resultS} s`),
    rep('  task end -> status shows the end / log attached (s)', (p) => `${seconds(p.finalEditMs)} / ${seconds(p.attachMs)}`),
    rep('  log attached (MB)', (p) => `${mb(p.attachedBytes)}${p.attachCut ? ' (start cut)' : ''}`, `${mb(s.outputBytes)} streamed`),
    nai('naive baseline: HTTP requests (posts)', (n) => count(n.requests)),
    nai('  429s received', (n) => count(n.rateLimited)),
    nai('  lines posted', (n) => `${count(n.delivered)} of ${count(n.lines)}`),
    nai('  lines posted per second', (n) => f2(n.linesPerS)),
    ['hub + worker + reporters CPU during the task (% of a core)', f1(s.cpuPct), '', 'info'],
  ];
}

/** How far behind the naive baseline was, one line per platform (too long for a table cell). */
function naiveLines(s: StreamResult, args: ChatArgs): string[] {
  return s.naive.map((n) => `naive baseline on ${n.platform}: ${behind(n, args.naiveLimitS)}`);
}

function statusRows(s: StatusResult): string[][] {
  const acks = Object.entries(s.statuses).map(([k, v]) => `${k} x ${v}`).join(', ');
  return [
    [`/pia status, ${count(s.machines)} machines, Slack HTTP mode`, 'value', 'target'],
    [`ack (answer to the signed POST), median / p99 of ${s.ackMs.length} (ms)`, `${f1(median(s.ackMs))} / ${f1(percentile(s.ackMs, 99))} ${verdict(ackOk(s))}`, `p99 <= ${TARGETS.ackP99Ms} ms`],
    ['  ack max / first timed (ms)', `${f1(Math.max(...s.ackMs))} / ${f1(s.ackMs[0])}`, 'info'],
    ['  answer reaches chat.postMessage, median / p99 (ms)', `${f1(median(s.answerMs))} / ${f1(percentile(s.answerMs, 99))}`, 'info'],
    [`  ${s.burstAckMs.length} at once: ack median / max; answer max (ms)`, `${f1(median(s.burstAckMs))} / ${f1(s.burstAckMs.length ? Math.max(...s.burstAckMs) : NaN)}; ${f1(s.burstAnswerMs.length ? Math.max(...s.burstAnswerMs) : NaN)}`, 'info'],
    ['  for scale: machines.list() of the whole registry, in-process (ms)', f1(s.listMs), 'info'],
    ['  HTTP statuses / answers lost', `${acks} / ${s.lostAnswers}`, 'all 200 / 0'],
  ];
}

/** A short table for a person: one line per figure, pass/FAIL against the targets. */
export function humanTable(r: ChatResult, args: ChatArgs, machine: MachineInfo & { loadAtStart: number }): string {
  const lines = [
    `Chat benchmark: ${machine.cpus} cores (${machine.cpuModel}), Node ${machine.node}, load ${machine.loadAtStart} at start, loopback only`,
    'Slack and Discord stood in by in-process ports that enforce their published limits; /pia status over real HTTP to the real Slack adapter',
  ];
  if (r.stream) lines.push('', ...layout(streamRows(r.stream)), ...naiveLines(r.stream, args));
  if (r.status) lines.push('', ...layout(statusRows(r.status)));
  lines.push('');
  for (const [k, v] of Object.entries(r.log)) lines.push(`log: ${k} x ${v}`);
  for (const e of [...(r.stream?.errors ?? []), ...(r.status?.errors ?? []), ...r.errors]) lines.push(`! ${e}`);
  const missed = missedTargets(r, args);
  lines.push(missed.length ? `Targets missed: ${missed.join('; ')}` : 'All targets met.');
  return lines.join('\n');
}
