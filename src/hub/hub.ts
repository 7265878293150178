import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../common/logger.js';
import { projectRoot } from '../common/version.js';
import { openDatabase, type Db } from './db/database.js';
import { startCheckpointer } from './db/checkpointer.js';
import { loadMigrations, migrate } from './db/migrations.js';
import { createEventBus, type EventBus } from './events.js';
import { hasAdminToken } from './http/auth.js';
import { buildHttpApp } from './http/app.js';
import { createLinkServer, type LinkServer } from './link/link-server.js';
import { createMachineAdmin, type MachineAdmin } from './machine-admin.js';
import { createMetrics, type HubMetrics } from './metrics.js';
import { createObserverServer, type ObserverServer } from './observers.js';
import { createAuditLog, type AuditLog } from './registry/audit.js';
import { createCredentialStore, type CredentialStore } from './registry/credentials.js';
import { createMachineStore, type MachineStore } from './registry/machines.js';
import type { HubConfig } from './config.js';
import { createDispatcher, type Dispatcher } from './tasks/dispatcher.js';
import { createOutputWriter, type OutputWriter } from './tasks/output-writer.js';
import { wireTaskMessages } from './tasks/task-link.js';
import { createTaskService, type TaskService } from './tasks/task-service.js';
import { createTaskStore, type TaskStore } from './tasks/task-store.js';
import { createPowerManager, type PowerManager } from '../power/power-manager.js';
import { createUserStore, type UserStore } from './auth/users.js';
import { createActions, type Actions } from './actions/actions.js';
import { createReporter, type Reporter } from '../bot/reporter/reporter.js';
import { createThreadStore } from '../bot/thread-store.js';
import { createBotCore } from '../bot/core.js';
import type { BotCore } from '../bot/port.js';
import { readOutput } from './tasks/task-store.js';
import { createMailGateway, type MailGateway } from '../mail/gateway.js';
import { wireMailRelay } from '../mail/relay.js';

/** Where workers link and observers listen. */
export const LINK_PATH = '/link';
export const EVENTS_PATH = '/api/events';

