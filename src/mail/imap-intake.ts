import { setTimeout as sleep } from 'node:timers/promises';
import { ImapFlow } from 'imapflow';
import { fullJitterDelay } from '../common/backoff.js';
import { errorMessage } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { MailConfig } from './config.js';
import type { InboundHandler } from './inbound-handler.js';

/** The mailbox watcher. */
export interface ImapIntake {
  start(): void;
  stop(): Promise<void>;
  /** Resolves after the next full pass over the mailbox (tests, the benchmark). */
  settled(): Promise<void>;
  /** Passes completed since start. */
  readonly passes: number;
}

/**
 * Watches the mailbox with IMAP IDLE (and a poll every `pollS` as a fallback, since some servers drop IDLE quietly),
 * reconnecting with full-jitter backoff. Each message is handed to the handler once, then flagged \Seen and moved
 * to the done folder; mail not addressed to the fleet is left alone. The handler's records make this exactly once:
 * a message handled before a crash but not yet moved is only moved on the next pass.
 */
export function createImapIntake(deps: { imap: MailConfig['imap']; handler: InboundHandler; log: Logger }): ImapIntake {
  const { imap, handler, log } = deps;
  let stopped = false;
  let client: ImapFlow | undefined;
  let loop: Promise<void> | undefined;
  let passes = 0;
  let waiters: Array<() => void> = [];
  const foreign = new Set<string>();

  async function pass(c: ImapFlow): Promise<void> {
    const uidvalidity = Number(c.mailbox && typeof c.mailbox === 'object' ? c.mailbox.uidValidity : 0);
    const uids = ((await c.search({ all: true }, { uid: true })) || []) as number[];
    for (const uid of uids) {
      if (stopped) return;
      const key = `${uidvalidity}:${uid}`;
      if (foreign.has(key)) continue;
      const known = handler.known(imap.mailbox, uidvalidity, uid);
      let outcome = known?.outcome;
      if (!known) {
        const msg = await c.fetchOne(String(uid), { source: true }, { uid: true });
        if (!msg || !msg.source) continue;
        const result = await handler.handle({ mailbox: imap.mailbox, uidvalidity, uid, raw: msg.source });
        outcome = result;
        log.info({ uid, outcome: result }, 'mail handled');
      }
      if (outcome === 'foreign') {
        foreign.add(key);
        continue;
      }
      await c.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
      await c.messageMove(String(uid), imap.doneFolder, { uid: true });
      handler.filed(imap.mailbox, uidvalidity, uid);
    }
  }

  async function session(): Promise<void> {
    const c = new ImapFlow({ host: imap.host, port: imap.port, secure: imap.tls, auth: { user: imap.user, pass: imap.pass }, logger: false, emitLogs: false });
    client = c;
    c.on('error', (err: Error) => log.warn({ err: errorMessage(err) }, 'IMAP error'));
    await c.connect();
    try {
      await c.mailboxCreate(imap.doneFolder);
    } catch {
      // it exists already
    }
    const lock = await c.getMailboxLock(imap.mailbox);
    try {
      let again = false;
      let running = false;
      // A trigger while a pass runs asks for one more pass after it: new mail may have come in behind it.
      const run = async () => {
        again = true;
        if (running) return;
        running = true;
        try {
          while (again && !stopped) {
            again = false;
            await pass(c);
            passes++;
            const w = waiters;
            waiters = [];
            for (const resolve of w) resolve();
          }
        } finally {
          running = false;
        }
      };
      c.on('exists', () => void run().catch((err: unknown) => log.warn({ err: errorMessage(err) }, 'mail pass failed')));
      const poll = setInterval(() => void run().catch(() => undefined), imap.pollS * 1000);
      try {
        await run();
        await new Promise<void>((resolve) => {
          c.once('close', () => resolve());
          if (stopped) resolve();
        });
      } finally {
        clearInterval(poll);
      }
    } finally {
      try {
        lock.release();
      } catch {
        // the connection is gone
      }
    }
  }

  async function forever(): Promise<void> {
    let attempt = 0;
    while (!stopped) {
      const started = Date.now();
      try {
        await session();
      } catch (err) {
        log.warn({ err: errorMessage(err) }, 'IMAP session ended');
      }
      if (stopped) return;
      if (Date.now() - started > 60_000) attempt = 0;
      const wait = fullJitterDelay(attempt++, { baseMs: 1000, capMs: 60_000 });
      log.info({ retryInMs: wait }, 'reconnecting to IMAP');
      await sleep(wait);
    }
  }

  return {
    start() {
      loop ??= forever();
    },
    async stop() {
      stopped = true;
      try {
        await client?.logout();
      } catch {
        client?.close();
      }
      await loop;
    },
    settled() {
      return new Promise((resolve) => waiters.push(resolve));
    },
    get passes() {
      return passes;
    },
  };
}
