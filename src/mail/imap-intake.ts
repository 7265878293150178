import { setTimeout as sleep } from 'node:timers/promises';
import { ImapFlow } from 'imapflow';
import { fullJitterDelay } from '../common/backoff.js';
import { errorMessage } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { MailConfig } from './config.js';
import type { InboundHandler } from './inbound-handler.js';
import { HEADER_MAX_BYTES } from './too-big.js';

/** Most messages read with one FETCH. */
const BATCH_MESSAGES = 50;
/** Most bytes of message sources held at once; a bigger message is read on its own. */
const BATCH_BYTES = 8 * 1024 * 1024;

/** Each message's size as the server reports it (RFC822.SIZE), read with one FETCH. */
async function sizesOf(c: ImapFlow, uids: number[]): Promise<Map<number, number>> {
  const size = new Map<number, number>();
  if (uids.length === 0) return size;
  for (const m of await c.fetchAll(uids, { uid: true, size: true }, { uid: true })) size.set(m.uid, m.size ?? 0);
  return size;
}

/**
 * Splits UIDs into runs of at most BATCH_MESSAGES messages and BATCH_BYTES bytes. A message over the size limit
 * counts for its header only, as that is all that is read of it.
 */
function batches(uids: number[], size: Map<number, number>, maxBytes: number): number[][] {
  if (uids.length === 0) return [];
  const out: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  for (const uid of uids) {
    const whole = size.get(uid) ?? 0;
    const n = whole > maxBytes ? HEADER_MAX_BYTES : whole;
    if (current.length > 0 && (current.length >= BATCH_MESSAGES || bytes + n > BATCH_BYTES)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(uid);
    bytes += n;
  }
  out.push(current);
  return out;
}

/** One message as read: whole, or only its header block when it is over the size limit. */
type Fetched = { uid: number; raw: Buffer; size: number; headersOnly: boolean };

/**
 * Reads a batch: the source of messages within `maxBytes` (asked for with that bound too, should the reported size
 * be wrong), and only the header block (bounded) of the others, so a huge message is never downloaded.
 */
async function fetchBatch(c: ImapFlow, batch: number[], size: Map<number, number>, maxBytes: number): Promise<Fetched[]> {
  const big = batch.filter((uid) => (size.get(uid) ?? 0) > maxBytes);
  const small = batch.filter((uid) => !big.includes(uid));
  const out: Fetched[] = [];
  if (small.length > 0) {
    for (const m of await c.fetchAll(small, { uid: true, source: { maxLength: maxBytes + 1 } }, { uid: true })) {
      if (m.source) out.push({ uid: m.uid, raw: m.source, size: Math.max(size.get(m.uid) ?? 0, m.source.length), headersOnly: false });
    }
  }
  if (big.length > 0) {
    for (const m of await c.fetchAll(big, { uid: true, bodyParts: [{ key: 'header', maxLength: HEADER_MAX_BYTES }] }, { uid: true })) {
      if (m.headers) out.push({ uid: m.uid, raw: m.headers, size: size.get(m.uid) ?? 0, headersOnly: true });
    }
  }
  // In UID order, which is arrival order: a reply must find the task of the mail it answers.
  return out.sort((a, b) => a.uid - b.uid);
}

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
 * to the done folder; mail not addressed to the fleet is left alone. A message over `maxBytes` is not downloaded: only
 * its header block is read, which is enough to record it, file it and tell an authenticated sender why. The handler's records make this exactly once:
 * a message handled before a crash but not yet moved is only moved on the next pass.
 */
export function createImapIntake(deps: { imap: MailConfig['imap']; maxBytes: number; handler: InboundHandler; log: Logger }): ImapIntake {
  const { imap, maxBytes, handler, log } = deps;
  let stopped = false;
  let client: ImapFlow | undefined;
  let loop: Promise<void> | undefined;
  let passes = 0;
  let waiters: Array<() => void> = [];
  const foreign = new Set<string>();
  /** Handled mail the server would not move: reported once, tried again after a reconnect, never acted on again. */
  const unmovable = new Set<string>();
  /** The done folder in the server's hierarchy: `PIA/Done` is `PIA.Done` where the separator is a dot (dovecot). */
  let doneFolder = imap.doneFolder;

  /**
   * Flags and moves messages the handler has recorded, in one STORE and one MOVE: the records come first, so a crash
   * between the two only leaves them to be moved by the next pass.
   */
  async function file(c: ImapFlow, uidvalidity: number, uids: number[]): Promise<void> {
    const movable = uids.filter((uid) => !unmovable.has(`${uidvalidity}:${uid}`));
    if (movable.length === 0) return;
    await c.messageFlagsAdd(movable, ['\\Seen'], { uid: true });
    // imapflow reports a refused MOVE by returning false, not by throwing.
    if (!(await c.messageMove(movable, doneFolder, { uid: true }))) {
      for (const uid of movable) unmovable.add(`${uidvalidity}:${uid}`);
      log.error({ folder: doneFolder, messages: movable.length }, 'the server would not move handled mail to the done folder (PIA_MAIL_DONE_FOLDER); it stays in the inbox, not acted on again');
      return;
    }
    for (const uid of movable) handler.filed(imap.mailbox, uidvalidity, uid);
  }

  async function pass(c: ImapFlow): Promise<void> {
    const uidvalidity = Number(c.mailbox && typeof c.mailbox === 'object' ? c.mailbox.uidValidity : 0);
    const uids = ((await c.search({ all: true }, { uid: true })) || []) as number[];
    const unread: number[] = [];
    const handledBefore: number[] = [];
    for (const uid of uids) {
      const key = `${uidvalidity}:${uid}`;
      if (foreign.has(key)) continue;
      const known = handler.known(imap.mailbox, uidvalidity, uid);
      if (!known) unread.push(uid);
      else if (known.outcome === 'foreign') foreign.add(key);
      else handledBefore.push(uid);
    }
    if (stopped) return;
    await file(c, uidvalidity, handledBefore);
    // One command per batch rather than three per message: on a backlog the round trips, not the handling, were
    // most of the time (1,000 mails: about 10 s of FETCH, STORE and MOVE one by one on loopback).
    const size = await sizesOf(c, unread);
    for (const batch of batches(unread, size, maxBytes)) {
      if (stopped) return;
      const handled: number[] = [];
      for (const msg of await fetchBatch(c, batch, size, maxBytes)) {
        if (stopped) return; // what was handled is recorded: the next start moves it
        const outcome = await handler.handle({ mailbox: imap.mailbox, uidvalidity, ...msg });
        log.info({ uid: msg.uid, outcome }, 'mail handled');
        if (outcome === 'foreign') foreign.add(`${uidvalidity}:${msg.uid}`);
        else handled.push(msg.uid);
      }
      await file(c, uidvalidity, handled);
    }
  }

  async function session(): Promise<void> {
    const c = new ImapFlow({ host: imap.host, port: imap.port, secure: imap.tls, auth: { user: imap.user, pass: imap.pass }, logger: false, emitLogs: false });
    client = c;
    c.on('error', (err: Error) => log.warn({ err: errorMessage(err) }, 'IMAP error'));
    await c.connect();
    doneFolder = imap.doneFolder.split('/').join(c.namespace?.delimiter || '/');
    unmovable.clear();
    try {
      await c.mailboxCreate(doneFolder); // resolves when it exists already
    } catch (err) {
      log.error({ folder: doneFolder, err: errorMessage(err) }, 'cannot create the done folder (PIA_MAIL_DONE_FOLDER); handled mail will stay in the inbox');
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
          // imapflow only enters IDLE by itself when no mailbox lock is held, and this session holds its lock for
          // as long as it lives: without this call the server never pushes new mail, and it waits for the poll.
          // Any command (the next pass) ends the IDLE, so it is started again after every pass.
          if (!stopped && c.usable) void c.idle().catch((err: unknown) => log.debug({ err: errorMessage(err) }, 'IMAP IDLE ended'));
        }
      };
      c.on('exists', () => void run().catch((err: unknown) => log.warn({ err: errorMessage(err) }, 'mail pass failed')));
      const poll = setInterval(() => void run().catch((err: unknown) => log.warn({ err: errorMessage(err) }, 'mail poll failed; trying again at the next poll')), imap.pollS * 1000);
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
