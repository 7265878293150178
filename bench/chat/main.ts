/**
 * `npm run bench:chat`: PIA's chat side under a chatty task and a large fleet, on loopback only.
 *  1. One task writes 10 MB over 60 s; PIA's reporter streams it into a thread on a Slack-limited and a
 *     Discord-limited port at once: calls, 429s (target 0), task end -> result message (target <= 2 s).
 *  2. In the same run, a naive reporter posts every output line to ports with the same limits: how far behind.
 *  3. `/pia status` with 10,000 registered machines, as signed Slack slash commands to the real Slack adapter in
 *     HTTP mode on the hub's server: acknowledgement p99 (target <= 50 ms), and when the answer is posted.
 * Prints one JSON line and a table on stdout; progress on stderr; exit code 1 when a target is missed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { installCleanup } from '../fleet/cleanup.js';
import { withTimeout } from '../fleet/with-timeout.js';
import { parseChatArgs, type ChatArgs } from './args.js';
import { countingLogger } from './log-counter.js';
import { messageOf, progress } from './progress.js';
import { humanTable, jsonLine, loadAverage, machineInfo, missedTargets } from './report.js';
import type { ChatResult } from './result.js';
import { runStatusPhase } from './status-phase.js';
import { runStreamPhase } from './stream-phase.js';

// Before anything sends a packet: PIA's senders (magic packets, SSH, Discord REST) then refuse all but loopback.
// They read it when they send, so setting it here, after the imports, is in time.
process.env.PIA_NET_LOOPBACK_ONLY = '1';

const gc = () => (globalThis as { gc?: () => void }).gc?.();

async function main(): Promise<number> {
  let args: ChatArgs;
  try {
    args = parseChatArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${messageOf(err)}\n`);
    return 2;
  }
  const cleanup = installCleanup();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pia-chat-'));
  cleanup.add(() => rmSync(dir, { recursive: true, force: true }));
  const machine = { ...machineInfo(), loadAtStart: loadAverage() };
  const logCounts = new Map<string, number>();
  const log = countingLogger(logCounts);
  const result: ChatResult = { stream: null, status: null, log: {}, errors: [] };

  if (args.phases.includes('stream')) {
    // The task's own run, the wait for the naive baseline, and set-up and the reporter's last messages.
    const limitS = args.seconds + args.naiveLimitS + 2 * args.phaseTimeoutS;
    try {
      result.stream = await withTimeout(runStreamPhase(args, dir, log), limitS * 1000, `the stream phase took over ${limitS} s`);
    } catch (err) {
      progress(`stream: not measured: ${messageOf(err)}`);
      result.errors.push(`stream phase not measured: ${messageOf(err)}`);
    }
    gc();
  }
  if (args.phases.includes('status')) {
    try {
      result.status = await withTimeout(runStatusPhase(args, dir, log, cleanup), args.phaseTimeoutS * 1000 * 2, `the status phase took over ${args.phaseTimeoutS * 2} s`);
    } catch (err) {
      progress(`status: not measured: ${messageOf(err)}`);
      result.errors.push(`status phase not measured: ${messageOf(err)}`);
    }
  }
  result.log = Object.fromEntries(logCounts);
  cleanup.runAll();
  process.stdout.write(`${jsonLine(result, args, machine)}\n\n${humanTable(result, args, machine)}\n`);
  return result.errors.length || missedTargets(result, args).length ? 1 : 0;
}

process.exitCode = await main();
// Timers of finished phases (a timed-out phase's hub, keep-alive sockets) must not keep the benchmark alive.
process.exit();
