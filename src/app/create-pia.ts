import { agentNamesFor } from '../hub/tasks/agent-choice.js';
import type { AddressInfo } from 'node:net';
import { createBotCore } from '../bot/core.js';
import type { BotCore, ChatPort } from '../bot/port.js';
import { createReporter } from '../bot/reporter/reporter.js';
import { createThreadStore } from '../bot/thread-store.js';
import { errorMessage } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { createActions } from '../hub/actions/actions.js';
import type { EventBus } from '../hub/events.js';
import { buildHttpApp } from '../hub/http/app.js';
import { EVENTS_PATH, LINK_PATH, linkUrlOf } from '../hub/http/paths.js';
import { hasAdminToken } from '../hub/http/auth.js';
import { mountRawRoutes } from '../hub/http/raw-routes.js';
import { createHubCore, type HubCoreHooks, type HubCoreOptions } from '../hub/hub-core.js';
import type { MailGateway } from '../mail/gateway.js';
import { createPowerManager } from '../power/power-manager.js';
import type { Worker } from '../worker/worker.js';
import { createWeb, type WebFrontEnd } from '../web/web.js';
import { createChatGateways, type ConsoleTerminal } from './chat-gateways.js';
import type { PiaConfig } from './config.js';
import { startLocalWorker } from './local-worker.js';
import { powerPortsOf } from './power-ports.js';
import { createScheduleReports } from './schedule-reports.js';
import { createSchedules } from '../hub/schedules/schedules.js';
import { createIdleWatcher } from '../hub/idle/idle-watcher.js';

/** Everything PIA is built from: the config, the admin token, a logger, and knobs for tests. */
export interface PiaOptions extends HubCoreOptions {
  config: Readonly<PiaConfig>;
  adminToken: string;
  log: Logger;
  /** The terminal for the console chat (`npm start` on a TTY); none: no console. */
  terminal?: ConsoleTerminal;
  /** Probe offline machines every PIA_PROBE_INTERVAL_S (default true). */
  periodicProbe?: boolean;
  /** The clock schedules and idle sleep read (tests move it). */
  now?: () => number;
  /** The longest the scheduler sleeps before looking at the clock again (default 60 s; tests: a few ms). */
  scheduleTickMs?: number;
  /** How often idle machines are looked at (default PIA_IDLE_CHECK_S). */
  idleCheckMs?: number;
  /** How long after its last task a machine woken for it goes back to sleep (default 60 s). */
  sleepAfterWakeMs?: number;
}

/** Where a started PIA listens. */
export interface PiaAddress {
  port: number;
  httpUrl: string;
  linkUrl: string;
}

/** A running PIA: started and stopped as one; its front doors are HTTP, the worker link, chat and mail. */
export interface Pia {
  /** Listens, connects chat and mail, and starts the embedded worker (unless PIA_LOCAL_WORKER=0). */
  start(): Promise<PiaAddress>;
  stop(): Promise<void>;
  /** The hub's events, as its observers' socket streams them. */
  events: Pick<EventBus, 'on' | 'onAny'>;
  /** The chat core the Slack, Discord and console adapters hand their input to (another adapter may too). */
  chat: BotCore;
  /** The email gateway, when configured. */
  mail: MailGateway | undefined;
  /** Adds a chat platform's port built elsewhere (another adapter): schedules may then post to its channels. */
  connectChat(port: ChatPort): void;
  /** The web dashboard, unless PIA_WEB=0: its one-time sign-in links. */
  web: Pick<WebFrontEnd, 'link'> | undefined;
}

/**
 * The composition root: config -> stores and hub core -> power -> actions -> front ends (chat, mail, HTTP) ->
 * start. The only place that knows every part; each part declares what it needs from the others.
 */
