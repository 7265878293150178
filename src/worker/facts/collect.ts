/**
 * Gathers everything a worker reports about its machine into one {@link Facts} value for its hello.
 */
import { statfs } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AgentFact, Facts, GpuFact, NetworkInterface, RepoFact } from '../../protocol/facts.js';
import type { z } from 'zod';
import type { AgentDefinition } from '../tasks/agent-templates.js';
import { agentFacts } from './agent-facts.js';
import { findAgentsOnPath } from './installed-agents.js';
import { listIPv4Interfaces, readDefaultGateway } from './network.js';
import { findGitRepos } from './repos.js';
import type { Session } from './sessions.js';

/** What to look for when collecting facts. */
export interface CollectFactsOptions {
  /** Directories searched for git repositories. */
  repoRoots: readonly string[];
  /** Agent CLI names looked up on PATH. */
  agentNames: readonly string[];
  /** This worker's version, reported as is. */
  workerVersion: string;
  /** PATH to search for agents; defaults to the process's own. */
  pathEnv?: string;
  /** The agents the worker runs (built-in and configured): reported with versions when installed. */
  agents?: ReadonlyMap<string, AgentDefinition>;
  defaultAgent?: string;
  /** The folder whose file system's free space is reported (the workspace). */
  workspace?: string;
  /** The graphics cards (found once per worker: they do not change while it runs). */
  gpus?: () => Promise<GpuFact[]>;
  /** Who is logged in; undefined when the machine cannot tell. */
  sessions?: () => Promise<Session[] | undefined>;
}

const GIB = 1024 ** 3;
/** Rounded down to whole GiB: free space moves all the time, and facts are resent only when they change. */
const wholeGiB = (bytes: number) => Math.floor(bytes / GIB) * GIB;

/** Free bytes on the file system of `dir` (or the nearest folder above it that exists); undefined when unknown. */
async function freeDisk(dir: string | undefined): Promise<number | undefined> {
  for (let d = dir; d; ) {
    const s = await statfs(d).catch(() => undefined);
    if (s) return wholeGiB(Number(s.bavail) * Number(s.bsize));
    const up = path.dirname(d);
    d = up !== d ? up : undefined;
  }
  return undefined;
}

/**
 * Collects this machine's facts. The result always passes `Facts.parse`: lists are cut to the schema's
 * maximum sizes, over-long strings are shortened, and the rare entry the schema would reject (say a
 * repository path over 4096 characters) is dropped rather than failing the whole hello.
 */
export async function collectFacts(opts: CollectFactsOptions): Promise<Facts> {
  const [gateway, repos, onPath, gpus, diskFree, sessions, runnable] = await Promise.all([
    readDefaultGateway(),
    // The schema caps repos at 2000; never search for more than can be sent.
    findGitRepos(opts.repoRoots, { maxRepos: 2000 }),
    findAgentsOnPath(opts.agentNames, opts.pathEnv),
    opts.gpus?.().catch(() => []) ?? Promise.resolve(undefined),
    freeDisk(opts.workspace),
    opts.sessions?.().catch(() => undefined) ?? Promise.resolve(undefined),
    opts.agents ? agentFacts(opts.agents, opts.defaultAgent ?? '', opts.pathEnv ?? process.env.PATH ?? '') : Promise.resolve([]),
  ]);
  // The agents it runs first; other CLIs on PATH (a program a built-in agent already covers is not said twice).
  const covered = new Set([...runnable.map((a) => a.name), ...[...(opts.agents?.values() ?? [])].flatMap((a) => a.builtin?.programs ?? [])]);
  const agents = [...runnable, ...onPath.filter((a) => !covered.has(a.name))];
  const cpus = os.cpus();
  const cpuModel = cpus[0]?.model.trim();
  return Facts.parse({
    hostname: clip(os.hostname(), 256),
    os: { platform: clip(os.platform(), 64), release: clip(os.release(), 256), version: clip(os.version(), 512) },
    arch: clip(os.arch(), 64),
    cpus: cpus.length,
    // Some virtual machines report an empty model; absent says "unknown" better than "".
    cpuModel: cpuModel ? clip(cpuModel, 256) : undefined,
    memoryBytes: os.totalmem(),
    gpus,
    interfaces: fitList(listIPv4Interfaces(), NetworkInterface, 256),
    gateway,
    repos: fitList(repos, RepoFact, 2000),
    agents: fitList(agents, AgentFact, 64),
    workerVersion: clip(opts.workerVersion, 64),
    user: currentUser(),
    ...(gpus ? { gpus: fitList(gpus, GpuFact, 32) } : {}),
    memoryFreeBytes: wholeGiB(os.freemem()),
    ...(diskFree !== undefined ? { diskFreeBytes: diskFree } : {}),
    ...(sessions ? { sessions: sessions.slice(0, 256).map((x) => ({ user: clip(x.user, 256), ...(x.where ? { where: clip(x.where, 256) } : {}) })) } : {}),
  });
}

/** Who the worker runs as; os.userInfo() throws for a uid without a passwd entry (some containers). */
function currentUser(): { name: string; uid: number | null } {
  const uid = process.getuid?.() ?? null;
  try {
    return { name: clip(os.userInfo().username, 256), uid };
  } catch {
    return { name: clip(process.env.USER ?? process.env.USERNAME ?? String(uid ?? ''), 256), uid };
  }
}

function clip(text: string, max: number): string {
  return text.length > max ? text.slice(0, max) : text;
}

/** The items the element schema accepts, at most `max` of them. */
function fitList<T>(items: T[], schema: z.ZodType<T>, max: number): T[] {
  return items.filter((item) => schema.safeParse(item).success).slice(0, max);
}
