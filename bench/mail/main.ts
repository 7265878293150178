/**
 * `npm run bench:mail`: the email gateway's two promises, against a real dovecot (IMAP, LMTP) and a real SMTP server
 * on loopback, with the hub as its own process.
 *  1. Drain: 1,000 mails waiting in the fleet's mailbox when the hub starts are all handled, each exactly once (one
 *     task, moved to the done folder, one acknowledgement sent), within 60 s. Baselines: a plain imapflow client
 *     fetching and moving the same backlog, in one batch and one message at a time.
 *  2. Idle: with IMAP IDLE, a newly delivered mail is a running task on a real worker within 2 s. Baseline: a plain
 *     imapflow client in IDLE, from delivery to dovecot's EXISTS.
 * Prints one JSON line and a table on stdout; progress on stderr; exit code 1 when a target is missed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestDovecot } from '../../test/helpers/dovecot.js';
import { installCleanup, type Cleanup } from '../fleet/cleanup.js';
import { withTimeout } from '../fleet/with-timeout.js';
import { parseMailArgs, type MailArgs } from './args.js';
import { runDrain } from './drain-phase.js';
import { runIdle } from './idle-phase.js';
import { ACCOUNTS, dovecotInstalled, INSTALL_LINE, startBenchDovecot } from './mail-servers.js';
import { messageOf, progress } from './progress.js';
import { runRawDrain, type RawMode } from './raw-drain.js';
import { runRawIdle } from './raw-idle.js';
import { humanTable, jsonLine, loadAverage, machineInfo, missedTargets } from './report.js';
import type { MailResults } from './result.js';

// Before anything opens a socket: PIA's senders then refuse all but loopback. The hub gets the same setting.
process.env.PIA_NET_LOOPBACK_ONLY = '1';

/** How long one sample waits for its task (or its EXISTS) before it counts as lost: well past the 2 s target. */
const SAMPLE_WAIT_MS = 10_000;

const gc = () => (globalThis as { gc?: () => void }).gc?.();

/** Runs one measurement bounded in time; a failure is recorded and gives null. */
async function part<T>(name: string, args: MailArgs, results: MailResults, run: () => Promise<T>): Promise<T | null> {
  try {
    return await withTimeout(run(), args.phaseTimeoutS * 1000 + 60_000, `${name} took longer than ${args.phaseTimeoutS + 60} s`);
  } catch (err) {
    progress(`${name}: not measured: ${messageOf(err)}`);
    results.errors.push(`${name}: ${messageOf(err)}`);
    return null;
  } finally {
    gc();
  }
}

async function drainPhase(args: MailArgs, dovecot: TestDovecot, dir: string, cleanup: Cleanup, results: MailResults): Promise<void> {
  const raw = (mode: RawMode, account: string) =>
    part(`raw ${mode} drain`, args, results, async () => {
      const r = await runRawDrain({ dovecot, account, count: args.mails, mode, lmtpConcurrency: args.lmtpConcurrency });
      progress(`raw ${mode}: ${r.fetched} fetched and ${r.filed} moved in ${(r.ms / 1000).toFixed(2)} s (delivered in ${(r.deliverMs / 1000).toFixed(1)} s)`);
      return r;
    });
  progress(`drain baselines: a plain imapflow client on ${args.mails} waiting mails, batched, then one by one`);
  const rawBatch = await raw('batch', ACCOUNTS.rawBatch);
  const rawSerial = await raw('serial', ACCOUNTS.rawSerial);
  progress(`drain: PIA on ${args.mails} waiting mails`);
  const pia = await part('PIA drain', args, results, () =>
    runDrain({ dovecot, mails: args.mails, lmtpConcurrency: args.lmtpConcurrency, dataDir: path.join(dir, 'drain'), timeoutMs: args.phaseTimeoutS * 1000, cleanup }),
  );
  if (pia) progress(`  all handled in ${pia.allMs === null ? '-' : (pia.allMs / 1000).toFixed(1)} s from the spawn; exactly once: ${pia.exactlyOnce?.ok ? 'yes' : 'NO'}`);
  results.drain = { pia, rawBatch, rawSerial };
}

async function idlePhase(args: MailArgs, dovecot: TestDovecot, dir: string, cleanup: Cleanup, results: MailResults): Promise<void> {
  progress(`idle baseline: a plain imapflow client in IDLE, ${args.samples} deliveries`);
  const raw = await part('raw IDLE', args, results, () => runRawIdle({ dovecot, account: ACCOUNTS.rawIdle, samples: args.samples, gapMs: args.gapMs, waitMs: SAMPLE_WAIT_MS }));
  const pia = await part('PIA idle', args, results, () => runIdle({ dovecot, samples: args.samples, gapMs: args.gapMs, waitMs: SAMPLE_WAIT_MS, dataDir: path.join(dir, 'idle'), cleanup }));
  results.idle = { pia, raw };
}

async function main(): Promise<number> {
  let args: MailArgs;
  try {
    args = parseMailArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${messageOf(err)}\n`);
    return 2;
  }
  if (!dovecotInstalled()) {
    process.stderr.write(`The mail benchmark needs dovecot with IMAP and LMTP, which is not installed. Install it with:\n  ${INSTALL_LINE}\n`);
    return 1;
  }
  const cleanup = installCleanup();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pia-mail-'));
  cleanup.add(() => rmSync(dir, { recursive: true, force: true }));
  const machine = { ...machineInfo(), loadAtStart: loadAverage() };
  const results: MailResults = { drain: null, idle: null, errors: [] };

  let dovecot: TestDovecot | undefined;
  try {
    dovecot = await startBenchDovecot();
    // The helper kills dovecot when this process exits; on Ctrl-C its temp dir must go too.
    const mailDir = dovecot.dir;
    cleanup.add(() => rmSync(mailDir, { recursive: true, force: true }));
    progress(`dovecot on 127.0.0.1: IMAP ${dovecot.imapPort}, LMTP ${dovecot.lmtpPort}`);
  } catch (err) {
    results.errors.push(`dovecot did not start: ${messageOf(err)}`);
  }
  if (dovecot) {
    if (args.phases.includes('drain')) await drainPhase(args, dovecot, dir, cleanup, results);
    if (args.phases.includes('idle')) await idlePhase(args, dovecot, dir, cleanup, results);
    await dovecot.stop();
  }
  cleanup.runAll();
  process.stdout.write(`${jsonLine(results, args, machine)}\n\n${humanTable(results, args, machine)}\n`);
  return results.errors.length || missedTargets(results, args).length ? 1 : 0;
}

process.exitCode = await main();
// Timers of finished phases (imapflow's, the sinks') must not keep the benchmark alive.
process.exit();