export async function createPia(opts: PiaOptions): Promise<Pia> {
  const { config, log } = opts;
  const hooks: { current?: HubCoreHooks } = {};
  const core = createHubCore(config.hub, log, () => hooks.current!, opts);
  const { db, bus, machines, links, taskStore, tasks } = core;

  const power = createPowerManager({
    ...powerPortsOf(core),
    config: config.power,
    log: log.child({ component: 'power' }),
    hubLinkUrl: () => linkUrlOf(core.publicUrl()),
    periodicProbe: opts.periodicProbe,
  });
  const now = opts.now ?? Date.now;
  const reports: { deliver?: ReturnType<typeof createScheduleReports>['deliver'] } = {};
  const schedules = createSchedules({
    db,
    audit: core.audit,
    roleOf: (identity) => core.users.roleOf(identity),
    execute: () => actions.execute,
    deliver: (r) => reports.deliver!(r),
    now,
    graceMs: config.hub.scheduleGraceS * 1000,
    defaultTz: config.hub.scheduleTz,
    ...(opts.scheduleTickMs !== undefined ? { maxSleepMs: opts.scheduleTickMs } : {}),
    log,
  });
  const web = config.web.enabled
    ? createWeb({ config: config.web, db, roleOf: (id) => core.users.roleOf(id), adminToken: opts.adminToken, secure: config.hub.tls !== undefined, publicUrl: () => core.publicUrl() })
    : undefined;
  const actions = createActions({
    machines,
    tasks,
    approvals: core.approvals,
    power,
    users: core.users,
    audit: core.audit,
    placement: core.placement,
    schedules: schedules.service,
    lastSeen: (id) => links.get(id)?.lastSeenMs,
    ...(web ? { dashboardLink: (input: Parameters<WebFrontEnd['link']>[0]) => web.link(input) } : {}),
  });
  const reporter = createReporter({
    bus,
    log: log.child({ component: 'chat' }),
    getTask: (id) => taskStore.get(id),
    fullLog: (id) => tasks.logText(id),
    pendingApprovals: (taskId) => core.approvals.list({ state: 'pending', taskId }).reverse(),
  });
  const chatCore = createBotCore({ actions, task: (id) => taskStore.get(id), reporter, threads: createThreadStore(db), log: log.child({ component: 'chat' }) });
  // The mail libraries (imapflow, nodemailer, mailparser) load only when mail is configured, as chat's SDKs do.
  const mail = config.mail
    ? (await import('../mail/gateway.js')).createMailGateway({
        config: config.mail,
        db,
        bus,
        machine(name) {
          const m = machines.find(name);
          return m && { name: m.name, linked: links.get(m.id) !== undefined, autoWake: m.capabilities.autoWake === true };
        },
        machineNamed: (name) => machines.get(name).name,
        roleOf: (identity) => core.users.roleOf(identity),
        actions,
        task: (id) => taskStore.get(id),
        logText: (id) => tasks.logText(id),
        links,
        approvalTimeoutS: config.hub.approvalTimeoutS,
        log,
      })
    : undefined;
  const chat = await createChatGateways({ config: config.chat, core: chatCore, log, machineNames: () => machines.list().map((m) => m.name), agentNames: (m) => agentNamesFor(machines.list(), m), ...(opts.terminal ? { terminal: opts.terminal } : {}) });
  const scheduleReports = createScheduleReports({ ports: () => chatPorts, chat: chatCore, mail, bus, log: log.child({ component: 'schedules' }) });
  reports.deliver = scheduleReports.deliver;
  /** Where schedules post: the platforms connected here, and any a test or another front end adds. */
  const chatPorts = new Map(chat.ports);

  const idle = createIdleWatcher({
    machines,
    pending: (id) => taskStore.active(id).length + taskStore.queued(id).length,
    waitingApprovals: (machine) => core.approvals.list({ state: 'pending', machine, limit: 1 }).length,
    power,
    bus,
    now,
    checkMs: opts.idleCheckMs ?? config.hub.idleCheckS * 1000,
    afterWakeMs: opts.sleepAfterWakeMs ?? 60_000,
    log: log.child({ component: 'idle' }),
  });

  hooks.current = {
    power: { answered: (machineId, result) => power.answered(machineId, result) },
    machineMail: mail?.relay ?? mailOff,
    queuedOffline: (machineId, actor) => {
      if (machines.byId(machineId)?.capabilities.autoWake) idle.wokenForTask(machineId);
      power.autoWake(machineId, actor);
    },
  };

  const http = buildHttpApp({
    log,
    adminToken: opts.adminToken,
    tls: config.hub.tls,
    machines,
    admin: core.admin,
    links,
    audit: core.audit,
    metrics: core.metrics,
    tasks,
    storage: core.storage,
    power,
    users: core.users,
    actions,
    placement: core.placement,
    schedules: schedules.service,
    labelsOf: (name) => core.labels.byName(name)?.labels.list,
    approvals: core.approvals,
    emailOf: mail ? (name: string) => mail.addresses.addressOf(name) : undefined,
    events: bus,
    ...(web ? { authenticate: web.authenticate } : {}),
  });
  await web?.mount(http);
  if (chat.routes.length) await mountRawRoutes(http, chat.routes);
  http.server.on('upgrade', (req, socket, head) => {
    const pathname = (req.url ?? '/').split('?')[0];
    if (pathname === LINK_PATH) return links.handleUpgrade(req, socket, head);
    if (pathname === EVENTS_PATH) {
      if (hasAdminToken(req, opts.adminToken, true)) return core.observers.handleUpgrade(req, socket, head);
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });

  let worker: Worker | undefined;
  let stopped = false;
  return {
    events: bus,
    chat: chatCore,
    mail,
    connectChat: (port) => void chatPorts.set(port.platform, port),
    web,
    async start() {
      // A deep accept queue: after a hub restart every worker reconnects at once, and a dropped SYN costs a
      // worker seconds of TCP retransmission. The kernel caps it at net.core.somaxconn.
      await http.listen({ host: config.hub.host, port: config.hub.port, backlog: 8192 });
      const port = (http.server.address() as AddressInfo).port;
      const host = config.hub.host.includes(':') ? `[${config.hub.host}]` : config.hub.host;
      const secure = config.hub.tls !== undefined;
      const httpUrl = `${secure ? 'https' : 'http'}://${host}:${port}`;
      const linkUrl = `${secure ? 'wss' : 'ws'}://${host}:${port}${LINK_PATH}`;
      core.setPublicUrl(config.hub.publicUrl ?? httpUrl);
      mail?.start();
      log.info({ url: httpUrl, link: linkUrl }, 'hub listening');
      await chat.start();
      schedules.scheduler.start();
      if (config.hub.localWorker) {
        worker = startLocalWorker({
          enrolment: {
            ensureMachine: (name) => void (machines.find(name) ?? core.admin.add({ id: 'hub', origin: 'local-worker' }, { name })),
            secretValid: (secret) => core.credentials.isValidSecret(secret),
            joinToken: (name, ttlMs) => core.credentials.issueJoinToken(machines.get(name), ttlMs).joinToken,
          },
          name: config.hub.localWorkerName,
          dataDir: config.hub.dataDir,
          linkUrl,
          tlsCert: config.hub.tls?.cert,
          log,
        });
        worker.run().catch((err) => log.error({ err: errorMessage(err) }, 'local worker stopped'));
      }
      return { port, httpUrl, linkUrl };
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await schedules.scheduler.stop();
      scheduleReports.close();
      idle.close();
      await chat.stop();
      await worker?.stop();
      await mail?.stop();
      power.close();
      web?.close();
      actions.close();
      reporter.close();
      await core.stopServing();
      await http.close();
      await core.closeDatabase();
    },
  };
}

/** Machine-to-machine mail when the email gateway is off: a plain refusal, so the asking agent learns why. */
const mailOff: HubCoreHooks['machineMail'] = {
  send(link, msg) {
    link.send({ type: 'mail.sent', requestId: msg.requestId, ok: false, error: 'Mail is off on this hub: set PIA_MAIL_ADDRESS (and the PIA_IMAP_* and PIA_SMTP_* settings) to let machines mail each other.' });
  },
  watch() {},
};
