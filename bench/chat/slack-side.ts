/**
 * Child-process entry: Slack's side of the status phase. It runs the fake Web API the adapter talks to, and sends
 * the signed slash commands a person would type, timing each on its own clock. It must be another process:
 * a client in the hub's process could not read an acknowledgement while the hub's event loop is busy with the
 * work that follows it, and would charge that work to the acknowledgement.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { startFakeSlackApi, type FakeSlackApi } from './fake-slack-api.js';
import { commandBody, postSigned } from './slack-command.js';
import { FromSlackSide, ToSlackSide, type SlackSideResult } from './slack-side-ipc.js';

/** Slack gives up on an acknowledgement after 3 s; wait a little longer to see a late one. */
const ACK_TIMEOUT_MS = 5000;
const ANSWER_TIMEOUT_MS = 15_000;

type Run = Extract<ToSlackSide, { type: 'run' }>;

function send(message: FromSlackSide): void {
  process.send?.(FromSlackSide.parse(message));
}

/**
 * Sends one command, typed in `channel`, and waits for its answer there. A channel per command keeps the answers
 * from being held back by PIA's per-channel pacing (about one message a second per channel).
 */
async function command(fake: FakeSlackApi, run: Run, agent: http.Agent, channel: string, statuses: Record<string, number> | undefined) {
  const body = commandBody({ text: run.text, channel, user: run.user, trigger: randomBytes(8).toString('hex') });
  const t0 = performance.now();
  let ackMs = NaN;
  let status = 'no answer';
  try {
    const ack = await postSigned(run.url, run.secret, body, agent, ACK_TIMEOUT_MS);
    ackMs = ack.ms;
    status = String(ack.status);
  } catch {
    // counted below as 'no answer'
  }
  if (statuses) statuses[status] = (statuses[status] ?? 0) + 1;
  let answerMs: number | null = null;
  try {
    answerMs = (await fake.answerIn(channel, ANSWER_TIMEOUT_MS)).at - t0;
  } catch {
    // no answer: null
  }
  return { ackMs, answerMs };
}

async function runCommands(fake: FakeSlackApi, run: Run): Promise<SlackSideResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: Math.max(1, run.burst) });
  try {
    for (let i = 1; i <= run.warmUp; i++) await command(fake, run, agent, `CWARM${i}`, undefined);
    const statuses: Record<string, number> = {};
    const ackMs: number[] = [];
    const answerMs: (number | null)[] = [];
    // One after another: each once the previous answer has been posted, so every ack meets an idle hub.
    for (let i = 1; i <= run.commands; i++) {
      const r = await command(fake, run, agent, `CSTAT${String(i).padStart(5, '0')}`, statuses);
      ackMs.push(r.ackMs);
      answerMs.push(r.answerMs);
      if (i % 50 === 0) send({ type: 'progress', sent: i });
    }
    // Then a burst: several people at once.
    const burst = await Promise.all(Array.from({ length: run.burst }, (_, i) => command(fake, run, agent, `CBURST${i + 1}`, statuses)));
    return {
      ackMs,
      answerMs,
      burstAckMs: burst.map((b) => b.ackMs),
      burstAnswerMs: burst.map((b) => b.answerMs),
      statuses,
      calls: { ...fake.calls },
      rateLimited: fake.rateLimited,
    };
  } finally {
    agent.destroy();
  }
}

const fake = await startFakeSlackApi();

process.on('message', (raw: unknown) => {
  const parsed = ToSlackSide.safeParse(raw);
  if (!parsed.success) return send({ type: 'error', message: `bad IPC message: ${parsed.error.message}` });
  const msg = parsed.data;
  switch (msg.type) {
    case 'run':
      return void runCommands(fake, msg).then(
        (result) => send({ type: 'done', result }),
        (err: unknown) => send({ type: 'error', message: err instanceof Error ? err.message : String(err) }),
      );
    case 'stop':
      return void fake.close().finally(() => process.exit(0));
  }
});

// The benchmark went away (crashed, killed): never outlive it.
process.on('disconnect', () => process.exit(0));

send({ type: 'ready', apiUrl: fake.apiUrl, botToken: fake.botToken });
