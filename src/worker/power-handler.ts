import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { z } from 'zod';
import { errorMessage, PiaError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { HubMessage, WorkerMessage } from '../protocol/messages.js';
import type { PowerAction } from '../protocol/power.js';
import { buildMagicPacket } from '../wol/magic-packet.js';
import { createWolSender, type WolSender } from '../wol/wol-sender.js';
import { formatWolTarget } from '../wol/wol-targets.js';
import { loggedIn, type Session } from './facts/sessions.js';

const run = promisify(execFile);

/** The OS's own command for each power action, as argv. */
export function defaultPowerCommand(action: PowerAction, platform: NodeJS.Platform): string[] {
  switch (platform) {
    case 'darwin':
      return { shutdown: ['sudo', '-n', 'shutdown', '-h', 'now'], sleep: ['pmset', 'sleepnow'], restart: ['sudo', '-n', 'shutdown', '-r', 'now'] }[action];
    case 'win32':
      return {
        shutdown: ['shutdown', '/s', '/t', '0'],
        sleep: ['rundll32.exe', 'powrprof.dll,SetSuspendState', '0,1,0'],
        restart: ['shutdown', '/r', '/t', '0'],
      }[action];
    default:
      return { shutdown: ['systemctl', 'poweroff'], sleep: ['systemctl', 'suspend'], restart: ['systemctl', 'reboot'] }[action];
  }
}

const envNames: Record<PowerAction, string> = { shutdown: 'PIA_POWER_SHUTDOWN_CMD', sleep: 'PIA_POWER_SLEEP_CMD', restart: 'PIA_POWER_RESTART_CMD' };

/** The command for an action: `PIA_POWER_<ACTION>_CMD` (a JSON argv) when set, else the OS default. */
export function powerCommand(action: PowerAction, env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string[] {
  const raw = env[envNames[action]]?.trim();
  if (!raw) return defaultPowerCommand(action, platform);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  const argv = z.array(z.string()).min(1).safeParse(parsed);
  if (!argv.success) throw new PiaError('config_invalid', `${envNames[action]} must be a JSON array of arguments, got '${raw}'`);
  return argv.data;
}

/**
 * Handles the hub's power requests on a worker: relay a magic-packet burst from this machine's network, and sleep,
 * shut down or restart this machine with the OS's own command. Each answers with a `power.result`.
 */
export function createPowerHandler(deps: { send: (m: WorkerMessage) => boolean; env: NodeJS.ProcessEnv; log: Logger; sender?: WolSender; sessions?: () => Promise<Session[] | undefined> }) {
  const sessions = deps.sessions ?? (() => loggedIn(deps.env));
  const sender = deps.sender ?? createWolSender();
  const reply = (requestId: string, ok: boolean, message: string) => deps.send({ type: 'power.result', requestId, ok, message: message.slice(0, 4000) });

  return {
    /** A power request from the hub: a relayed wake, or sleep/shutdown/restart of this machine. */
    handle(msg: Extract<HubMessage, { type: 'power.wol' | 'power.command' }>): void {
      if (msg.type === 'power.wol') {
        void (async () => {
          try {
            const packet = buildMagicPacket(msg.mac, msg.secureOn);
            const report = await sender.sendBurst(packet, msg.targets, { count: msg.count, intervalMs: msg.intervalMs });
            const sent = report.targets.reduce((n, t) => n + t.sent, 0);
            const errors = report.targets.filter((t) => t.error).map((t) => t.error!);
            const where = report.targets.filter((t) => t.sent > 0).map((t) => formatWolTarget(t.target)).join(', ');
            reply(msg.requestId, sent > 0, sent > 0 ? `${sent} packets to ${where}${errors.length ? `; ${errors.join('; ')}` : ''}` : `nothing sent: ${errors.join('; ')}`);
          } catch (err) {
            reply(msg.requestId, false, errorMessage(err));
          }
        })();
        return;
      }
      void (async () => {
        try {
          if (msg.unlessLoggedIn) {
            // Checked now, not from the last facts: someone may have logged in a minute ago.
            const people = await sessions();
            if (people?.length) {
              const who = [...new Set(people.map((p) => `${p.user}${p.where ? ` (${p.where})` : ''}`))].join(', ');
              return reply(msg.requestId, false, `not doing ${msg.action}: logged in: ${who}`);
            }
          }
          const argv = powerCommand(msg.action, deps.env);
          deps.log.warn({ action: msg.action, argv }, 'power command from the hub');
          const { stdout } = await run(argv[0]!, argv.slice(1), { timeout: 30_000 });
          reply(msg.requestId, true, `${msg.action}: ${argv.join(' ')}${stdout.trim() ? ` (${stdout.trim().slice(0, 200)})` : ''}`);
        } catch (err) {
          const e = err as { stderr?: string };
          reply(msg.requestId, false, `${msg.action} failed: ${(e.stderr?.trim() || errorMessage(err)).slice(0, 500)}`);
        }
      })();
    },
    close: () => sender.close(),
  };
}
