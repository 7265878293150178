import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { fullJitterDelay, type BackoffOptions } from '../common/backoff.js';
import { errorMessage, PiaError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { CloseCode, fatalCloseCodes } from '../protocol/close-codes.js';
import { decodeHubMessage, encode } from '../protocol/codec.js';
import type { Facts } from '../protocol/facts.js';
import type { HubMessage, LinkAuth, WorkerMessage } from '../protocol/messages.js';
import type { LedgerEntry } from '../protocol/tasks.js';
import { PROTOCOL_VERSION } from '../protocol/messages.js';

type Welcome = Extract<HubMessage, { type: 'welcome' }>;

/** Settings and callbacks of a worker's link to its hub. */
export interface WorkerLinkOptions {
  url: string;
  log: Logger;
  /** The credential and facts for the next hello; asked anew on every connect (after a join it is the secret). */
  hello(): Promise<{ auth: LinkAuth; facts: Facts; maxTasks?: number; ledger?: LedgerEntry[] }>;
  /** Called with the hub's welcome before the link counts as up (persist a new secret here). */
  onWelcome(welcome: Welcome): void | Promise<void>;
  /** Every later message from the hub. */
  onMessage?(message: HubMessage): void;
  /** Called once the link is up (after the welcome was kept): replay what the hub has not had. */
  onUp?(): void;
  /** Called when a link goes down (for anything that must pause until the next welcome). */
  onDown?(): void;
  /** Extra TLS options: a CA for a self-signed hub. */
  tls?: { ca?: Buffer; checkServerIdentity?: () => boolean };
  backoff?: BackoffOptions;
  /** A link that stayed up this long resets the backoff. */
  healthyAfterMs?: number;
  maxFrameBytes?: number;
  random?: () => number;
}

/** A worker's link: connects, says hello, heartbeats, and reconnects forever with full-jitter backoff. */
export interface WorkerLink {
  /** Runs until {@link stop}; rejects only when the hub refuses the credential or protocol for good. */
  run(): Promise<void>;
  stop(): Promise<void>;
  /** Sends a message if linked; returns false when not linked. */
  send(message: WorkerMessage): boolean;
  /** Sends a binary output frame, already encoded (once, for spool and wire: see output-frame.ts). */
  sendOutput(frame: Buffer): boolean;
  /** Bytes queued on the socket and not yet written: for backpressure. */
  bufferedAmount(): number;
  readonly linked: boolean;
}

interface Outcome {
  code: number;
  reason: string;
  upMs: number;
}

/** How long after a hub's "shutting down" the backoff stays small, and how small (500 ms * 2^3 = 4 s at most). */
const RESTART_WINDOW_MS = 120_000;
const RESTART_MAX_ATTEMPT = 3;
/** The close code ws reports when the connection ended without a close frame. */
const ABNORMAL_CLOSURE = 1006;

/** Creates a worker link (not yet connected: call `run`). */
export function createWorkerLink(opts: WorkerLinkOptions): WorkerLink {
  // A short base: after a hub restart the first tries fail while it comes back, and each failure doubles the wait.
  const backoff = opts.backoff ?? { baseMs: 500, capMs: 60_000 };
  const healthyAfterMs = opts.healthyAfterMs ?? 10_000;
  const stopper = new AbortController();
  let socket: WebSocket | undefined;
  let linked = false;
  let running: Promise<void> | undefined;

  function connectOnce(): Promise<Outcome> {
    return new Promise((resolve) => {
      let welcomedAt = 0;
      let heartbeat: NodeJS.Timeout | undefined;
      let pongSinceTick = true;
      const ws = new WebSocket(opts.url, {
        handshakeTimeout: 10_000,
        maxPayload: opts.maxFrameBytes ?? 16 * 1024 * 1024,
        perMessageDeflate: false,
        // An all-zero masking key: ws then skips XOR-ing every payload byte here and on the hub. Masking protects
        // proxies from scripts in browsers that forge requests inside frames; a worker is not a browser, and over
        // wss:// no proxy can read the frames anyway. Task output is most of the bytes, so this is CPU saved twice.
        generateMask: (mask: Buffer) => void mask.fill(0),
        ...opts.tls,
      });
      socket = ws;

      ws.on('open', async () => {
        try {
          const hello = await opts.hello();
          ws.send(encode({ type: 'hello', protocol: PROTOCOL_VERSION, ...hello }));
        } catch (err) {
          opts.log.error({ err: errorMessage(err) }, 'cannot prepare hello');
          ws.close(1011, 'worker error');
        }
      });

      ws.on('pong', () => (pongSinceTick = true));

      ws.on('message', async (data, isBinary) => {
        if (isBinary) return ws.close(CloseCode.binaryFrame, 'the hub sends no binary frames');
        const decoded = decodeHubMessage(data.toString());
        if (!decoded.ok) {
          opts.log.warn({ code: decoded.code, reason: decoded.reason }, 'bad frame from hub');
          return ws.close(decoded.code, decoded.reason);
        }
        const msg = decoded.message;
        if (msg.type === 'welcome') {
          try {
            await opts.onWelcome(msg);
          } catch (err) {
            opts.log.error({ err: errorMessage(err) }, 'cannot keep the welcome (state dir not writable?)');
            return ws.close(1011, 'worker could not store its credential');
          }
          welcomedAt = Date.now();
          linked = true;
          opts.log.info({ machine: msg.machine, hub: opts.url }, 'linked to hub');
          opts.onUp?.();
          heartbeat = setInterval(() => {
            // No pong since the last beat: the TCP path is dead even if no FIN arrived. Drop it and reconnect.
            if (!pongSinceTick) {
              opts.log.warn('hub stopped answering; reconnecting');
              return ws.terminate();
            }
            pongSinceTick = false;
            ws.send(encode({ type: 'heartbeat', at: Date.now() }));
            ws.ping();
          }, msg.heartbeatS * 1000);
          return;
        }
        opts.onMessage?.(msg);
      });

      ws.on('error', (err) => opts.log.debug({ err: errorMessage(err) }, 'link error'));

      ws.on('close', (code, reasonBuf) => {
        clearInterval(heartbeat);
        const wasLinked = linked;
        linked = false;
        socket = undefined;
        if (wasLinked) opts.onDown?.();
        resolve({ code, reason: reasonBuf.toString(), upMs: welcomedAt ? Date.now() - welcomedAt : 0 });
      });
    });
  }

  async function loop(): Promise<void> {
    let attempt = 0;
    let restartWindowUntil = 0;
    while (!stopper.signal.aborted) {
      const outcome = await connectOnce();
      if (stopper.signal.aborted) return;
      if (fatalCloseCodes.has(outcome.code)) {
        throw new PiaError('link_refused', `The hub refused this worker: ${outcome.reason || `close code ${outcome.code}`}`);
      }
      if (outcome.upMs >= healthyAfterMs) attempt = 0;
      // A hub that said it is shutting down is most likely restarting: for a while, keep retrying within a small
      // window (still fully jittered, so the fleet's reconnects spread out) instead of backing off towards a minute
      // while it comes back.
      // The same when a link that had been healthy drops without any close frame (1006): the hub's process died
      // (killed, crashed, its machine rebooted) and is most likely coming back. Backing off towards a minute here
      // kept a 19,000-worker fleet from being whole for about a minute after a hub SIGKILL.
      const hubVanished = outcome.code === ABNORMAL_CLOSURE && outcome.upMs >= healthyAfterMs;
      if (outcome.code === CloseCode.hubShutdown || hubVanished) {
        attempt = 0;
        restartWindowUntil = Date.now() + RESTART_WINDOW_MS;
      }
      if (Date.now() < restartWindowUntil) attempt = Math.min(attempt, RESTART_MAX_ATTEMPT);
      const delay = fullJitterDelay(attempt++, backoff, opts.random);
      opts.log.info({ code: outcome.code, reason: outcome.reason || undefined, retryInMs: delay }, 'link down; reconnecting');
      try {
        await sleep(delay, undefined, { signal: stopper.signal });
      } catch {
        return; // stopped while waiting
      }
    }
  }

  /** Sends a text frame (JSON) or a binary one (task output) if linked. */
  function sendFrame(frame: string | Buffer): boolean {
    if (!linked || !socket || socket.readyState !== WebSocket.OPEN) return false;
    socket.send(frame, { binary: typeof frame !== 'string' });
    return true;
  }

  return {
    run() {
      running ??= loop();
      return running;
    },
    async stop() {
      stopper.abort();
      const ws = socket;
      if (ws) {
        const closed = new Promise((r) => ws.once('close', r));
        ws.close(1000, 'worker stopping');
        const timer = setTimeout(() => ws.terminate(), 2000);
        await closed;
        clearTimeout(timer);
      }
      await running?.catch(() => undefined);
    },
    send: (message) => sendFrame(encode(message)),
    sendOutput: (frame) => sendFrame(frame),
    bufferedAmount() {
      return socket?.bufferedAmount ?? 0;
    },
    get linked() {
      return linked;
    },
  };
}
