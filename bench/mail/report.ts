import { machineInfo, type MachineInfo } from '../fleet/report.js';
import { median, percentile, round } from '../fleet/stats.js';
import { loadAverage } from '../stream/report.js';
import type { MailArgs } from './args.js';
import type { DrainResult } from './drain-phase.js';
import type { DrainPhase, IdlePhase, MailResults } from './result.js';

export { machineInfo, loadAverage };

/** The mail targets: the backlog handled within 60 s of the hub's start; every new mail running within 2 s. */
export const TARGETS = { drainS: 60, toRunningMs: 2000 } as const;

/** Where and when the run happened. */
export type RunMachine = MachineInfo & { loadAtStart: number };

const verdict = (ok: boolean) => (ok ? 'pass' : 'FAIL');
const s1 = (ms: number | null | undefined) => (ms === null || ms === undefined || !Number.isFinite(ms) ? '-' : (ms / 1000).toFixed(1));
const s2 = (ms: number | null | undefined) => (ms === null || ms === undefined || !Number.isFinite(ms) ? '-' : (ms / 1000).toFixed(2));
const ms0 = (v: number) => (Number.isFinite(v) ? String(Math.round(v)) : '-');
const ratio = (a: number | null | undefined, b: number | null | undefined) => (a && b ? `${(a / b).toFixed(1)}x` : '-');
const count = (n: number) => n.toLocaleString('en-US');
const roundOrNull = (ms: number | null) => (ms === null ? null : Math.round(ms));

/** Median, p95 (nearest rank) and maximum, in ms. */
function spread(ms: readonly number[]) {
  return { n: ms.length, medianMs: round(median(ms), 1), p95Ms: round(percentile(ms, 95), 1), maxMs: round(ms.length ? Math.max(...ms) : NaN, 1) };
}
const spreadText = (ms: readonly number[]) => `${ms0(median(ms))} / ${ms0(percentile(ms, 95))} / ${ms0(ms.length ? Math.max(...ms) : NaN)}`;

const drainOk = (d: DrainPhase | null) => !!d?.pia && d.pia.allMs !== null && d.pia.allMs <= TARGETS.drainS * 1000;
const onceOk = (d: DrainPhase | null) => !!d?.pia?.exactlyOnce?.ok;
const idleOk = (i: IdlePhase | null) =>
  !!i?.pia && i.pia.lost === 0 && i.pia.extraTasks === 0 && i.pia.toRunningMs.length === i.pia.samples && Math.max(...i.pia.toRunningMs) <= TARGETS.toRunningMs;

/** The targets a run missed, by name (a phase that was not measured misses its targets). */
export function missedTargets(r: MailResults, args: MailArgs): string[] {
  const missed: string[] = [];
  if (args.phases.includes('drain')) {
    if (!drainOk(r.drain)) missed.push(`${count(args.mails)} waiting mails handled within ${TARGETS.drainS} s`);
    if (!onceOk(r.drain)) missed.push('each waiting mail handled exactly once');
  }
  if (args.phases.includes('idle') && !idleOk(r.idle)) missed.push(`every delivered mail a running task within ${TARGETS.toRunningMs} ms, none lost`);
  return missed;
}

