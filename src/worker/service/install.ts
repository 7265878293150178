import { PiaError } from '../../common/errors.js';
import type { ServiceCommand, WorkerServiceSpec } from './service-spec.js';
import { LAUNCHD_DAEMON_PATH, launchdEnableCommands, launchdHint, launchdLogPath, launchdPlist, launchdPlistPath } from './launchd.js';
import { SYSTEMD_SYSTEM_UNIT_PATH, systemdEnableCommands, systemdHint, systemdSystemHint, systemdSystemUnit, systemdUnitPath, systemdUserUnit } from './systemd.js';
import { windowsEnableCommands, windowsHint, windowsTaskXml, windowsTaskXmlPath } from './windows.js';

/**
 * What installService needs from the world; `writeFile` creates missing parent directories. With `user`, the worker
 * is a system-level service run as that account (`home` and `uid` are then that account's): a systemd system unit
 * with User=, a launch daemon with UserName, or a scheduled task run as that user at boot.
 */
export interface InstallServiceDeps extends WorkerServiceSpec {
  platform: NodeJS.Platform;
  home: string;
  uid: number;
  user?: string;
  writeFile: (path: string, text: string) => Promise<void>;
  /** Runs a program with an argv array; never through a shell. */
  run: (argv: string[]) => Promise<{ code: number; stderr: string }>;
}

/** What was done, for the CLI to print: the files written, every command run (in order) and a hint for the operator. */
export interface InstallServiceResult {
  files: string[];
  commands: string[][];
  hint: string;
}

/** What an install would do: the file to write (with its text), the commands to run after it, and the hint. */
export interface ServicePlan {
  file: string;
  text: string;
  commands: ServiceCommand[];
  hint: string;
}

/**
 * What `pia worker install-service` does: writes the platform's service definition (a systemd user unit, a launchd
 * agent or a scheduled task) so the worker starts at login and restarts when it dies, then enables and starts it.
 * Reinstalling replaces the old definition and restarts the worker with the new one. A command that fails stops the
 * install with a PiaError carrying its stderr.
 */
export async function installService(deps: InstallServiceDeps): Promise<InstallServiceResult> {
  const plan = planService(deps);
  await deps.writeFile(plan.file, plan.text);
  const commands: string[][] = [];
  for (const step of plan.commands) {
    commands.push(step.argv);
    const { code, stderr } = await deps.run(step.argv);
    if (code !== 0 && !step.mayFail) {
      throw new PiaError(
        'service_failed',
        `\`${step.argv.join(' ')}\` failed (exit ${code}) after writing ${plan.file}: ${stderr.trim() || '(no output)'}. Fix that and run \`pia worker install-service\` again`,
      );
    }
  }
  return { files: [plan.file], commands, hint: plan.hint };
}

/** What {@link installService} would write and run on `deps.platform`, without doing it (for --dry-run). */
export function planService(deps: Omit<InstallServiceDeps, 'writeFile' | 'run'>): ServicePlan {
  const { user } = deps;
  // Shown in the hint: enrolling is done once, as the service's user, before the service can link.
  const enrol = user ? `sudo -u ${user} -H ${[deps.execPath, deps.cliPath, 'worker', '--hub', deps.hubUrl, '--state-dir', deps.stateDir].map(shownArg).join(' ')} --join <token>` : '';
  switch (deps.platform) {
    case 'linux': {
      if (user) {
        const file = SYSTEMD_SYSTEM_UNIT_PATH;
        return { file, text: systemdSystemUnit({ ...deps, user }), commands: systemdEnableCommands(true), hint: systemdSystemHint(file, user, enrol) };
      }
      const file = systemdUnitPath(deps.home);
      return { file, text: systemdUserUnit(deps), commands: systemdEnableCommands(), hint: systemdHint(file) };
    }
    case 'darwin': {
      const file = user ? LAUNCHD_DAEMON_PATH : launchdPlistPath(deps.home);
      const logPath = launchdLogPath(deps.home);
      const hint = launchdHint(file, logPath, user) + (user ? `\nIf ${user} is not enrolled yet, do it once as ${user}: ${enrol}` : '');
      return { file, text: launchdPlist({ ...deps, logPath, ...(user ? { userName: user, home: deps.home } : {}) }), commands: launchdEnableCommands(user ? null : deps.uid, file), hint };
    }
    case 'win32': {
      if (Object.keys(deps.env ?? {}).length > 0) {
        throw new PiaError(
          'service_env_invalid',
          `A Windows scheduled task cannot set environment variables (${Object.keys(deps.env ?? {}).join(', ')}); set them for your user instead (setx NAME value) and install again without them`,
        );
      }
      const file = windowsTaskXmlPath(deps.stateDir);
      const hint = windowsHint(file) + (user ? `\nIt runs as ${user} from boot. If ${user} is not enrolled yet, do it once as ${user} (runas /user:${user} cmd): pia worker --hub ${deps.hubUrl} --state-dir "${deps.stateDir}" --join <token>` : '');
      return { file, text: windowsTaskXml(deps), commands: windowsEnableCommands(file), hint };
    }
    default:
      throw new PiaError(
        'service_failed',
        `pia worker install-service supports Linux (systemd), macOS (launchd) and Windows (Task Scheduler), not ${deps.platform}; run \`pia worker --hub <url>\` under your own service manager instead`,
      );
  }
}

/** An argument as a person would type it into a POSIX shell (quoted only when it needs to be). */
function shownArg(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}
