import { z } from 'zod';

/** One IPv4 interface of a machine, as its worker saw it. */
export const NetworkInterface = z.object({
  name: z.string().max(128),
  address: z.string().max(64),
  netmask: z.string().max(64),
  /** CIDR of the interface's network, e.g. 192.168.1.0/24. */
  cidr: z.string().max(64),
  mac: z.string().max(32),
  internal: z.boolean(),
});
export type NetworkInterface = z.infer<typeof NetworkInterface>;

/** A git repository found under one of the worker's configured roots. */
export const RepoFact = z.object({
  name: z.string().max(256),
  path: z.string().max(4096),
  remote: z.string().max(4096).nullable(),
  branch: z.string().max(512).nullable(),
});
export type RepoFact = z.infer<typeof RepoFact>;

/** An agent CLI found on the worker's PATH (a built-in or configured agent, or one of PIA_AGENT_NAMES). */
export const AgentFact = z.object({
  name: z.string().max(128),
  path: z.string().max(4096),
  /** What `<agent> --version` printed (built-in agents). */
  version: z.string().max(128).optional(),
  /** The worker runs it for tasks that name no agent. */
  default: z.boolean().optional(),
  /** It can ask a person (so it runs tasks in ask mode). Absent: not an agent PIA drives. */
  approvals: z.boolean().optional(),
  /** A follow-up continues its session. */
  resume: z.boolean().optional(),
});
export type AgentFact = z.infer<typeof AgentFact>;

/** A graphics card, as the worker found it without running a shell (sysfs, nvidia-smi, system_profiler). */
export const GpuFact = z.object({
  name: z.string().max(256),
  /** nvidia, amd, intel, apple, or another vendor's name; absent when unknown. */
  vendor: z.string().max(64).optional(),
  /** Its own memory (VRAM) in bytes, where the system tells it. */
  memoryBytes: z.number().nonnegative().optional(),
});
export type GpuFact = z.infer<typeof GpuFact>;

/** What a worker reports about its machine in its hello (and again when it changes). */
export const Facts = z.object({
  hostname: z.string().max(256),
  os: z.object({
    platform: z.string().max(64),
    release: z.string().max(256),
    version: z.string().max(512).optional(),
  }),
  arch: z.string().max(64),
  cpus: z.number().int().nonnegative(),
  cpuModel: z.string().max(256).optional(),
  memoryBytes: z.number().nonnegative(),
  interfaces: z.array(NetworkInterface).max(256),
  /** Default IPv4 gateway where the OS tells it. */
  gateway: z.string().max(64).nullable().optional(),
  repos: z.array(RepoFact).max(2000),
  agents: z.array(AgentFact).max(64),
  workerVersion: z.string().max(64),
  /** The user the worker runs as (uid null where the OS has none): the hub's doctor warns when it is the hub's own. */
  user: z.object({ name: z.string().max(256), uid: z.number().int().nullable() }).optional(),
  /** Graphics cards; absent from older workers, empty when there are none. */
  gpus: z.array(GpuFact).max(32).optional(),
  /** Free memory in bytes, rounded down to a whole GiB so a small change does not resend the facts. */
  memoryFreeBytes: z.number().nonnegative().optional(),
  /** Free space on the workspace's file system in bytes, rounded down to a whole GiB. */
  diskFreeBytes: z.number().nonnegative().optional(),
  /**
   * Who is logged in on the machine (loginctl, the macOS console user, Windows sessions): idle sleep waits while
   * anyone is. Absent when the worker cannot tell.
   */
  sessions: z.array(z.object({ user: z.string().max(256), where: z.string().max(256).optional() })).max(256).optional(),
});
export type Facts = z.infer<typeof Facts>;