/** The worker link URL for a hub reached at `httpUrl`. */
function linkUrlOf(httpUrl: string): string {
  const url = new URL(httpUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.pathname = LINK_PATH;
  return url.toString();
}

/** A running hub's parts, for the CLI, the embedded worker and tests. */
export interface Hub {
  db: Db;
  bus: EventBus;
  machines: MachineStore;
  credentials: CredentialStore;
  audit: AuditLog;
  admin: MachineAdmin;
  links: LinkServer;
  observers: ObserverServer;
  metrics: HubMetrics;
  taskStore: TaskStore;
  tasks: TaskService;
  output: OutputWriter;
  dispatcher: Dispatcher;
  power: PowerManager;
  users: UserStore;
  actions: Actions;
  reporter: Reporter;
  /** The chat core the Slack, Discord and console adapters hand their input to. */
  bot: BotCore;
  /** The email gateway, when configured. */
  mail: MailGateway | undefined;
  http: FastifyInstance;
  /** Listens on the configured host and port; resolves with the bound port and URLs. */
  start(): Promise<{ port: number; httpUrl: string; linkUrl: string }>;
  stop(): Promise<void>;
}

/** Options beyond the config, for tests: a migrations folder, a hello deadline. */
export interface HubOptions {
  config: Readonly<HubConfig>;
  adminToken: string;
  log: Logger;
  migrationsDir?: string;
  helloTimeoutMs?: number;
  lastSeenFlushMs?: number;
  /** Longest an output chunk waits in the hub before its batch is written. */
  outputFlushMs?: number;
  /** Probe offline machines every PIA_PROBE_INTERVAL_S (default true). */
  periodicProbe?: boolean;
}

/**
 * Opens the registry (applying migrations), wires the bus, link server, observers and HTTP API together.
 * Every machine starts offline: no worker is linked to a hub that has just started.
 */
export function createHub(opts: HubOptions): Hub {
  const { config, log } = opts;
  const dbFile = path.join(config.dataDir, 'pia.db');
  const db = openDatabase(dbFile);
  try {
    const applied = migrate(db, loadMigrations(opts.migrationsDir ?? path.join(projectRoot, 'migrations')));
    if (applied.length) log.info({ applied }, 'database migrated');
  } catch (err) {
    db.close();
    throw err;
  }
  const checkpointer = startCheckpointer(db, dbFile, log);
  const bus = createEventBus(log);
  const machines = createMachineStore(db);
  const credentials = createCredentialStore(db);
  const audit = createAuditLog(db);
  machines.markAllOffline();

  const links = createLinkServer({
    options: {
      heartbeatMs: config.heartbeatS * 1000,
      offlineAfterMs: config.offlineAfterS * 1000,
      helloTimeoutMs: opts.helloTimeoutMs ?? 10_000,
      maxFrameBytes: config.maxFrameBytes,
      lastSeenFlushMs: opts.lastSeenFlushMs,
    },
    log: log.child({ component: 'link' }),
    bus,
    machines,
    credentials,
    audit,
    // Read lazily: the metrics need the link count, the links need the metrics.
    metrics: () => metrics,
  });
  const metrics = createMetrics({ bus, machines, linkedCount: () => links.count() });
  const observers = createObserverServer({ bus, log });
  const admin = createMachineAdmin({ machines, credentials, audit, bus, links, joinTokenTtlMs: config.joinTokenTtlH * 3600_000 });

  const taskStore = createTaskStore(db);
  const output = createOutputWriter({
    db,
    bus,
    log,
    ack: (machineId, taskId, seq) => links.get(machineId)?.send({ type: 'output.ack', taskId, seq }),
    observe: (bytes, latencyMs) => {
      metrics.outputBytes.inc(bytes);
      metrics.outputLatency.observe(Math.max(0, latencyMs) / 1000);
    },
    options: { flushMs: opts.outputFlushMs },
  });
  let publicUrl = '';
  const dispatcher = createDispatcher({ tasks: taskStore, machines, links, output, bus, log: log.child({ component: 'tasks' }), hubUrl: () => publicUrl });
  wireTaskMessages({ links, tasks: taskStore, output, dispatcher, bus, log: log.child({ component: 'tasks' }) });
  const power = createPowerManager({
    machines,
    links,
    bus,
    audit,
    config: config.power,
    log: log.child({ component: 'power' }),
    hubLinkUrl: () => linkUrlOf(publicUrl),
    periodicProbe: opts.periodicProbe,
  });
  const tasks = createTaskService({
    db,
    tasks: taskStore,
    machines,
    dispatcher,
    links,
    bus,
    audit,
    policy: { defaultTimeoutS: config.taskTimeoutS, queueExpiryMs: config.taskQueueExpiryH * 3600_000, allowFileRepos: config.allowFileRepos },
    onQueuedOffline: (machineId, actor) => power.autoWake(machineId, actor),
  });
  const users = createUserStore(db, config.roles);
  const actions = createActions({ db, machines, tasks, power, users, audit, links });
  const reporter = createReporter({
    bus,
    log: log.child({ component: 'chat' }),
    getTask: (id) => taskStore.get(id),
    fullLog: (id) => readOutput(db, id, 1, 1_000_000).filter((c) => c.stream !== 'event').map((c) => c.data).join(''),
  });
  const bot = createBotCore({ actions, tasks, reporter, threads: createThreadStore(db), log: log.child({ component: 'chat' }) });
  const mail = config.mail
    ? createMailGateway({ config: config.mail, db, bus, machines, users, actions, tasks, taskStore, links, log })
    : undefined;
  wireMailRelay(links, mail?.relay);
  const http = buildHttpApp({ log, adminToken: opts.adminToken, tls: config.tls, machines, admin, links, audit, metrics, tasks, power, users, actions, emailOf: mail ? (name: string) => mail.addresses.addressOf(name) : undefined });

  http.server.on('upgrade', (req, socket, head) => {
    const pathname = (req.url ?? '/').split('?')[0];
    if (pathname === LINK_PATH) return links.handleUpgrade(req, socket, head);
    if (pathname === EVENTS_PATH) {
      if (hasAdminToken(req, opts.adminToken, true)) return observers.handleUpgrade(req, socket, head);
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });

  let stopped = false;
  return {
    db,
    bus,
    machines,
    credentials,
    audit,
    admin,
    links,
    observers,
    metrics,
    taskStore,
    tasks,
    output,
    dispatcher,
    power,
    users,
    actions,
    reporter,
    bot,
    mail,
    http,
    async start() {
      // A deep accept queue: after a hub restart every worker reconnects at once, and a dropped SYN costs a
      // worker seconds of TCP retransmission. The kernel caps it at net.core.somaxconn.
      await http.listen({ host: config.host, port: config.port, backlog: 8192 });
      const port = (http.server.address() as AddressInfo).port;
      const host = config.host.includes(':') ? `[${config.host}]` : config.host;
      const secure = config.tls !== undefined;
      const httpUrl = `${secure ? 'https' : 'http'}://${host}:${port}`;
      const linkUrl = `${secure ? 'wss' : 'ws'}://${host}:${port}${LINK_PATH}`;
      publicUrl = config.publicUrl ?? httpUrl;
      mail?.start();
      log.info({ url: httpUrl, link: linkUrl }, 'hub listening');
      return { port, httpUrl, linkUrl };
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await mail?.stop();
      dispatcher.close();
      power.close();
      reporter.close();
      output.close();
      await links.close();
      await observers.close();
      await http.close();
      await checkpointer.close();
      db.close();
    },
  };
}
