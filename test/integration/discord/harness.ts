import { EventEmitter } from 'node:events';
import { createDiscordAdapter, type DiscordAdapter } from '../../../src/bot/discord/discord-adapter.js';
import type { BotCore, ButtonPress, ChatPort, Inbound } from '../../../src/bot/port.js';
import { silentLogger } from '../../../src/common/logger.js';
import { startFakeDiscord, type FakeDiscord } from '../../helpers/fake-discord.js';

/** A BotCore that records what it is handed and, per test, answers through the port it was given. */
export function recordingCore() {
  const handled: { inbound: Inbound; port: ChatPort }[] = [];
  const pressed: { press: ButtonPress; port: ChatPort }[] = [];
  const changes = new EventEmitter();
  let answer: (inbound: Inbound, port: ChatPort) => Promise<void> = async () => {};
  const core: BotCore = {
    async handle(inbound, port) {
      handled.push({ inbound, port });
      changes.emit('change');
      try {
        await answer(inbound, port);
      } finally {
        // What the answer did (a post it made) is something a test may be waiting for too.
        changes.emit('change');
      }
    },
    async press(press, port) {
      pressed.push({ press, port });
      changes.emit('change');
    },
  };
  return {
    core,
    handled,
    pressed,
    /** What the core does with each command from now on. */
    answerWith(fn: (inbound: Inbound, port: ChatPort) => Promise<void>): void {
      answer = fn;
    },
    /** Resolves with `pick()` once it is defined; rejects after `timeoutMs`. */
    waitFor<T>(pick: () => T | undefined, timeoutMs = 5000): Promise<T> {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const value = pick();
          if (value === undefined) return;
          clearTimeout(timer);
          changes.off('change', check);
          resolve(value);
        };
        const timer = setTimeout(() => {
          changes.off('change', check);
          reject(new Error(`core: nothing matching within ${timeoutMs} ms`));
        }, timeoutMs);
        changes.on('change', check);
        check();
      });
    },
  };
}

/** A settable clock shared by the fake and the adapter: `skew` moves both forward together. */
export function skewableClock() {
  const clock = { skew: 0, now: () => Date.now() + clock.skew };
  return clock;
}

/** The fake Discord, a real discord.js client on it through the adapter, and a recording core. */
export interface DiscordRig {
  fake: FakeDiscord;
  rec: ReturnType<typeof recordingCore>;
  adapter: DiscordAdapter;
  close(): Promise<void>;
}

/** Starts the fake and the adapter and waits (bounded) until the client is ready on the gateway. */
export async function startRig(opts: { now?: () => number; machineNames?: () => string[]; agentNames?: (machine?: string) => string[] } = {}): Promise<DiscordRig> {
  const fake = await startFakeDiscord({ now: opts.now });
  const rec = recordingCore();
  const adapter = createDiscordAdapter({
    token: fake.token,
    applicationId: fake.applicationId,
    apiUrl: fake.apiUrl,
    core: rec.core,
    log: silentLogger(),
    machineNames: opts.machineNames,
    ...(opts.agentNames ? { agentNames: opts.agentNames } : {}),
    now: opts.now,
  });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('discord.js client not ready within 10 s')), 10_000);
  });
  try {
    await Promise.race([adapter.start(), deadline]);
  } catch (err) {
    await adapter.stop();
    await fake.close();
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return {
    fake,
    rec,
    adapter,
    async close() {
      await adapter.stop();
      await fake.close();
    },
  };
}

/** Calls the fake's REST API directly, as another client with the same bot token would. */
export async function rawRest(fake: FakeDiscord, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${fake.apiUrl}/v10${path}`, {
    method,
    headers: { authorization: `Bot ${fake.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}
