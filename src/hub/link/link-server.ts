import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { errorMessage, PiaError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { CloseCode } from '../../protocol/close-codes.js';
import { decodeWorkerMessage } from '../../protocol/codec.js';
import { decodeOutputFrame, type OutputFrame } from '../../protocol/output-frame.js';
import { PROTOCOL_VERSION, type WorkerMessage } from '../../protocol/messages.js';
import type { EventBus } from '../events.js';
import type { HubMetrics } from '../metrics.js';
import type { AuditLog } from '../registry/audit.js';
import type { CredentialStore } from '../registry/credentials.js';
import type { MachineStore } from '../registry/machines.js';
import { guardConnection } from './connection-guard.js';
import { admit } from './handshake.js';
import { createLink, type Link } from './link.js';
import { createLogBudget } from './log-budget.js';
import type { RefusedType } from './worker-messages.js';

/** Settings of the worker link server. */
export interface LinkServerOptions {
  heartbeatMs: number;
  offlineAfterMs: number;
  helloTimeoutMs: number;
  maxFrameBytes: number;
  /** How often last-seen times are written to SQLite (they are kept in memory in between). */
  lastSeenFlushMs?: number;
  /** How long a connection failed for a bad frame may linger before its socket is destroyed (default 500 ms). */
  closeDeadlineMs?: number;
  /** Warnings a peer can provoke (refusals, bad frames) are logged at most this often per second (default 10). */
  warnPerSecond?: number;
}

/** What a worker said in its hello, for modules that act when it links (the task dispatcher). */
export type Hello = Extract<WorkerMessage, { type: 'hello' }>;

/** The hub's end of the worker links. */
export interface LinkServer {
  /** Hands an HTTP upgrade request for the link path to the server. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** The link of a machine, if linked. */
  get(machineId: number): Link | undefined;
  /** Every link. */
  links(): IterableIterator<Link>;
  count(): number;
  /**
   * Records that a handler refused a message it may not act on (another machine's task, a finished task): counted
   * in metrics every time, logged at a bounded rate, since a peer can send such messages as fast as it likes.
   */
  refused(link: Link, type: RefusedType, reason: string, detail?: Record<string, unknown>): void;
  /** Calls `listener` each time a worker links, after its welcome. */
  onLinked(listener: (link: Link, hello: Hello) => void): void;
  /** Closes a machine's link (revoked, removed). */
  disconnect(machineId: number, code: number, reason: string): void;
  /** Closes every link and stops the timers. */
  close(): Promise<void>;
}

/**
 * Creates the link server: handshake (the first frame must be a hello with a valid credential, within a
 * deadline), heartbeats, liveness, and routing of later messages. A bad frame closes only its own link, with a
 * close code naming the fault; from then on nothing that connection sends is read or handled, and the fault is
 * counted once and logged within a rate budget. The hub goes on serving everyone else.
 */
export function createLinkServer(deps: {
  options: LinkServerOptions;
  log: Logger;
  bus: EventBus;
  machines: MachineStore;
  credentials: CredentialStore;
  audit: AuditLog;
  metrics: () => HubMetrics;
  /**
   * Each message from a linked worker (after its hello), for the hub's routing. A returned string is a protocol
   * violation: the link is closed with it.
   */
  onMessage: (link: Link, message: WorkerMessage) => string | undefined;
  /** Each chunk of task output from a linked worker (a binary frame, decoded and checked). */
  onOutput: (link: Link, chunk: OutputFrame) => void;
  nowMs?: () => number;
  /** The clock liveness is judged by; monotonic, so stepping the wall clock marks no machine offline. */
  monoMs?: () => number;
}): LinkServer {
  const { options, log, bus, machines } = deps;
  // Read at each call (not a saved reference to Date.now), so the process's current wall clock is what people see.
  const nowMs = deps.nowMs ?? (() => Date.now());
  const monoMs = deps.monoMs ?? (() => performance.now());
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxFrameBytes, perMessageDeflate: false });
  const links = new Map<number, Link>();
  const linkedListeners: Array<(link: Link, hello: Hello) => void> = [];
  const dirtySeen = new Map<number, number>();
  // One budget for every warning a peer can provoke: a flood of bad connections must not flood the log.
  const warn = createLogBudget(log, { perSecond: options.warnPerSecond ?? 10, burst: 2 * (options.warnPerSecond ?? 10) });
  let closing = false;

  function onConnection(ws: WebSocket, req: IncomingMessage): void {
    const address = req.socket.remoteAddress ?? null;
    const guard = guardConnection(ws, req.socket, options.closeDeadlineMs ?? 500);
    let link: Link | undefined;
    const helloTimer = setTimeout(
      () => refuse(CloseCode.helloTimeout, `no hello within ${options.helloTimeoutMs} ms`, 'hello_timeout'),
      options.helloTimeoutMs,
    );

    /** Fails the connection once; false when it had already failed. */
    function stop(code: number, reason: string): boolean {
      clearTimeout(helloTimer);
      return guard.fail(code, reason);
    }

    function refuse(code: number, reason: string, metricReason: string): void {
      if (!stop(code, reason)) return;
      deps.metrics().handshakesRefused.inc({ reason: metricReason });
      warn.warn({ address, code, reason }, 'worker link refused');
      bus.emit('link.refused', { reason, address });
    }

    function fault(code: number, reason: string): void {
      if (!link) return refuse(code, reason, faultName(code));
      if (!stop(code, reason)) return;
      deps.metrics().linkFaults.inc({ reason: faultName(code) });
      warn.warn({ machine: link.machine, address, code, reason }, 'closing worker link: bad frame');
    }

    ws.on('error', (err) => {
      // ws reports over-size frames, invalid UTF-8 and protocol errors here, and fails the connection itself
      // (1009, 1007, 1002): count and log it once, and bound how long the socket may linger.
      clearTimeout(helloTimer);
      if (!guard.failedByLibrary()) return;
      warn.warn({ address, machine: link?.machine, err: errorMessage(err) }, 'worker link error');
      if (!link) deps.metrics().handshakesRefused.inc({ reason: 'socket_error' });
      else deps.metrics().linkFaults.inc({ reason: 'socket_error' });
    });

    ws.on('message', (data: RawData, isBinary: boolean) => {
      // Frames already read when the connection failed are still emitted by ws: none of them is handled.
      if (guard.failed) return;
      if (isBinary) return onBinary(data);
      const decoded = decodeWorkerMessage(data.toString());
      if (!decoded.ok) return fault(decoded.code, decoded.reason);
      const msg = decoded.message;
      if (!link) {
        if (msg.type !== 'hello') return fault(CloseCode.protocolViolation, `expected hello, got ${msg.type}`);
        clearTimeout(helloTimer);
        return onHello(msg);
      }
      seen(link);
      let violation: string | undefined;
      try {
        violation = deps.onMessage(link, msg);
      } catch (err) {
        log.error({ err, machine: link.machine, type: msg.type }, 'link message handler failed');
      }
      if (violation) fault(CloseCode.protocolViolation, violation);
    });

    /** A binary frame: task output, and only from a linked worker. No JSON, no zod: a header checked field by field. */
    function onBinary(data: RawData): void {
      if (!link) return fault(CloseCode.binaryFrame, 'a binary frame before the hello: only task output is binary, once linked');
      const decoded = decodeOutputFrame(Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data));
      if (!decoded.ok) return fault(decoded.code, decoded.reason);
      seen(link);
      try {
        deps.onOutput(link, decoded.message);
      } catch (err) {
        log.error({ err, machine: link.machine }, 'link output handler failed');
      }
    }

    ws.on('close', () => {
      clearTimeout(helloTimer);
      guard.dispose();
      if (closing) return; // close() has already recorded every link as offline
      if (link && links.get(link.machineId) === link) {
        links.delete(link.machineId);
        goneOffline(link, 'worker link closed');
      }
    });

    function onHello(msg: Extract<WorkerMessage, { type: 'hello' }>): void {
      let admitted;
      try {
        admitted = admit(msg.auth, deps);
      } catch (err) {
        if (err instanceof PiaError) return refuse(CloseCode.authRefused, err.message, 'credential');
        log.error({ err }, 'handshake failed');
        return refuse(1011, 'hub error during handshake', 'hub_error');
      }
      if (guard.failed || ws.readyState !== ws.OPEN) return;
      const { machine, secret } = admitted;
      const previous = links.get(machine.id);
      // Whatever the reason the hub closes a link (replaced, revoked, silent), it stops reading it at once too.
      link = createLink(ws, machine.id, machine.name, address, nowMs(), monoMs(), msg.maxTasks, (code, reason) => void stop(code, reason));
      try {
        machines.markOnline(machine.id, msg.facts);
      } catch (err) {
        // The registry cannot be written (a full disk): no link the hub cannot record. The worker tries again later.
        warn.warn({ err: err instanceof Error ? err.message : String(err), machine: machine.name }, 'cannot record a worker link');
        link = undefined;
        return refuse(CloseCode.tryAgainLater, 'the hub cannot record the link now (disk full?); try again later', 'hub_error');
      }
      links.set(machine.id, link);
      if (previous) previous.close(CloseCode.replaced, 'replaced by a newer link from the same machine');
      link.send({ type: 'welcome', protocol: PROTOCOL_VERSION, machine: machine.name, heartbeatS: options.heartbeatMs / 1000, ...(secret ? { secret } : {}) });
      log.info({ machine: machine.name, address, enrolled: secret !== undefined }, 'worker linked');
      bus.emit('machine.online', { machine: machine.name, hostname: msg.facts.hostname, address });
      for (const listener of linkedListeners) {
        try {
          listener(link, msg);
        } catch (err) {
          log.error({ err, machine: machine.name }, 'link listener failed');
        }
      }
    }
  }

  function seen(link: Link): void {
    link.lastSeenMs = nowMs();
    link.heardMonoMs = monoMs();
    dirtySeen.set(link.machineId, link.lastSeenMs);
  }

  function goneOffline(link: Link, reason: string): void {
    dirtySeen.delete(link.machineId);
    let changed: boolean;
    try {
      machines.saveLastSeen([[link.machineId, new Date(link.lastSeenMs).toISOString()]]);
      changed = machines.markOffline(link.machineId, reason);
    } catch (err) {
      // A full disk: the row keeps saying online, and the next start marks every machine offline anyway.
      warn.warn({ err: err instanceof Error ? err.message : String(err), machine: link.machine }, 'cannot record a machine offline');
      changed = true;
    }
    if (changed) {
      log.info({ machine: link.machine, reason }, 'machine offline');
      bus.emit('machine.offline', { machine: link.machine, reason });
    }
  }

  // One sweep finds silent links; its period is a fraction of the deadline so detection is timely.
  const sweepMs = Math.max(50, Math.min(1000, options.offlineAfterMs / 4));
  const sweeper = setInterval(() => {
    const now = monoMs();
    for (const link of links.values()) {
      if (now - link.heardMonoMs > options.offlineAfterMs) {
        links.delete(link.machineId);
        const reason = `no heartbeat for ${Math.round((now - link.heardMonoMs) / 1000)} s`;
        link.close(CloseCode.heartbeatTimeout, reason);
        goneOffline(link, reason);
      }
    }
  }, sweepMs);
  sweeper.unref();

  // last_seen is written in batches: at 10k workers a write per heartbeat would be hundreds of commits a second.
  const flusher = setInterval(flushSeen, options.lastSeenFlushMs ?? 5000);
  flusher.unref();
  function flushSeen(): void {
    if (dirtySeen.size === 0) return;
    const batch = [...dirtySeen].map(([id, ms]): [number, string] => [id, new Date(ms).toISOString()]);
    dirtySeen.clear();
    try {
      machines.saveLastSeen(batch);
    } catch (err) {
      warn.warn({ err: err instanceof Error ? err.message : String(err) }, 'cannot save last-seen times');
    }
  }

  wss.on('connection', onConnection);

  return {
    handleUpgrade(req, socket, head) {
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    },
    get: (id) => links.get(id),
    links: () => links.values(),
    count: () => links.size,
    onLinked(listener) {
      linkedListeners.push(listener);
    },
    refused(link, type, reason, detail) {
      deps.metrics().messagesRefused.inc({ type, reason });
      warn.warn({ machine: link.machine, type, reason, ...detail }, 'message refused');
    },
    disconnect(machineId, code, reason) {
      const link = links.get(machineId);
      if (!link) return;
      links.delete(machineId);
      link.close(code, reason);
      goneOffline(link, reason);
    },
    async close() {
      closing = true;
      warn.close();
      clearInterval(sweeper);
      clearInterval(flusher);
      flushSeen();
      // One transaction for the whole fleet: a restart must not spend seconds on 10k separate commits.
      const gone = [...links.values()];
      links.clear();
      machines.saveLastSeen(gone.map((l): [number, string] => [l.machineId, new Date(l.lastSeenMs).toISOString()]));
      machines.markManyOffline(gone.map((l) => l.machineId), 'hub stopped');
      for (const link of gone) bus.emit('machine.offline', { machine: link.machine, reason: 'hub stopped' });
      for (const ws of wss.clients) ws.close(CloseCode.hubShutdown, 'hub shutting down');
      // Give the close handshakes a moment, not the 30 s the library would wait: workers reconnect to the next hub.
      await Promise.race([new Promise<void>((resolve) => wss.close(() => resolve())), new Promise((r) => setTimeout(r, 300))]);
      for (const ws of wss.clients) ws.terminate();
    },
  };
}

function faultName(code: number): string {
  const entry = Object.entries(CloseCode).find(([, c]) => c === code);
  return entry ? entry[0] : `code_${code}`;
}
