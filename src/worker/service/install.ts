import { PiaError } from '../../common/errors.js';
import { launchdEnableCommands, launchdHint, launchdLogPath, launchdPlist, launchdPlistPath } from './launchd.js';
import { systemdEnableCommands, systemdHint, systemdUnitPath, systemdUserUnit } from './systemd.js';
import { windowsEnableCommands, windowsHint, windowsTaskXml, windowsTaskXmlPath } from './windows.js';

/** What the service runs: `<execPath> <cliPath> worker --hub <hubUrl> --state-dir <stateDir>`, with `env` set. */
export interface WorkerServiceSpec {
  /** The node binary (process.execPath). */
  execPath: string;
  /** PIA's bin/pia.js. */
  cliPath: string;
  hubUrl: string;
  stateDir: string;
  /**
   * Extra environment for the worker (e.g. PATH, so it finds the coding agents the login shell would). Written into
   * the systemd unit and the launchd plist; a Windows task cannot carry it (see installService).
   */
  env?: Record<string, string>;
}

/** One step after the file is written; `mayFail` marks a clean-up whose failure just means there was nothing to clean. */
export interface ServiceCommand {
  argv: string[];
  mayFail?: boolean;
}

/** What installService needs from the world; `writeFile` creates missing parent directories. */
export interface InstallServiceDeps extends WorkerServiceSpec {
  platform: NodeJS.Platform;
  home: string;
  uid: number;
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
  switch (deps.platform) {
    case 'linux': {
      const file = systemdUnitPath(deps.home);
      return { file, text: systemdUserUnit(deps), commands: systemdEnableCommands(), hint: systemdHint(file) };
    }
    case 'darwin': {
      const file = launchdPlistPath(deps.home);
      const logPath = launchdLogPath(deps.home);
      return { file, text: launchdPlist({ ...deps, logPath }), commands: launchdEnableCommands(deps.uid, file), hint: launchdHint(file, logPath) };
    }
    case 'win32': {
      if (Object.keys(deps.env ?? {}).length > 0) {
        throw new PiaError(
          'service_env_invalid',
          `A Windows scheduled task cannot set environment variables (${Object.keys(deps.env ?? {}).join(', ')}); set them for your user instead (setx NAME value) and install again without them`,
        );
      }
      const file = windowsTaskXmlPath(deps.stateDir);
      return { file, text: windowsTaskXml(deps), commands: windowsEnableCommands(file), hint: windowsHint(file) };
    }
    default:
      throw new PiaError(
        'service_failed',
        `pia worker install-service supports Linux (systemd), macOS (launchd) and Windows (Task Scheduler), not ${deps.platform}; run \`pia worker --hub <url>\` under your own service manager instead`,
      );
  }
}
