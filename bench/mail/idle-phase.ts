import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestDovecot } from '../../test/helpers/dovecot.js';
import { startSmtpSink } from '../../test/helpers/smtp-sink.js';
import type { Cleanup } from '../fleet/cleanup.js';
import { hubApi } from '../stream/hub-api.js';
import { benchMails, runId } from './bench-mail.js';
import { deliverOne } from './deliver.js';
import { ACCOUNTS } from './mail-servers.js';
import { startMailHub } from './mail-hub.js';
import { progress, messageOf } from './progress.js';
import { watchTasks } from './task-watch.js';
import { startWorker } from './worker-process.js';
import { ackOf } from './verify.js';

const MACHINE = 'w1';
/**
 * PIA_MAIL_POLL_S for this phase: an hour, so no sample can be picked up by the fallback poll and every one
 * measures the IDLE path.
 */
const POLL_S = 3600;
/** Mails sent first and not counted: the first pass, the worker's first agent start. */
const WARM_UP = 2;
/** After this many samples in a row that never became a task, the rest would only wait out their time-outs too. */
const GIVE_UP_AFTER = 3;

/** New mail, one at a time, to a hub with a worker attached. */
export interface IdleResult {
  samples: number;
  /** Per sample (ms): LMTP accepted -> `task.created` / -> `task.started` (state running), on the observers' socket. */
  toCreatedMs: number[];
  toRunningMs: number[];
  /** Per sample: `task.created` -> `task.started` (dispatch to the worker and the worker's report), ms. */
  createdToRunningMs: number[];
  /** Per sample: LMTP accepted -> the acknowledgement at the SMTP sink, ms. */
  toAckMs: number[];
  /** Samples that did not reach running within the time-out. */
  lost: number;
  /** Tasks per sample's token beyond the first (a mail acted on twice). */
  extraTasks: number;
  /** How the timed samples' tasks ended ('none': never seen to finish). */
  finalStates: Record<string, number>;
  hubLog: Record<string, number>;
  workerLog: Record<string, number>;
  errors: string[];
}

/**
 * A hub with the mail gateway on (IMAP IDLE; the fallback poll set to an hour) and one real worker process running
 * the fake agent. Mails to pia+w1 are delivered one at a time: each is timed from dovecot accepting it over LMTP to
 * its task's `task.started` event on the observers' socket; the next is sent `gapMs` after that task has finished.
 */
export async function runIdle(opts: { dovecot: TestDovecot; samples: number; gapMs: number; waitMs: number; dataDir: string; cleanup: Cleanup }): Promise<IdleResult> {
  const { dovecot, cleanup } = opts;
  const token = randomBytes(24).toString('base64url');
  const smtp = await startSmtpSink();
  const errors: string[] = [];
  const result: IdleResult = { samples: opts.samples, toCreatedMs: [], toRunningMs: [], createdToRunningMs: [], toAckMs: [], lost: 0, extraTasks: 0, finalStates: {}, hubLog: {}, workerLog: {}, errors };
  try {
    const hub = await startMailHub({ dataDir: path.join(opts.dataDir, 'hub'), token, cleanup, mail: { dovecot, account: ACCOUNTS.idle, smtp, pollS: POLL_S } });
    try {
      const api = hubApi(hub.httpUrl, token);
      const worker = await startWorker({ name: MACHINE, dir: path.join(opts.dataDir, 'worker'), linkUrl: hub.linkUrl, api, timeoutMs: 30_000, cleanup });
      const watch = await watchTasks(hub.httpUrl, token);
      try {
        progress(`idle: hub pid ${hub.pid}, worker ${MACHINE} online; ${WARM_UP} warm-up mails, then ${opts.samples} timed, ${opts.gapMs} ms apart`);
        const mails = benchMails(runId(), MACHINE, WARM_UP + opts.samples);
        let missedInRow = 0;
        for (const [i, mail] of mails.entries()) {
          const counted = i >= WARM_UP;
          const acceptedAt = await deliverOne(dovecot, ACCOUNTS.idle, mail);
          const ack = smtp.waitFor((m) => ackOf(m) === mail.messageId, opts.waitMs).then(
            () => performance.now(),
            () => null,
          );
          try {
            const t = await watch.waitFor(mail.token, 'startedAt', opts.waitMs);
            missedInRow = 0;
            if (counted) {
              result.toCreatedMs.push(t.createdAt - acceptedAt);
              result.toRunningMs.push(t.startedAt! - acceptedAt);
              result.createdToRunningMs.push(t.startedAt! - t.createdAt);
            }
            await watch.waitFor(mail.token, 'finishedAt', opts.waitMs);
          } catch (err) {
            if (counted) result.lost++;
            errors.push(`${counted ? 'sample' : 'warm-up'} ${mail.token}: ${messageOf(err)}`);
            if (++missedInRow >= GIVE_UP_AFTER) {
              errors.push(`stopped after ${GIVE_UP_AFTER} mails in a row that never became a running task`);
              result.lost += mails.length - i - 1;
              break;
            }
          }
          const ackAt = await ack;
          if (counted && ackAt !== null) result.toAckMs.push(ackAt - acceptedAt);
          await sleep(opts.gapMs);
        }
        for (const [i, mail] of mails.entries()) {
          result.extraTasks += Math.max(0, (watch.created.get(mail.token) ?? 0) - 1);
          if (i < WARM_UP) continue;
          const state = watch.times.get(mail.token)?.finalState ?? 'none';
          result.finalStates[state] = (result.finalStates[state] ?? 0) + 1;
        }
      } finally {
        watch.close();
        await worker.stop(5000);
        for (const [k, v] of worker.logCounts) result.workerLog[k] = v;
      }
    } finally {
      await hub.stop(10_000);
      for (const [k, v] of hub.logCounts) result.hubLog[k] = v;
    }
    return result;
  } finally {
    await smtp.close();
  }
}
