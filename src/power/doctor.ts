import { learnedMac } from '../wol/learned-mac.js';
import os from 'node:os';
import type { PowerTarget } from './ports.js';
import type { PowerConfig } from './config.js';
import { osOf } from './bootstrap.js';
import { probeAddress } from './prober.js';
import { chooseRelays, networksOf } from './wake-relays.js';

/** One finding about what could stop a wake. */
export interface Finding {
  level: 'ok' | 'warn' | 'error';
  message: string;
}

const wifiName = /^(wl|wlan|wifi|wlp|ath|ra\d|airport)/i;

/** Who and where the hub runs: a worker with the same user on the same host can read everything the hub keeps. */
export interface HubIdentity {
  hostname: string;
  uid: number | null;
  user: string;
}

/** This process, as the hub. */
export function thisProcess(): HubIdentity {
  let user = process.env.USER ?? process.env.USERNAME ?? '';
  try {
    user = os.userInfo().username;
  } catch {
    // a uid without a passwd entry: keep the environment's name
  }
  return { hostname: os.hostname(), uid: process.getuid?.() ?? null, user };
}

/** A finding when `m`'s worker runs as the hub's own user on the hub's host (the embedded "local" worker does). */
function runsAsHub(m: PowerTarget, hub: HubIdentity): Finding | undefined {
  const u = m.facts?.user;
  if (!u || m.facts?.hostname !== hub.hostname) return undefined;
  const same = u.uid !== null && hub.uid !== null ? u.uid === hub.uid : u.name === hub.user;
  if (!same) return undefined;
  return {
    level: 'warn',
    message:
      `${m.name}'s worker runs as ${u.name}${u.uid !== null ? ` (uid ${u.uid})` : ''}, the hub's own user on this host: its agents can read the hub's admin token, ` +
      `database and SSH key, so whoever may run tasks on ${m.name} is in effect an admin. Run this worker as another user ` +
      '(sudo pia worker install-service --hub <url> --user <name>; for the hub\'s embedded worker set PIA_LOCAL_WORKER=0).',
  };
}

/**
 * Explains what could stop a wake of `m`, given the fleet that is online now and the hub's power settings, and first
 * whether its worker is the hub's own user in disguise (`hub`: who the hub runs as, default this process).
 */
export function diagnoseWake(m: PowerTarget, online: PowerTarget[], config: Pick<PowerConfig, 'sshKeyFile' | 'sshUser'>, hub: HubIdentity = thisProcess()): Finding[] {
  const f: Finding[] = [];
  const asHub = runsAsHub(m, hub);
  if (asHub) f.push(asHub);
  const caps = m.capabilities;
  if (m.status === 'online') f.push({ level: 'ok', message: `${m.name} is online now (worker linked).` });
  const learned = learnedMac(m.facts);
  f.push(
    caps.mac
      ? { level: 'ok', message: `MAC ${caps.mac} is known.` }
      : learned
        ? { level: 'ok', message: `MAC ${learned.mac} learned from its worker (${learned.interface}, on its default route); set another with pia machines set ${m.name} --mac <mac>.` }
        : { level: 'error', message: `No MAC address known (its worker has not reported one on its default route): a magic packet cannot be built. Set it with pia machines set ${m.name} --mac <mac>.` },
  );

  const networks = networksOf(m);
  if (networks.length === 0) {
    f.push({ level: 'warn', message: 'Its networks are unknown (its worker never linked): only the hub-wide and configured targets are used.' });
  } else {
    const { relays } = chooseRelays(m, online);
    f.push(
      relays.length
        ? { level: 'ok', message: `Awake peer(s) on ${networks.join(', ')} will relay the packet: ${relays.map((r) => r.name).join(', ')}.` }
        : { level: 'warn', message: `No awake peer on ${networks.join(', ')}: packets go from the hub only, and a broadcast does not cross routers or VPNs.` },
    );
  }
  const wifi = m.facts?.interfaces.filter((i) => !i.internal && wifiName.test(i.name)) ?? [];
  if (wifi.length) f.push({ level: 'warn', message: `Last seen on Wi-Fi (${wifi.map((i) => i.name).join(', ')}): most Wi-Fi cards do not wake from a magic packet; use a wired connection.` });
  if (caps.wolTargets?.length) f.push({ level: 'ok', message: `Packets go to its configured targets: ${caps.wolTargets.join(', ')}.` });

  if (!probeAddress(m)) f.push({ level: 'warn', message: `No IP address known: PIA cannot tell when it is awake. Set one with pia machines set ${m.name} --ip <address>.` });

  if (!config.sshKeyFile) f.push({ level: 'warn', message: 'No SSH key on the hub (PIA_SSH_KEY): if its worker does not start by itself, PIA cannot start it.' });
  if (!caps.sshUser && !config.sshUser) f.push({ level: 'warn', message: `No SSH user (PIA_SSH_USER or pia machines set ${m.name} --ssh-user).` });
  f.push(caps.sshHostKey ? { level: 'ok', message: `SSH host key pinned: ${caps.sshHostKey}.` } : { level: 'warn', message: `No SSH host key pinned: run pia machines trust ${m.name}.` });
  const os = osOf(m);
  if (!os && !caps.startCommand) f.push({ level: 'error', message: `No start command for its OS: the OS is unknown. Set --os or --start-command with pia machines set ${m.name}.` });
  else f.push({ level: 'ok', message: caps.startCommand ? `Start command: ${caps.startCommand.join(' ')}.` : `Start command: the ${os} default.` });
  return f;
}
