import { isIP } from 'node:net';
import { z } from 'zod';
import { parseMac } from '../../wol/mac.js';
import { parseSecureOn } from '../../wol/magic-packet.js';
import { formatWolTarget, parseWolTargets } from '../../wol/wol-targets.js';
import { TaskMode } from '../../protocol/tasks.js';

const macSchema = z.string().transform((v, ctx) => {
  try {
    return parseMac(v);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

function checked<T>(parse: (v: string) => T) {
  return (v: string, ctx: z.RefinementCtx) => {
    try {
      parse(v);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
    }
  };
}

/** A tag: what `tag:<t>` selects in chat. */
export const Tag = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,31}$/, 'a tag is 1-32 of a-z, 0-9, _ . - starting with a letter or digit');

const fields = {
  mac: macSchema,
  ip: z.string().refine((v) => isIP(v) !== 0, 'must be an IPv4 or IPv6 address'),
  sshUser: z.string().regex(/^[a-z_][a-z0-9_.-]{0,31}$/i, 'must be a user name'),
  sshPort: z.number().int().min(1).max(65535),
  /** Pinned host key fingerprint, `SHA256:<base64>`. */
  sshHostKey: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/, 'must be a fingerprint like SHA256:<43 base64 characters>'),
  workerPath: z.string().min(1).max(4096),
  tags: z.array(Tag).max(64),
  /** Where this machine's magic packets go (`host:port`); replaces the computed targets. */
  wolTargets: z.array(z.string().superRefine(checked((v) => parseWolTargets(v, 'wolTargets'))).transform((v) => formatWolTarget(parseWolTargets(v)[0]!))).max(32),
  /** SecureOn password for its network card (4 or 6 bytes). */
  secureOn: z.string().superRefine(checked(parseSecureOn)),
  /** Wake it when a task is sent while it is off. */
  autoWake: z.boolean(),
  /** The command that starts its worker over SSH (argv), instead of the OS default. */
  startCommand: z.array(z.string().min(1).max(4096)).min(1).max(64),
  /** Its OS, when its worker has never linked to say so. */
  os: z.enum(['linux', 'darwin', 'win32']),
  /** TCP ports that show it is awake; default the hub's PIA_PROBE_PORTS. */
  probePorts: z.array(z.number().int().min(1).max(65535)).min(1).max(16),
  /** Host name or address for SSH, when not its IP. */
  sshHost: z.string().regex(/^[A-Za-z0-9.:-]{1,255}$/, 'must be a host name or address').refine((v) => !v.startsWith('-'), 'must not start with -'),
  /** Put it to sleep (see idleAction) after this many seconds with no task running or waiting for it. */
  sleepWhenIdleS: z.number().int().min(60, 'must be at least 60 seconds').max(7 * 86400, 'must be at most 7 days'),
  /** What idle sleep does: sleep (default) or shut down. */
  idleAction: z.enum(['sleep', 'shutdown']),
  /** Idle sleep even while someone is logged in on it (by default it waits). */
  idleForce: z.boolean(),
  /** When PIA woke it for a task: put it back to sleep soon after its tasks end. */
  sleepAfterWake: z.boolean(),
  /** Tasks here may run in `full` mode (the agent never asks); still for admins only. */
  allowFull: z.boolean(),
  /** The mode of tasks that name none (default: ask). */
  defaultMode: TaskMode,
  /** The agent of tasks that name none (default: the hub's PIA_DEFAULT_AGENT, else the worker's). */
  defaultAgent: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be an agent name such as claude or codex'),
};

/**
 * What the operator knows about a machine that its worker cannot tell (or cannot tell while it is off): how to
 * wake it, how to reach it over SSH, where its worker lives, how to group it.
 */
export const Capabilities = z.object(fields).partial().strict();
export type Capabilities = z.infer<typeof Capabilities>;

/** A PATCH of capabilities: keys to set, or `null` to remove. */
export const CapabilitiesPatch = z
  .object({
    mac: fields.mac.nullable(),
    ip: fields.ip.nullable(),
    sshUser: fields.sshUser.nullable(),
    sshPort: fields.sshPort.nullable(),
    sshHostKey: fields.sshHostKey.nullable(),
    workerPath: fields.workerPath.nullable(),
    tags: fields.tags.nullable(),
    wolTargets: fields.wolTargets.nullable(),
    secureOn: fields.secureOn.nullable(),
    autoWake: fields.autoWake.nullable(),
    startCommand: fields.startCommand.nullable(),
    os: fields.os.nullable(),
    probePorts: fields.probePorts.nullable(),
    sshHost: fields.sshHost.nullable(),
    sleepWhenIdleS: fields.sleepWhenIdleS.nullable(),
    idleAction: fields.idleAction.nullable(),
    idleForce: fields.idleForce.nullable(),
    sleepAfterWake: fields.sleepAfterWake.nullable(),
    allowFull: fields.allowFull.nullable(),
    defaultMode: fields.defaultMode.nullable(),
    defaultAgent: fields.defaultAgent.nullable(),
  })
  .partial()
  .strict();
export type CapabilitiesPatch = z.infer<typeof CapabilitiesPatch>;

/** Applies a patch: keys set to `null` are removed, others replaced. The result is validated again. */
export function mergeCapabilities(current: Capabilities, patch: CapabilitiesPatch): Capabilities {
  const next: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete next[key];
    else if (value !== undefined) next[key] = value;
  }
  return Capabilities.parse(next);
}
