import os from 'node:os';
import path from 'node:path';
import { boolField, hoursField, listField, niceField, parseEnv, positiveIntField, secondsField, textField, urlField } from '../common/env.js';
import { PiaError } from '../common/errors.js';
import { DEFAULT_AGENT_NAMES } from './facts/installed-agents.js';
import { loadAgents, type AgentDefinition } from './tasks/agent-templates.js';

/** A worker's configuration, from flags over environment over defaults. */
export interface WorkerConfig {
  /** The hub's link URL, ws:// or wss:// (a bare host:port URL gets the /link path). */
  hub: string;
  joinToken: string | undefined;
  name: string | undefined;
  stateDir: string;
  /** PEM file of a CA to trust for wss:// (a self-signed hub certificate). */
  caFile: string | undefined;
  repoRoots: string[];
  agentNames: string[];
  /** Where agents work: deploys clone into folders under it. */
  workspace: string;
  maxTasks: number;
  agents: Map<string, AgentDefinition>;
  defaultAgent: string;
  /** What is risky about the configured agent templates (see loadAgents); the worker logs them at start. */
  agentWarnings: string[];
  /** Seconds between SIGINT, SIGTERM and SIGKILL when a task is cancelled or times out. */
  cancelGraceS: number;
  allowFileRepos: boolean;
  /** CPU priority of the agents (nice 0-19): lower than the worker's, so the worker stays responsive under load. */
  agentNice: number;
  /** Hours the worktree of a finished task is kept before it is pruned (dirty ones are always kept). */
  worktreeKeepH: number;
}

/** Flags given on the command line; they win over the environment. */
export interface WorkerFlags {
  hub?: string;
  join?: string;
  name?: string;
  stateDir?: string;
  ca?: string;
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? path.join(os.homedir(), p.slice(1)) : p;
}

/** Adds the link path to a hub URL given as just scheme://host:port. */
export function linkUrl(hub: string): string {
  const url = new URL(hub);
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/link';
  return url.toString();
}

/** Reads the worker's settings; a bad value names itself. */
export function loadWorkerConfig(flags: WorkerFlags, env: NodeJS.ProcessEnv = process.env): Readonly<WorkerConfig> {
  const merged = {
    ...env,
    ...(flags.hub !== undefined ? { PIA_HUB: flags.hub } : {}),
    ...(flags.join !== undefined ? { PIA_JOIN_TOKEN: flags.join } : {}),
    ...(flags.name !== undefined ? { PIA_WORKER_NAME: flags.name } : {}),
    ...(flags.stateDir !== undefined ? { PIA_STATE_DIR: flags.stateDir } : {}),
    ...(flags.ca !== undefined ? { PIA_HUB_CA: flags.ca } : {}),
  };
  const e = parseEnv(merged, {
    PIA_HUB: [urlField(['ws', 'wss']), undefined],
    PIA_JOIN_TOKEN: [textField, undefined],
    PIA_WORKER_NAME: [textField, undefined],
    PIA_STATE_DIR: [textField, '~/.local/state/pia-worker'],
    PIA_HUB_CA: [textField, undefined],
    PIA_WORKSPACE: [textField, '~/pia-work'],
    PIA_REPO_ROOTS: [listField, undefined],
    PIA_AGENT_NAMES: [listField, DEFAULT_AGENT_NAMES.join(',')],
    PIA_MAX_TASKS: [positiveIntField, '2'],
    PIA_CANCEL_GRACE_S: [secondsField, '5'],
    PIA_ALLOW_FILE_REPOS: [boolField, '0'],
    PIA_AGENT_NICE: [niceField, '19'],
    PIA_WORKTREE_KEEP_H: [hoursField, '72'],
  });
  const { agents, defaultAgent, warnings: agentWarnings } = loadAgents(merged as NodeJS.ProcessEnv);
  if (e.PIA_HUB === undefined) {
    throw new PiaError('config_invalid', '--hub (or PIA_HUB) must be the hub link URL, e.g. ws://hub.example:3000/link');
  }
  return Object.freeze({
    hub: linkUrl(e.PIA_HUB),
    joinToken: e.PIA_JOIN_TOKEN,
    name: e.PIA_WORKER_NAME,
    stateDir: path.resolve(expandHome(e.PIA_STATE_DIR)),
    caFile: e.PIA_HUB_CA ? path.resolve(expandHome(e.PIA_HUB_CA)) : undefined,
    repoRoots: (e.PIA_REPO_ROOTS ?? [e.PIA_WORKSPACE]).map(expandHome),
    agentNames: e.PIA_AGENT_NAMES,
    workspace: path.resolve(expandHome(e.PIA_WORKSPACE)),
    maxTasks: e.PIA_MAX_TASKS,
    agents,
    defaultAgent,
    agentWarnings,
    cancelGraceS: e.PIA_CANCEL_GRACE_S,
    allowFileRepos: e.PIA_ALLOW_FILE_REPOS,
    agentNice: e.PIA_AGENT_NICE,
    worktreeKeepH: e.PIA_WORKTREE_KEEP_H,
  });
}
