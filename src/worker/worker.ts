import { readFileSync } from 'node:fs';
import { PiaError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { hashToken } from '../common/secrets.js';
import { version } from '../common/version.js';
import type { Facts } from '../protocol/facts.js';
import type { LinkAuth } from '../protocol/messages.js';
import type { WorkerConfig } from './config.js';
import { collectFacts } from './facts/collect.js';
import { findGpus } from './facts/gpus.js';
import { loggedIn } from './facts/sessions.js';
import { createWorkerLink, type WorkerLink } from './link.js';
import { readWorkerState, writeWorkerState, type WorkerState } from './state.js';
import { routeHubMessage } from './hub-messages.js';
import { createTaskManager, type TaskManager } from './tasks/task-manager.js';
import { createPowerHandler } from './power-handler.js';
import { startAgentSocket, type AgentSocket } from './agent/agent-socket.js';
import { createMailRequests } from './agent/mail-requests.js';
import { writePiaShim } from './agent/pia-shim.js';
import { agentSocketPath } from './agent/socket-path.js';
import os from 'node:os';
import path from 'node:path';

/** How often facts are collected again and, when changed, sent to the hub. */
const FACTS_REFRESH_MS = 5 * 60_000;

/** A worker daemon: enrolment, facts, and the link to the hub. */
export interface Worker {
  /** Runs until stopped; rejects if the hub refuses this worker for good. */
  run(): Promise<void>;
  stop(): Promise<void>;
  readonly link: WorkerLink;
  readonly tasks: TaskManager;
}

/**
 * Decides how to authenticate: a stored secret, unless a join token is given that was not already exchanged
 * (so a service re-run with the same `--join` keeps using its secret, and a new token re-enrolls).
 */
export function chooseAuth(config: Pick<WorkerConfig, 'joinToken' | 'name' | 'stateDir'>, state: WorkerState | undefined): LinkAuth {
  if (config.joinToken && (!state || state.joinTokenHash !== hashToken(config.joinToken))) {
    return { kind: 'join', token: config.joinToken, ...(config.name ? { name: config.name } : {}) };
  }
  if (state) return { kind: 'secret', secret: state.secret };
  throw new PiaError(
    'link_refused',
    `This worker is not enrolled (no credentials in ${config.stateDir}). On the hub run \`pia machines add <name>\`, then start the worker with --join <token>.`,
  );
}

/** Creates a worker from its config. Extra TLS options are for the embedded worker of `pia start`. */
export function createWorker(deps: {
  config: Readonly<WorkerConfig>;
  log: Logger;
  tls?: { ca?: Buffer; checkServerIdentity?: () => boolean };
  /** The environment agents inherit (less PIA's and chat secrets); default: this process's. */
  env?: NodeJS.ProcessEnv;
}): Worker {
  const { config, log } = deps;
  // Said once at start, where the operator looks: prompts that start with "-" are refused for these agents.
  for (const warning of config.agentWarnings) log.warn({ agents: 'PIA_AGENTS / PIA_AGENT_CMD' }, warning);
  let state = readWorkerState(config.stateDir);
  let pendingJoinHash: string | undefined;
  let facts: Facts | undefined;
  let factsJson = '';

  const env = deps.env ?? process.env;
  // Graphics cards do not change while the worker runs: looked for once.
  let gpus: ReturnType<typeof findGpus> | undefined;
  async function refreshFacts(): Promise<Facts> {
    facts = await collectFacts({
      repoRoots: config.repoRoots,
      agentNames: config.agentNames,
      workerVersion: version,
      agents: config.agents,
      defaultAgent: config.defaultAgent,
      // Agents are looked for on the PATH the worker runs them with (its own environment, as for the tasks).
      pathEnv: env.PATH ?? '',
      workspace: config.workspace,
      gpus: () => (gpus ??= findGpus()),
      sessions: () => loggedIn(env),
    });
    factsJson = JSON.stringify(facts);
    return facts;
  }

  // The link is created below; the task manager reaches it through this port.
  const hubPort = {
    send: (m: Parameters<WorkerLink['send']>[0]) => link.send(m),
    sendOutput: (frame: Buffer) => link.sendOutput(frame),
    get linked() {
      return link.linked;
    },
    bufferedAmount: () => link.bufferedAmount(),
  };
  const socketPath = agentSocketPath(config.stateDir);
  let agentSocket: AgentSocket | undefined;
  const tasks = createTaskManager({
    config: {
      workspaceRoot: config.workspace,
      spoolDir: path.join(config.stateDir, 'tasks'),
      maxTasks: config.maxTasks,
      agents: config.agents,
      defaultAgent: config.defaultAgent,
      graceMs: config.cancelGraceS * 1000,
      allowFileRepos: config.allowFileRepos,
      hostname: os.hostname(),
      env: deps.env ?? process.env,
      agentSocket: socketPath,
      nice: config.agentNice,
      worktreeKeepMs: config.worktreeKeepH * 3_600_000,
      agentBinDir: writePiaShim(config.stateDir),
    },
    hub: hubPort,
    log: log.child({ component: 'tasks' }),
  });

  const power = createPowerHandler({ send: (m) => link.send(m), env, log });
  const mail = createMailRequests({ send: (m) => link.send(m), linked: () => link.linked });

  const link = createWorkerLink({
    url: config.hub,
    log,
    tls: deps.tls ?? (config.caFile ? { ca: readFileSync(config.caFile) } : undefined),
    async hello() {
      const auth = chooseAuth(config, state);
      pendingJoinHash = auth.kind === 'join' ? hashToken(auth.token) : undefined;
      return { auth, facts: facts ?? (await refreshFacts()), maxTasks: config.maxTasks, ledger: tasks.ledger() };
    },
    onUp: () => {
      tasks.onLinkUp();
      mail.onLinkUp();
    },
    onDown: () => {
      tasks.onLinkDown();
      mail.onLinkDown();
    },
    onMessage: (message) => routeHubMessage({ tasks, power, mail }, message),
    onWelcome(welcome) {
      if (welcome.secret) {
        state = {
          hub: config.hub,
          machine: welcome.machine,
          secret: welcome.secret,
          joinTokenHash: pendingJoinHash,
          enrolledAt: new Date().toISOString(),
        };
        writeWorkerState(config.stateDir, state);
        log.info({ machine: welcome.machine, stateDir: config.stateDir }, 'enrolled; secret stored');
      }
    },
  });

  // Facts change rarely (a new repo, a new agent, a new address); look again now and then, send only changes.
  const refresher = setInterval(async () => {
    const before = factsJson;
    try {
      await refreshFacts();
    } catch (err) {
      log.warn({ err }, 'facts refresh failed');
      return;
    }
    if (factsJson !== before && facts) link.send({ type: 'facts', facts });
  }, FACTS_REFRESH_MS);
  refresher.unref();

  return {
    link,
    tasks,
    async run() {
      chooseAuth(config, state); // fail fast, before any connection, when not enrolled
      try {
        agentSocket = await startAgentSocket({ path: socketPath, mail, taskOfToken: (t) => tasks.taskOfToken(t), log: log.child({ component: 'agents' }) });
      } catch (err) {
        log.warn({ err, path: socketPath }, 'agent socket not available: `pia mail` will not work in tasks');
      }
      try {
        await link.run();
      } finally {
        clearInterval(refresher);
        await agentSocket?.close(); // a refused worker must be able to exit
      }
    },
    async stop() {
      clearInterval(refresher);
      await tasks.stop();
      await link.stop();
      power.close();
      await agentSocket?.close();
    },
  };
}
