import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../src/common/logger.js';
import type { Cleanup } from '../fleet/cleanup.js';
import { fillRegistry } from '../power/registry-fill.js';
import type { ChatArgs } from './args.js';
import { startBenchHub, type BenchHub } from './hub.js';
import { messageOf, progress } from './progress.js';
import type { StatusResult } from './result.js';
import { startSlackSide, type SlackSide } from './slack-side-process.js';

/** The person typing the commands: a viewer by PIA_VIEWERS, which is all `status` needs. */
const USER = 'U1';
/** Commands sent before timing starts (Bolt's and the hub's first requests pay for lazy set-up). */
const WARM_UP = 5;

const answered = (ms: (number | null)[]): number[] => ms.filter((v): v is number => v !== null);

/**
 * Phase 3: a hub with `args.machines` registered machines and the real Slack adapter in HTTP mode on the hub's own
 * server. A separate process plays Slack: its fake Web API answers the adapter, and it POSTs signed `/pia status`
 * commands to /slack/events one after another (each once the previous answer was posted), then a burst at once.
 */
export async function runStatusPhase(args: ChatArgs, dir: string, log: Logger, cleanup: Cleanup): Promise<StatusResult> {
  const dataDir = path.join(dir, 'status-hub');
  mkdirSync(dataDir, { recursive: true });
  progress(`status: registering ${args.machines} machines`);
  // Machines as linked workers leave them (facts and all), then offline. Port 9 is never probed: the hub's periodic
  // probe is off in this benchmark.
  const listMs = fillRegistry(dataDir, args.machines, 9);
  progress(`status: machines.list() over them takes ${listMs.toFixed(0)} ms in-process`);

  const secret = randomBytes(16).toString('hex');
  let slack: SlackSide | undefined;
  let bench: BenchHub | undefined;
  try {
    const s = (slack = await startSlackSide(cleanup, 30_000));
    // The hub builds its Slack app (HTTP mode) from its configuration, as `npm start` does.
    bench = await startBenchHub({
      dataDir,
      env: { PIA_VIEWERS: `slack:${USER}`, SLACK_MODE: 'http', SLACK_BOT_TOKEN: s.botToken, SLACK_SIGNING_SECRET: secret, SLACK_API_URL: s.apiUrl },
      log,
    });
    const url = `${bench.httpUrl}/slack/events`;
    progress(`status: hub and Slack adapter (HTTP mode) up at ${url}; ${WARM_UP} warm-up commands, ${args.commands} timed, then ${args.burst} at once`);
    const r = await slack.run(
      { url, secret, user: USER, text: 'status', warmUp: WARM_UP, commands: args.commands, burst: args.burst },
      args.phaseTimeoutS * 1000,
      (sent) => progress(`  ${sent} commands`),
    );
    return {
      machines: args.machines,
      listMs,
      ackMs: r.ackMs,
      answerMs: answered(r.answerMs),
      statuses: r.statuses,
      lostAnswers: r.answerMs.length - answered(r.answerMs).length + r.burstAnswerMs.length - answered(r.burstAnswerMs).length,
      burstAckMs: r.burstAckMs,
      burstAnswerMs: answered(r.burstAnswerMs),
      slackCalls: r.calls,
      slackRateLimited: r.rateLimited,
      errors: [],
    };
  } finally {
    await bench?.pia.stop().catch((err: unknown) => progress(`status: hub stop failed: ${messageOf(err)}`));
    await slack?.stop();
  }
}
