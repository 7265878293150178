import path from 'node:path';
import type { Logger } from '../common/logger.js';
import { steadyClock } from '../common/steady-clock.js';
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
import type { Compress } from './tasks/output-blocks.js';
import { createOutputCompactor } from './tasks/output-compactor.js';
import { createOutputRetention } from './tasks/output-retention.js';
import { createOutputStorage, type OutputStorage } from './tasks/output-storage.js';
import { createOutputWriter, type OutputWriter } from './tasks/output-writer.js';
import { createTaskMessages, type TaskMessages } from './tasks/task-messages.js';
import { createTaskService, type TaskService } from './tasks/task-service.js';
import { createTaskStore, type TaskStore } from './tasks/task-store.js';
import type { Actor } from './machine-admin.js';
import { createLabelIndex, type LabelIndex } from './placement/label-index.js';
import { createLoadTracker } from './placement/load.js';
import { createPlacement, type PlacementService } from './placement/placement.js';
import { createWakeTimes, type WakeTimes } from './placement/wake-times.js';
import { createApprovalService, type ApprovalService } from './approvals/approval-service.js';
import { createApprovalStore } from './approvals/approval-store.js';

/** Knobs beyond the config, for tests and benchmarks. */
export interface HubCoreOptions {
  migrationsDir?: string;
  helloTimeoutMs?: number;
  lastSeenFlushMs?: number;
  /** Longest an output chunk waits in the hub before its batch is written. */
  outputFlushMs?: number;
  /** How output blocks are compressed (tests hand in one that fails). */
  outputCompress?: Compress;
  /** The longest pause between two tries of an output write that failed (a full disk). */
  outputRetryMaxMs?: number;
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
  /** The disk task output takes, and pruning it (retention). */
  storage: OutputStorage;
  dispatcher: Dispatcher;
  taskMessages: TaskMessages;
  /** Every machine's labels, kept current. */
  labels: LabelIndex;
  /** Measured wake times per machine. */
  wakeTimes: WakeTimes;
  /** Picks machines for `any[...]` targets. */
  placement: PlacementService;
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
    onOutput: (link, chunk) => handlers.tasks.output(link, chunk),
  });
  // Read lazily: storage is built with the tasks below.
  const metrics = createMetrics({ bus, machines, linkedCount: () => links.count(), storage: () => storage.figures() });
  const observers = createObserverServer({ bus, log });
  const admin = createMachineAdmin({ machines, credentials, audit, bus, links, joinTokenTtlMs: config.joinTokenTtlH * 3600_000 });

  const taskStore = createTaskStore(db);
  const retention = createOutputRetention({ db, log: log.child({ component: 'retention' }), policy: { keepDays: config.outputKeepDays, maxBytes: config.outputMaxBytes } });
  const storage = createOutputStorage({ db, dbFile, retention, keepDays: config.outputKeepDays, maxBytes: config.outputMaxBytes });
  const output = createOutputWriter({
    db,
    bus,
    log,
    ack: (machineId, acks) => links.get(machineId)?.send({ type: 'output.ack', acks }),
    observe: (bytes, latencyMs) => {
      metrics.outputBytes.inc(bytes);
      metrics.outputLatency.observe(Math.max(0, latencyMs) / 1000);
    },
    failed: (what) => metrics.outputFailures.inc({ what }),
    stored: (outputBytes, diskBytes) => retention.stored(outputBytes, diskBytes),
    options: { flushMs: opts.outputFlushMs, compress: opts.outputCompress, retryMaxMs: opts.outputRetryMaxMs },
  });
  const compactor = createOutputCompactor({
    db,
    bus,
    log: log.child({ component: 'output' }),
    resized: (diskDelta) => retention.usage.added(0, diskDelta),
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
    policy: { defaultTimeoutS: config.taskTimeoutS, queueExpiryMs: config.taskQueueExpiryH * 3600_000, allowFileRepos: config.allowFileRepos, ...(config.defaultAgent ? { defaultAgent: config.defaultAgent } : {}) },
    onQueuedOffline: (machineId, actor) => hooks().queuedOffline(machineId, actor),
    deadlineNow,
  });

  const labels = createLabelIndex({ machines, bus });
  const wakeTimes = createWakeTimes({ db, bus, machineId: (name) => machines.find(name)?.id });
  const load = createLoadTracker({ db, bus });
  const placement = createPlacement({ index: labels, load: load.read, linked: (id) => links.get(id), wakeTimes });

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
    storage,
    dispatcher,
    taskMessages,
    labels,
    wakeTimes,
    placement,
    approvals,
    publicUrl: () => publicUrl,
    setPublicUrl(url) {
      publicUrl = url;
    },
    async stopServing() {
      labels.close();
      load.close();
      wakeTimes.close();
      dispatcher.close();
      retention.close();
      compactor.close();
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
