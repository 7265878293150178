import type { PowerTarget } from './ports.js';
import type { PowerConfig } from './config.js';
import { osOf } from './bootstrap.js';
import { probeAddress } from './prober.js';
import { chooseRelays, networksOf } from './relay.js';

/** One finding about what could stop a wake. */
export interface Finding {
  level: 'ok' | 'warn' | 'error';
  message: string;
}

const wifiName = /^(wl|wlan|wifi|wlp|ath|ra\d|airport)/i;

/** Explains what could stop a wake of `m`, given the fleet that is online now and the hub's power settings. */
export function diagnoseWake(m: PowerTarget, online: PowerTarget[], config: Pick<PowerConfig, 'sshKeyFile' | 'sshUser'>): Finding[] {
  const f: Finding[] = [];
  const caps = m.capabilities;
  if (m.status === 'online') f.push({ level: 'ok', message: `${m.name} is online now (worker linked).` });
  f.push(caps.mac ? { level: 'ok', message: `MAC ${caps.mac} is known.` } : { level: 'error', message: `No MAC address known: a magic packet cannot be built. Set it with pia machines set ${m.name} --mac <mac>.` });

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
