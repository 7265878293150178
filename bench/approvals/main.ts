/**
 * `npm run bench:approvals`: approvals through PIA under load, on loopback only. 200 tasks on 20 workers (worker
 * processes), each agent a stand-in that speaks Claude Code's control protocol and asks 5 times; every approval is
 * answered through the HTTP API as soon as it shows in its task's thread. Figures: request -> visible in the thread
 * and answer -> agent unblocked (median, p99), lost and answered-twice counts; baseline: the same stand-ins answered
 * by their own parent process, no hub. Prints one JSON line and a table on stdout; progress on stderr; exit code 1
 * when a target is missed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../src/common/logger.js';
import { installCleanup } from '../fleet/cleanup.js';
import { withTimeout } from '../fleet/with-timeout.js';
import { parseApprovalArgs, type ApprovalArgs } from './args.js';
import { runBaselinePhase } from './baseline-phase.js';
import { runPiaPhase } from './pia-phase.js';
import { messageOf, progress } from './progress.js';
import { humanTable, jsonLine, loadAverage, machineInfo, missedTargets } from './report.js';
import type { ApprovalResult } from './result.js';

// Before anything sends a packet: PIA's senders refuse all but loopback while this is set.
process.env.PIA_NET_LOOPBACK_ONLY = '1';

async function main(): Promise<number> {
  let args: ApprovalArgs;
  try {
    args = parseApprovalArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${messageOf(err)}\n`);
    return 2;
  }
  const cleanup = installCleanup();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pia-approvals-'));
  cleanup.add(() => rmSync(dir, { recursive: true, force: true }));
  const machine = { ...machineInfo(), loadAtStart: loadAverage() };
  const result: ApprovalResult = { baseline: null, pia: null, errors: [] };
  const limitMs = args.phaseTimeoutS * 1000 + 60_000;

  if (args.phases.includes('baseline')) {
    try {
      result.baseline = await withTimeout(runBaselinePhase(args, cleanup), limitMs, `the baseline took over ${limitMs / 1000} s`);
    } catch (err) {
      progress(`baseline: not measured: ${messageOf(err)}`);
      result.errors.push(`baseline not measured: ${messageOf(err)}`);
    }
  }
  if (args.phases.includes('pia')) {
    try {
      result.pia = await withTimeout(runPiaPhase(args, dir, silentLogger(), cleanup), limitMs, `the PIA phase took over ${limitMs / 1000} s`);
    } catch (err) {
      progress(`pia: not measured: ${messageOf(err)}`);
      result.errors.push(`PIA phase not measured: ${messageOf(err)}`);
    }
  }
  cleanup.runAll();
  process.stdout.write(`${jsonLine(result, args, machine)}\n\n${humanTable(result, args, machine)}\n`);
  return result.errors.length || missedTargets(result, args).length ? 1 : 0;
}

process.exitCode = await main();
// Timers of a phase that timed out must not keep the benchmark alive.
process.exit();
