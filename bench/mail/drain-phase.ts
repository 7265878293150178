import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestDovecot } from '../../test/helpers/dovecot.js';
import { startSmtpSink } from '../../test/helpers/smtp-sink.js';
import type { Cleanup } from '../fleet/cleanup.js';
import { readCpuSeconds } from '../fleet/proc-stats.js';
import { hubApi } from '../stream/hub-api.js';
import { benchMails, runId } from './bench-mail.js';
import { deliverAll } from './deliver.js';
import { countTasks, openHubDb, readStoredMail } from './hub-db.js';
import { ACCOUNTS, countMessages, hubDoneFolder, imapClient } from './mail-servers.js';
import { startMailHub } from './mail-hub.js';
import { progress } from './progress.js';
import { ackOf, verifyExactlyOnce, type ExactlyOnce } from './verify.js';

/** The machine the mails are for: registered, but no worker ever links, so each task simply waits in the queue. */
const MACHINE = 'm2';
/** The hub's default fallback poll (IDLE is the live path; a pass starts at connect anyway). */
const POLL_S = 60;
/** How often the counts are read while the hub drains. */
const SAMPLE_MS = 100;
/** After everything is in, how long to go on watching for a mail acted on a second time. */
const SETTLE_MS = 2000;

/** The counts at one moment of the drain, from the hub's start. */
export interface DrainSample {
  atMs: number;
  tasks: number;
  inbox: number;
  filed: number;
  acks: number;
}

/** The backlog drained by PIA: times from spawning the hub process, and the exactly-once check. */
export interface DrainResult {
  mails: number;
  /** Filling the mailbox over LMTP, before the hub starts. */
  deliverMs: number;
  /** Spawn until /api/health answered. */
  hubReadyMs: number;
  /** From spawn until every mail had its task stored / had left the inbox for the done folder / had its ack at the sink. */
  tasksMs: number | null;
  filedMs: number | null;
  acksMs: number | null;
  /** The latest of the three: everything handled. */
  allMs: number | null;
  /** The counts about once a second. */
  timeline: DrainSample[];
  /** Hub CPU (user + system) from spawn until everything was handled, in seconds. */
  hubCpuS: number | null;
  exactlyOnce: ExactlyOnce | null;
  hubLog: Record<string, number>;
  errors: string[];
}

/**
 * The backlog: registers machine `m2` through the API of a first hub run (no mail settings, so nothing is read), stops
 * it, fills the fleet's mailbox with `mails` mails to pia+m2 over LMTP, then starts the hub again with the mail
 * gateway on and times, from the spawn, until every mail has its task, has been moved out of the inbox, and has
 * had its acknowledgement delivered to the SMTP sink. Then checks that each was acted on exactly once.
 */
export async function runDrain(opts: { dovecot: TestDovecot; mails: number; lmtpConcurrency: number; dataDir: string; timeoutMs: number; cleanup: Cleanup }): Promise<DrainResult> {
  const { dovecot, dataDir, cleanup } = opts;
  const token = randomBytes(24).toString('base64url');
  const errors: string[] = [];

  const first = await startMailHub({ dataDir, token, cleanup });
  try {
    await hubApi(first.httpUrl, token).addMachine(MACHINE);
  } finally {
    await first.stop(10_000);
  }

  const run = runId();
  const mails = benchMails(run, MACHINE, opts.mails);
  const deliverMs = await deliverAll(dovecot, ACCOUNTS.drain, mails, opts.lmtpConcurrency);
  const imap = await imapClient(dovecot, ACCOUNTS.drain);
  const doneFolder = hubDoneFolder(imap);
  const smtp = await startSmtpSink();
  try {
    const waiting = await countMessages(imap, 'INBOX');
    progress(`drain: ${MACHINE} registered, hub stopped; ${waiting} mails delivered in ${(deliverMs / 1000).toFixed(1)} s; starting the hub with mail on`);
    if (waiting !== opts.mails) throw new Error(`the inbox holds ${waiting} mails, not ${opts.mails}`);

    const t0 = performance.now();
    const hub = await startMailHub({ dataDir, token, cleanup, mail: { dovecot, account: ACCOUNTS.drain, smtp, pollS: POLL_S } });
    const hubReadyMs = performance.now() - t0;
    const result: DrainResult = { mails: opts.mails, deliverMs, hubReadyMs, tasksMs: null, filedMs: null, acksMs: null, allMs: null, timeline: [], hubCpuS: null, exactlyOnce: null, hubLog: {}, errors };
    const db = openHubDb(dataDir);
    try {
      let acks = 0;
      let seen = 0;
      let nextTimeline = 0;
      const deadline = t0 + opts.timeoutMs;
      for (;;) {
        // The sink's list only grows: count the new messages since the last look.
        for (; seen < smtp.messages.length; seen++) if (ackOf(smtp.messages[seen]!) !== undefined) acks++;
        const tasks = countTasks(db, MACHINE);
        const [inbox, filed] = [await countMessages(imap, 'INBOX'), await countMessages(imap, doneFolder)];
        const atMs = performance.now() - t0;
        if (tasks >= opts.mails) result.tasksMs ??= atMs;
        if (inbox === 0 && filed >= opts.mails) result.filedMs ??= atMs;
        if (acks >= opts.mails) result.acksMs ??= atMs;
        if (atMs >= nextTimeline) {
          result.timeline.push({ atMs: Math.round(atMs), tasks, inbox, filed, acks });
          if (result.timeline.length % 5 === 1) progress(`  ${(atMs / 1000).toFixed(1)} s: ${tasks} tasks, ${filed} filed (${inbox} in the inbox), ${acks} acks`);
          nextTimeline = atMs + 1000;
        }
        if (result.tasksMs !== null && result.filedMs !== null && result.acksMs !== null) {
          result.allMs = Math.max(result.tasksMs, result.filedMs, result.acksMs);
          result.hubCpuS = readCpuSeconds(hub.pid);
          result.timeline.push({ atMs: Math.round(atMs), tasks, inbox, filed, acks });
          break;
        }
        if (performance.now() > deadline) {
          errors.push(`not everything handled within ${opts.timeoutMs / 1000} s: ${tasks} tasks, ${filed} filed, ${acks} acks of ${opts.mails}`);
          result.hubCpuS = readCpuSeconds(hub.pid);
          break;
        }
        await sleep(SAMPLE_MS);
      }
      await sleep(SETTLE_MS);
    } finally {
      db.close();
      await hub.stop(10_000);
      for (const [k, v] of hub.logCounts) result.hubLog[k] = v;
    }
    result.exactlyOnce = await verifyExactlyOnce({ mails, stored: readStoredMail(dataDir, MACHINE, run), sink: smtp.messages, imap, inbox: 'INBOX', doneFolder });
    return result;
  } finally {
    await imap.logout().catch(() => imap.close());
    await smtp.close();
  }
}
