import path from 'node:path';
import type { Logger } from '../common/logger.js';
import { steadyClock } from '../common/steady-clock.js';
import { CloseCode } from '../protocol/close-codes.js';
import { projectRoot } from '../common/version.js';
import { createUserStore, type UserStore } from './auth/users.js';
import type { HubConfig } from './config.js';
import { startCheckpointer } from './db/checkpointer.js';
import { openDatabase, type Db } from './db/database.js';
import { loadMigrations, migrate } from './db/migrations.js';
import { createEventBus, type EventBus } from './events.js';
import { createLinkServer, type LinkServer } from './link/link-server.js';
import { routeWorkerMessage, type WorkerMessageHandlers } from './link/worker-messages.js';
import { createMachineAdmin, type MachineAdmin } from './machine-admin.js';
import { createMetrics, type HubMetrics } from './metrics.js';
import { createObserverServer, type ObserverServer } from './observers.js';
import { createAuditLog, type AuditLog } from './registry/audit.js';
import { createCredentialStore, type CredentialStore } from './registry/credentials.js';
import { createMachineStore, type MachineStore } from './registry/machines.js';
import { createDispatcher, type Dispatcher } from './tasks/dispatcher.js';
import { createOutputWriter, type OutputWriter } from './tasks/output-writer.js';
import { createTaskMessages, type TaskMessages } from './tasks/task-messages.js';
import { createTaskService, type TaskService } from './tasks/task-service.js';
import { createTaskStore, type TaskStore } from './tasks/task-store.js';
import type { Actor } from './machine-admin.js';
import { createApprovalService, type ApprovalService } from './approvals/approval-service.js';
import { createApprovalStore } from './approvals/approval-store.js';

/** Knobs beyond the config, for tests and benchmarks. */
export interface HubCoreOptions {
  migrationsDir?: string;
  helloTimeoutMs?: number;
  lastSeenFlushMs?: number;
  /** Longest an output chunk waits in the hub before its batch is written. */
  outputFlushMs?: number;
  /** How often queued tasks are checked for expiry. */
  expirySweepMs?: number;
  /** How often approvals are checked for their time-out. */
  approvalSweepMs?: number;
}

/**
 * The hub's own parts: the registry in SQLite, the event bus, the worker links, tasks and their output. Nothing here
 * knows a front end or the power manager; the composition root (src/app) connects them through the hooks below.
 */
export interface HubCore {
  db: Db;
  bus: EventBus;
  machines: MachineStore;
  credentials: CredentialStore;
  audit: AuditLog;
  users: UserStore;
  links: LinkServer;
  metrics: HubMetrics;
  observers: ObserverServer;
  admin: MachineAdmin;
  taskStore: TaskStore;
  tasks: TaskService;
  output: OutputWriter;
  dispatcher: Dispatcher;
  taskMessages: TaskMessages;
  approvals: ApprovalService;
  /** The address workers on other machines reach the hub at (set once it listens). */
  publicUrl(): string;
  setPublicUrl(url: string): void;
  /** Stops the timers and closes the worker links and the observers (before the HTTP server closes). */
  stopServing(): Promise<void>;
  /** Closes the database (last). */
  closeDatabase(): Promise<void>;
}

/** What the core needs from the parts built after it: the workers' messages it does not handle itself, and auto-wake. */
export interface HubCoreHooks {
  power: WorkerMessageHandlers['power'];
  machineMail: WorkerMessageHandlers['machineMail'];
  /** A task was queued for a machine whose worker is not linked. */
  queuedOffline(machineId: number, actor: Actor): void;
}

/**
 * Opens the registry (applying migrations) and builds the hub's parts. Every machine starts offline: no worker is
 * linked to a hub that has just started. `hooks` is read lazily, so the parts built later can be handed in after.
 */
export function createHubCore(config: Readonly<HubConfig>, log: Logger, hooks: () => HubCoreHooks, opts: HubCoreOptions = {}): HubCore {
  const dbFile = path.join(config.dataDir, 'pia.db');
  const db = openDatabase(dbFile, { onNotice: (text) => log.warn(text) });
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
  const users = createUserStore(db, config.roles);
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
    onMessage: (link, message) => routeWorkerMessage(handlers, link, message),
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
    // Closing the link makes its worker reconnect and replay from its last acknowledgement: spooled, nothing lost.
    storeFailed: (machineIds) => {
      for (const id of machineIds) links.get(id)?.close(CloseCode.tryAgainLater, 'the hub cannot store output now (disk full?); send it again later');
    },
  });
  let publicUrl = '';
  const tasksLog = log.child({ component: 'tasks' });
  // Deadlines (queue expiry, approval time-outs) run on a steady clock: stepping the wall clock must not fire them early.
  const deadlineNow = steadyClock();
  const dispatcher = createDispatcher({ tasks: taskStore, machines, links, output, bus, log: tasksLog, hubUrl: () => publicUrl, expirySweepMs: opts.expirySweepMs, deadlineNow });
  const taskMessages = createTaskMessages({ tasks: taskStore, output, dispatcher, bus, log: tasksLog, refused: (link, type, reason, detail) => links.refused(link, type, reason, detail) });
  const approvals = createApprovalService({
    store: createApprovalStore(db),
    task: (id) => taskStore.get(id),
    linkOf: (name) => {
      const machine = machines.find(name);
      return machine ? links.get(machine.id) : undefined;
    },
    bus,
    audit,
    refused: (link, type, reason, detail) => links.refused(link, type, reason, detail),
    onLinked: (listener) => links.onLinked((link) => listener(link)),
    log: log.child({ component: 'approvals' }),
    timeoutMs: config.approvalTimeoutS * 1000,
    now: deadlineNow,
    ...(opts.approvalSweepMs ? { sweepMs: opts.approvalSweepMs } : {}),
  });
  const handlers: WorkerMessageHandlers = {
    facts(link, facts) {
      machines.updateFacts(link.machineId, facts);
      bus.emit('machine.updated', { machine: link.machine, what: 'facts' });
    },
    tasks: taskMessages,
    approvals: approvals.messages,
    power: { answered: (machineId, result) => hooks().power.answered(machineId, result) },
    machineMail: {
      send: (link, request) => hooks().machineMail.send(link, request),
      watch: (link, ids) => hooks().machineMail.watch(link, ids),
    },
  };
  const tasks = createTaskService({
    db,
    tasks: taskStore,
    machines,
    dispatcher,
    links,
    bus,
    audit,
    policy: { defaultTimeoutS: config.taskTimeoutS, queueExpiryMs: config.taskQueueExpiryH * 3600_000, allowFileRepos: config.allowFileRepos },
    onQueuedOffline: (machineId, actor) => hooks().queuedOffline(machineId, actor),
    deadlineNow,
  });

  return {
    db,
    bus,
    machines,
    credentials,
    audit,
    users,
    links,
    metrics,
    observers,
    admin,
    taskStore,
    tasks,
    output,
    dispatcher,
    taskMessages,
    approvals,
    publicUrl: () => publicUrl,
    setPublicUrl(url) {
      publicUrl = url;
    },
    async stopServing() {
      dispatcher.close();
      approvals.close();
      output.close();
      await links.close();
      await observers.close();
    },
    async closeDatabase() {
      await checkpointer.close();
      db.close();
    },
  };
}
