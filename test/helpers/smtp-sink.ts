import { EventEmitter } from 'node:events';
import type net from 'node:net';
import { createTransport } from 'nodemailer';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

/** One message the sink accepted, as the sender's SMTP client handed it over. */
export interface SinkMessage {
  envelope: { from: string; to: string[] };
  /** The message exactly as received after DATA (CRLF line ends, dot-unstuffed). */
  raw: string;
  at: Date;
  /** The AUTH user name, when the client authenticated. */
  user?: string;
  /** The recipients dovecot accepted over LMTP, when forwarding; unknown mailboxes are left out, not failed. */
  forwarded?: string[];
}

/**
 * A real SMTP server (the smtp-server package) on a loopback port that records what it is sent (TESTING.md,
 * "SMTP: the smtp-server package"). Plain text only: STARTTLS is off, so clients need `ignoreTLS: true`; AUTH
 * PLAIN/LOGIN is accepted with any password, and optional.
 */
export interface TestSmtp {
  host: '127.0.0.1';
  port: number;
  /** Accepted messages, oldest first. Messages answered with 451 (`failFirst`) are not in here. */
  messages: SinkMessage[];
  /** Connection errors smtp-server reported (a client hanging up mid-session, say), oldest first. */
  errors: Error[];
  /** How many messages have been answered with a temporary failure so far. */
  readonly failed: number;
  /** Resolves with the first accepted message (already received or still to come) that matches. */
  waitFor(predicate: (msg: SinkMessage) => boolean, timeoutMs?: number): Promise<SinkMessage>;
  close(): Promise<void>;
}

/** Options of {@link startSmtpSink}. */
export interface SmtpSinkOptions {
  /**
   * Relay every accepted message into this dovecot LMTP port (see startDovecot) before accepting it, so that
   * when the sender's send resolves the reply already sits in a real mailbox. A temporary LMTP failure is
   * passed back to the sender as 451.
   */
  forwardTo?: { lmtpPort: number };
  /** Answer the first N messages with "451 temporary failure" at the end of DATA, to exercise retries. */
  failFirst?: number;
}

/** An SMTP reply error: smtp-server sends `responseCode` and the message to the client. */
function smtpError(code: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode: code });
}

function readAll(stream: SMTPServerDataStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });
}

/** Relays one message into dovecot over LMTP; returns the recipients it took. */
async function forward(lmtpPort: number, envelope: SinkMessage['envelope'], raw: Buffer): Promise<string[]> {
  const transport = createTransport({ host: '127.0.0.1', port: lmtpPort, lmtp: true, ignoreTLS: true });
  try {
    const info = await transport.sendMail({ envelope: { from: envelope.from || 'mailer-daemon@example.test', to: envelope.to }, raw });
    return info.accepted;
  } catch (err) {
    // Every recipient refused permanently (no such mailbox): the sink still takes the message, like a relay
    // that accepted it, and records that nothing was forwarded. Anything else is the sender's problem: 451.
    const code = (err as { responseCode?: number }).responseCode;
    if ((err as { code?: string }).code === 'EENVELOPE' && code !== undefined && code >= 500) return [];
    throw err;
  } finally {
    transport.close();
  }
}

/** Starts the sink on 127.0.0.1 and a free port. Close it in `afterAll`. */
export async function startSmtpSink(opts: SmtpSinkOptions = {}): Promise<TestSmtp> {
  const messages: SinkMessage[] = [];
  const arrivals = new EventEmitter();
  const errors: Error[] = [];
  let failed = 0;
  let received = 0;

  async function onMessage(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<void> {
    const raw = await readAll(stream);
    // Numbered as DATA ends, before forwarding awaits, so two concurrent senders still see exactly failFirst 451s.
    const attempt = ++received;
    if (attempt <= (opts.failFirst ?? 0)) {
      failed++;
      throw smtpError(451, `temporary failure ${attempt} of ${opts.failFirst}, try again later`);
    }
    const { mailFrom, rcptTo } = session.envelope;
    const envelope = { from: mailFrom === false ? '' : mailFrom.address, to: rcptTo.map((r) => r.address) };
    const msg: SinkMessage = { envelope, raw: raw.toString('utf8'), at: new Date() };
    if (typeof session.user === 'string') msg.user = session.user;
    if (opts.forwardTo) {
      try {
        msg.forwarded = await forward(opts.forwardTo.lmtpPort, envelope, raw);
      } catch (err) {
        throw smtpError(451, `forwarding into dovecot failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    messages.push(msg);
    arrivals.emit('message', msg);
  }

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    // The sink speaks plain text on loopback only; without this smtp-server refuses AUTH before STARTTLS.
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    // Don't let a client that never QUITs hold up afterAll for the default 30 s.
    closeTimeout: 1000,
    onAuth(auth, _session, callback) {
      callback(null, { user: auth.username });
    },
    onData(stream, session, callback) {
      onMessage(stream, session).then(
        () => callback(),
        (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
      );
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  // A client hanging up mid-session makes smtp-server emit 'error'; unheard, that would crash the test run,
  // so it is kept for a test to inspect instead.
  server.on('error', (err) => errors.push(err));
  const { port } = server.server.address() as net.AddressInfo;

  return {
    host: '127.0.0.1',
    port,
    messages,
    errors,
    get failed() {
      return failed;
    },
    waitFor(predicate, timeoutMs = 5000) {
      const found = messages.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const onArrival = (msg: SinkMessage): void => {
          if (!predicate(msg)) return;
          clearTimeout(timer);
          arrivals.off('message', onArrival);
          resolve(msg);
        };
        const timer = setTimeout(() => {
          arrivals.off('message', onArrival);
          reject(new Error(`no matching message at the SMTP sink within ${timeoutMs} ms (${messages.length} received)`));
        }, timeoutMs);
        arrivals.on('message', onArrival);
      });
    },
    close() {
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