/** The results as one JSON line: times in ms, rounded. */
export function jsonLine(r: MailResults, args: MailArgs, machine: RunMachine): string {
  const d = r.drain;
  const drain = d && {
    pia: d.pia && {
      ...d.pia,
      deliverMs: Math.round(d.pia.deliverMs),
      hubReadyMs: Math.round(d.pia.hubReadyMs),
      tasksMs: roundOrNull(d.pia.tasksMs),
      filedMs: roundOrNull(d.pia.filedMs),
      acksMs: roundOrNull(d.pia.acksMs),
      allMs: roundOrNull(d.pia.allMs),
      intakeMs: roundOrNull(intakeMs(d.pia)),
      hubCpuS: d.pia.hubCpuS === null ? null : round(d.pia.hubCpuS, 2),
    },
    rawBatch: d.rawBatch && { ...d.rawBatch, deliverMs: Math.round(d.rawBatch.deliverMs), ms: Math.round(d.rawBatch.ms) },
    rawSerial: d.rawSerial && { ...d.rawSerial, deliverMs: Math.round(d.rawSerial.deliverMs), ms: Math.round(d.rawSerial.ms) },
  };
  const i = r.idle;
  const rounded = (ms: readonly number[]) => ms.map((v) => round(v, 1));
  const idle = i && {
    pia: i.pia && {
      ...i.pia,
      toCreatedMs: rounded(i.pia.toCreatedMs),
      toRunningMs: rounded(i.pia.toRunningMs),
      createdToRunningMs: rounded(i.pia.createdToRunningMs),
      toAckMs: rounded(i.pia.toAckMs),
      toCreated: spread(i.pia.toCreatedMs),
      toRunning: spread(i.pia.toRunningMs),
      createdToRunning: spread(i.pia.createdToRunningMs),
      toAck: spread(i.pia.toAckMs),
    },
    raw: i.raw && { ...i.raw, toExistsMs: rounded(i.raw.toExistsMs), toExists: spread(i.raw.toExistsMs) },
  };
  return JSON.stringify({ bench: 'mail', at: new Date().toISOString(), machine, settings: args, targets: TARGETS, drain, idle, errors: r.errors, missed: missedTargets(r, args) });
}

/** Lays rows out in padded columns; the first row is the header. */
function layout(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length + 2)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join(''));
}

/** PIA's IMAP side: from /api/health answering until every mail had its task and was moved (what the baselines do). */
function intakeMs(p: DrainResult): number | null {
  return p.tasksMs === null || p.filedMs === null ? null : Math.max(p.tasksMs, p.filedMs) - p.hubReadyMs;
}

function drainRows(d: DrainPhase | null): string[][] {
  if (!d) return [];
  const p = d.pia;
  const rows = [[`drain: ${count(p?.mails ?? d.rawBatch?.mails ?? 0)} mails waiting when the hub starts`, 'value', 'target']];
  const intake = p ? intakeMs(p) : null;
  if (p) {
    const e = p.exactlyOnce;
    const cpuPct = p.hubCpuS !== null && p.allMs ? (p.hubCpuS / (p.allMs / 1000)) * 100 : NaN;
    const ackRate = p.acksMs ? p.mails / ((p.acksMs - p.hubReadyMs) / 1000) : NaN;
    rows.push(
      ['all handled, from spawning the hub (s)', `${s1(p.allMs)} ${verdict(drainOk(d))}`, `<= ${TARGETS.drainS} s`],
      ['  tasks stored / moved to the done folder / acks at the sink (s)', `${s1(p.tasksMs)} / ${s1(p.filedMs)} / ${s1(p.acksMs)}`, 'info'],
      ['  hub answering /api/health (s)', s2(p.hubReadyMs), 'info'],
      ['  IMAP side: every mail a task and moved, from /api/health (s)', s2(intake), 'info'],
      ['  acks sent per second, from /api/health', Number.isFinite(ackRate) ? ackRate.toFixed(1) : '-', 'info'],
      ['  hub CPU until all handled (s; % of a core)', p.hubCpuS === null ? '-' : `${p.hubCpuS.toFixed(1)}; ${cpuPct.toFixed(0)} %`, 'info'],
    );
    if (e) {
      rows.push(
        ['exactly once: one task per mail', `${e.tasksOnce}/${e.mails} (${e.tasksMissing} missing, ${e.tasksDuplicated} twice or more, ${e.tasksOther} other) ${verdict(e.ok)}`, 'all, once'],
        ['  one ack per Message-ID at the sink', `${e.acksOnce}/${e.mails} (${e.acksMissing} missing, ${e.acksDuplicated} twice or more, ${e.acksOther} other)`, 'all, once'],
        ['  in the done folder once / left in the inbox', `${e.filedOnce}/${e.mails} (${e.filedDuplicated} twice or more) / ${e.inboxLeft}`, `${e.mails} / 0`],
        ['  hub records: inbound by outcome; filed; acks sent', `${JSON.stringify(e.inboundByOutcome)}; ${e.inboundFiled}; ${e.outboxAcks.sent ?? 0}`, 'info'],
      );
    }
    rows.push(['  filling the mailbox over LMTP, before the start (s)', s1(p.deliverMs), 'info']);
  }
  for (const [label, raw] of [
    ['plain imapflow, batched: 1 FETCH, 1 STORE, 1 MOVE (s)', d.rawBatch],
    ['plain imapflow, one by one: FETCH, STORE, MOVE each (s)', d.rawSerial],
  ] as const) {
    if (!raw) continue;
    const ok = raw.fetched === raw.mails && raw.inboxLeft === 0 && raw.filed === raw.mails;
    rows.push([label, `${s2(raw.ms)}${ok ? '' : ` (${raw.fetched} fetched, ${raw.filed} moved: incomplete)`}; PIA's IMAP side ${ratio(intake, raw.ms)} that`, 'info']);
  }
  return rows;
}

