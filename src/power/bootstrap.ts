import { readFileSync } from 'node:fs';
import { PiaError } from '../common/errors.js';
import type { PowerTarget } from './ports.js';
import type { PowerConfig } from './config.js';
import { probeAddress } from './prober.js';
import { sshExec } from './ssh/ssh-client.js';
import { startWorkerCommand, type RemoteOs } from './ssh/remote-command.js';

/** Everything needed to reach a machine over SSH, or the reason it cannot be. */
export interface SshPlan {
  host: string;
  port: number;
  user: string;
  keyFile: string;
  fingerprint: string;
  os: RemoteOs;
}

/** The machine's OS as PIA knows it: configured, else reported by its worker. */
export function osOf(m: PowerTarget): RemoteOs | undefined {
  const os = m.capabilities.os ?? m.facts?.os.platform;
  return os === 'linux' || os === 'darwin' || os === 'win32' ? os : undefined;
}

/** Works out how to reach a machine over SSH; a missing piece is an error that says how to supply it. */
export function sshPlan(m: PowerTarget, config: Pick<PowerConfig, 'sshKeyFile' | 'sshUser'>): SshPlan {
  const host = m.capabilities.sshHost ?? probeAddress(m);
  if (!host) throw new PiaError('ssh_no_host', `No address known for ${m.name}; set one with pia machines set ${m.name} --ip <address>.`);
  const user = m.capabilities.sshUser ?? config.sshUser;
  if (!user) throw new PiaError('ssh_no_user', `No SSH user for ${m.name}; set PIA_SSH_USER on the hub or pia machines set ${m.name} --ssh-user <user>.`);
  if (!config.sshKeyFile) throw new PiaError('ssh_no_key', 'No SSH key on the hub; set PIA_SSH_KEY to a private key file whose public key the machines accept.');
  const fingerprint = m.capabilities.sshHostKey;
  if (!fingerprint) throw new PiaError('host_key_unknown', `${m.name}'s SSH host key is not pinned yet; check and pin it with: pia machines trust ${m.name}`);
  const os = osOf(m);
  if (!os) throw new PiaError('os_unknown', `${m.name}'s OS is unknown (its worker never linked); set it with pia machines set ${m.name} --os linux|darwin|win32.`);
  return { host, port: m.capabilities.sshPort ?? 22, user, keyFile: config.sshKeyFile, fingerprint, os };
}

/**
 * Starts a machine's worker over SSH: key authentication, the pinned host key checked (a mismatch is refused
 * loudly by the client), then the OS's start command (or the machine's own). Returns what the command printed.
 */
export async function bootstrapWorker(m: PowerTarget, deps: { config: Pick<PowerConfig, 'sshKeyFile' | 'sshUser'>; hubLinkUrl: string; signal?: AbortSignal }): Promise<string> {
  const plan = sshPlan(m, deps.config);
  let privateKey: Buffer;
  try {
    privateKey = readFileSync(plan.keyFile);
  } catch (err) {
    throw new PiaError('ssh_no_key', `Cannot read the SSH key ${plan.keyFile}: ${(err as Error).message}`);
  }
  const command = startWorkerCommand(plan.os, { workerPath: m.capabilities.workerPath, hubUrl: deps.hubLinkUrl, ...(m.capabilities.startCommand ? { override: m.capabilities.startCommand } : {}) });
  const result = await sshExec({ host: plan.host, port: plan.port, user: plan.user, privateKey, hostKeyFingerprint: plan.fingerprint, command, timeoutMs: 60_000, ...(deps.signal ? { signal: deps.signal } : {}) });
  if (result.code !== 0) {
    throw new PiaError('bootstrap_failed', `The start command on ${m.name} exited with ${result.code ?? result.signal}: ${(result.stderr || result.stdout).trim().slice(-500)}`);
  }
  return `${plan.user}@${plan.host}:${plan.port}`;
}
