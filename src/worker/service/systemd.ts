import path from 'node:path';
import { PiaError } from '../../common/errors.js';
import type { ServiceCommand, WorkerServiceSpec } from './service-spec.js';
import { checkUserName } from './service-user.js';

/** The unit name: `systemctl --user status pia-worker`. */
export const SYSTEMD_UNIT = 'pia-worker';

/** Where the user unit goes: `~/.config/systemd/user/pia-worker.service`. */
export function systemdUnitPath(home: string): string {
  return path.posix.join(home, '.config/systemd/user', `${SYSTEMD_UNIT}.service`);
}

/** Where a system unit goes (`pia worker install-service --user <name>`). */
export const SYSTEMD_SYSTEM_UNIT_PATH = `/etc/systemd/system/${SYSTEMD_UNIT}.service`;

/**
 * The text of a systemd user unit that runs `<node> <cli> worker --hub <url> --state-dir <dir>` and restarts it
 * forever. Every argument is written as a double-quoted, C-escaped word with `%` doubled (unit specifiers) and, in
 * ExecStart, `$` doubled (variable expansion), so paths and URLs with spaces, quotes or `;` reach the worker intact.
 */
export function systemdUserUnit(opts: WorkerServiceSpec): string {
  return unitText(opts);
}

/**
 * The same worker as a system unit run as `opts.user` (User=): it starts at boot, needs nobody logged in, and keeps
 * the agents away from the files of whoever installed it (the hub's user, on the hub's host). `~` in
 * WorkingDirectory is that user's home.
 */
export function systemdSystemUnit(opts: WorkerServiceSpec & { user: string }): string {
  return unitText(opts, checkUserName(opts.user));
}

function unitText(opts: WorkerServiceSpec, user?: string): string {
  if (!opts.execPath.startsWith('/') || /["'\\$\p{Cc}]/u.test(opts.execPath)) {
    // systemd refuses such an executable path itself; a leading character other than `/` could be read as a
    // prefix like `-` or `+` even inside quotes.
    throw new PiaError('service_path_invalid', `The node path for the service must be absolute and free of quotes, backslashes, "$" and control characters; got ${JSON.stringify(opts.execPath)}. Reinstall node somewhere plainer or pass its path explicitly`);
  }
  const argv = [opts.execPath, opts.cliPath, 'worker', '--hub', opts.hubUrl, '--state-dir', opts.stateDir];
  const env = Object.entries(opts.env ?? {}).map(([k, v]) => `Environment=${systemdWord(`${envName(k)}=${envValue(k, v)}`)}`);
  return [
    `# Written by \`pia worker install-service${user ? ' --user' : ''}\`; run that again rather than editing this file.`,
    '[Unit]',
    'Description=PIA worker (links this machine to its PIA hub)',
    // At boot, wait for the network the hub is reached over (a user unit starts at login, when it is up).
    ...(user ? ['After=network-online.target', 'Wants=network-online.target'] : []),
    // Never stop retrying: the hub may be down for longer than systemd's default start limit allows.
    'StartLimitIntervalSec=0',
    '',
    '[Service]',
    'Type=simple',
    ...(user ? [`User=${user}`] : []),
    `ExecStart=${argv.map((a) => systemdWord(a).replaceAll('$', () => '$$')).join(' ')}`,
    ...env,
    'WorkingDirectory=~',
    'Restart=always',
    'RestartSec=5',
    '',
    '[Install]',
    `WantedBy=${user ? 'multi-user.target' : 'default.target'}`,
    '',
  ].join('\n');
}

/** What install-service runs after writing the unit, in order (`system`: the system manager, for --user). */
export function systemdEnableCommands(system = false): ServiceCommand[] {
  const ctl = system ? ['systemctl'] : ['systemctl', '--user'];
  return [
    { argv: [...ctl, 'daemon-reload'] },
    // A reinstall must replace a worker still running the old command line; `enable --now` alone would keep it.
    { argv: [...ctl, 'stop', SYSTEMD_UNIT], mayFail: true },
    { argv: [...ctl, 'enable', '--now', SYSTEMD_UNIT] },
  ];
}

/** What to tell the operator after installing a system unit for `user`. */
export function systemdSystemHint(unitPath: string, user: string, enrol: string): string {
  return [
    `Installed ${unitPath} and started it as ${user}; it starts at boot (systemctl status ${SYSTEMD_UNIT}; logs: journalctl -u ${SYSTEMD_UNIT} -f).`,
    `If ${user} is not enrolled yet, do it once as ${user}, then restart the service: ${enrol}; sudo systemctl restart ${SYSTEMD_UNIT}`,
  ].join('\n');
}

/** What to tell the operator afterwards; linger is theirs to decide, so we only suggest it. */
export function systemdHint(unitPath: string): string {
  return [
    `Installed ${unitPath} and started it (systemctl --user status ${SYSTEMD_UNIT}; logs: journalctl --user -u ${SYSTEMD_UNIT} -f).`,
    'To keep the worker running while you are logged out, and start it at boot, run once: loginctl enable-linger "$USER"',
  ].join('\n');
}

/** One double-quoted word as systemd's unquote + C-unescape reads it back, with `%` specifiers escaped. */
function systemdWord(value: string): string {
  const escaped = value.replace(/[\\"\p{Cc}]/gu, (ch) => {
    switch (ch) {
      case '\\':
        return '\\\\';
      case '"':
        return '\\"';
      case '\n':
        return '\\n';
      case '\t':
        return '\\t';
      case '\r':
        return '\\r';
      default:
        if (ch === '\0') throw new PiaError('service_arg_invalid', 'A service argument contains a NUL byte; remove it');
        return `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
    }
  });
  return `"${escaped.replaceAll('%', '%%')}"`;
}

function envName(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new PiaError('service_env_invalid', `"${name.slice(0, 60)}" is not an environment variable name (letters, digits and _, not starting with a digit)`);
  }
  return name;
}

function envValue(name: string, value: string): string {
  // systemd rejects control characters in environment values other than newline and tab; say so here instead.
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  if (/[\0-\x08\x0b-\x1f\x7f]/.test(value)) {
    throw new PiaError('service_env_invalid', `The value of ${name} contains control characters, which a systemd unit cannot carry; remove them`);
  }
  return value;
}