function idleRows(i: IdlePhase | null): string[][] {
  if (!i) return [];
  const p = i.pia;
  const rows = [['idle: one new mail at a time, worker attached', 'value', 'target']];
  if (p) {
    rows.push(
      [`delivery -> task running, median / p95 / max of ${p.toRunningMs.length} (ms)`, `${spreadText(p.toRunningMs)} ${verdict(idleOk(i))}`, `max <= ${TARGETS.toRunningMs} ms`],
      ['  delivery -> task created, median / p95 / max (ms)', spreadText(p.toCreatedMs), 'info'],
      ['  created -> running (dispatch, worker), median / max (ms)', `${ms0(median(p.createdToRunningMs))} / ${ms0(Math.max(...p.createdToRunningMs))}`, 'info'],
      ['  delivery -> ack at the sink, median / max (ms)', `${ms0(median(p.toAckMs))} / ${ms0(p.toAckMs.length ? Math.max(...p.toAckMs) : NaN)}`, 'info'],
      ['  lost / acted on twice / final states', `${p.lost} / ${p.extraTasks} / ${JSON.stringify(p.finalStates)}`, '0 / 0'],
    );
  }
  const r = i.raw;
  if (r) {
    rows.push([`plain imapflow in IDLE: delivery -> EXISTS, median / p95 / max of ${r.toExistsMs.length} (ms)`, `${spreadText(r.toExistsMs)}${r.lost ? `, ${r.lost} lost` : ''}`, 'info']);
    if (p) {
      const pm = median(p.toRunningMs);
      const rm = median(r.toExistsMs);
      rows.push(['  PIA (to running) over the raw notification: ratio; difference of medians (ms)', `${ratio(pm, rm)}; ${ms0(pm - rm)}`, 'info']);
    }
  }
  return rows;
}

/** A short table for a person: one line per figure, pass/FAIL against the targets. */
export function humanTable(r: MailResults, args: MailArgs, machine: RunMachine): string {
  const lines = [`Mail benchmark: ${machine.cpus} cores (${machine.cpuModel}), Node ${machine.node}, load ${machine.loadAtStart.toFixed(2)} at the start, loopback only`];
  for (const section of [drainRows(r.drain), idleRows(r.idle)]) if (section.length) lines.push('', ...layout(section));
  lines.push('');
  for (const e of [...(r.drain?.pia?.errors ?? []), ...(r.idle?.pia?.errors ?? []), ...r.errors]) lines.push(`! ${e}`);
  const missed = missedTargets(r, args);
  lines.push(missed.length ? `Targets missed: ${missed.join('; ')}` : 'All targets met.');
  return lines.join('\n');
}
