import path from 'node:path';
import type { ServiceCommand, WorkerServiceSpec } from './service-spec.js';
import { checkUserName } from './service-user.js';
import { xmlText } from './xml-text.js';

/** The launchd label: `launchctl print gui/$(id -u)/dev.pia.worker`. */
export const LAUNCHD_LABEL = 'dev.pia.worker';

/** Where the agent's plist goes: `~/Library/LaunchAgents/dev.pia.worker.plist`. */
export function launchdPlistPath(home: string): string {
  return path.posix.join(home, 'Library/LaunchAgents', `${LAUNCHD_LABEL}.plist`);
}

/** Where the agent's stdout and stderr go (~/Library/Logs exists on every Mac, and Console.app shows it). */
export function launchdLogPath(home: string): string {
  return path.posix.join(home, 'Library/Logs/pia-worker.log');
}

/** Where a launch daemon's plist goes (`pia worker install-service --user <name>`). */
export const LAUNCHD_DAEMON_PATH = `/Library/LaunchDaemons/${LAUNCHD_LABEL}.plist`;

/**
 * The plist of a per-user launch agent that runs `<node> <cli> worker --hub <url> --state-dir <dir>` at login and
 * keeps it alive. launchd execs ProgramArguments directly (no shell), so each argument only needs XML escaping.
 * With `userName` it is a launch daemon instead: started at boot as that user (UserName), with HOME set to `home`.
 */
export function launchdPlist(opts: WorkerServiceSpec & { logPath: string; userName?: string; home?: string }): string {
  const argv = [opts.execPath, opts.cliPath, 'worker', '--hub', opts.hubUrl, '--state-dir', opts.stateDir];
  const env = Object.entries({ ...(opts.userName && opts.home ? { HOME: opts.home } : {}), ...opts.env });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<!-- Written by `pia worker install-service`; run that again rather than editing this file. -->',
    '<plist version="1.0">',
    '<dict>',
    '  <key>Label</key>',
    `  <string>${LAUNCHD_LABEL}</string>`,
    ...(opts.userName ? ['  <key>UserName</key>', `  <string>${xmlText(checkUserName(opts.userName))}</string>`] : []),
    '  <key>ProgramArguments</key>',
    '  <array>',
    ...argv.map((a) => `    <string>${xmlText(a)}</string>`),
    '  </array>',
    ...(env.length === 0
      ? []
      : ['  <key>EnvironmentVariables</key>', '  <dict>', ...env.flatMap(([k, v]) => [`    <key>${xmlText(k)}</key>`, `    <string>${xmlText(v)}</string>`]), '  </dict>']),
    '  <key>RunAtLoad</key>',
    '  <true/>',
    '  <key>KeepAlive</key>',
    '  <true/>',
    // launchd's default; spelled out so a crash loop restarts every 10 s rather than as fast as it can.
    '  <key>ThrottleInterval</key>',
    '  <integer>10</integer>',
    '  <key>StandardOutPath</key>',
    `  <string>${xmlText(opts.logPath)}</string>`,
    '  <key>StandardErrorPath</key>',
    `  <string>${xmlText(opts.logPath)}</string>`,
    '</dict>',
    '</plist>',
    '',
  ].join('\n');
}

/** What install-service runs after writing the plist, in order (`uid` null: the system domain, for a daemon). */
export function launchdEnableCommands(uid: number | null, plistPath: string): ServiceCommand[] {
  const domain = uid === null ? 'system' : `gui/${uid}`;
  return [
    // bootstrap fails if the label is already loaded (a reinstall), so unload the old one first if there is one.
    { argv: ['launchctl', 'bootout', `${domain}/${LAUNCHD_LABEL}`], mayFail: true },
    { argv: ['launchctl', 'bootstrap', domain, plistPath] },
    { argv: ['launchctl', 'kickstart', '-k', `${domain}/${LAUNCHD_LABEL}`] },
  ];
}

/** What to tell the operator afterwards (`userName`: a launch daemon run as that user). */
export function launchdHint(plistPath: string, logPath: string, userName?: string): string {
  if (userName) return `Installed ${plistPath} and started it as ${userName}; it starts again at every boot (sudo launchctl print system/${LAUNCHD_LABEL}; log: ${logPath}).`;
  return `Installed ${plistPath} and started it; it starts again at every login (launchctl print gui/$(id -u)/${LAUNCHD_LABEL}; log: ${logPath}).`;
}


