import path from 'node:path';
import { PiaError } from '../../common/errors.js';
import type { ServiceCommand, WorkerServiceSpec } from './service-spec.js';
import { xmlText } from './xml-text.js';
import { checkUserName } from './service-user.js';

/** The scheduled task's name: `schtasks /Query /TN pia-worker`. */
export const WINDOWS_TASK = 'pia-worker';

/** Where the task definition is written before `schtasks /Create /XML` reads it (kept, for the operator to inspect). */
export function windowsTaskXmlPath(stateDir: string): string {
  return path.win32.join(stateDir, 'pia-worker-task.xml');
}

/**
 * A Task Scheduler definition that starts `<node> <cli> worker --hub <url> --state-dir <dir>` when the user logs
 * on, restarts it every minute if it fails (up to the schema's maximum of 255 times), and never stops it for
 * running long. Task Scheduler starts the program directly (no cmd.exe), so the Arguments only need the
 * CommandLineToArgvW quoting node uses to split them, then XML escaping.
 *
 * Encoding: the text starts with a byte order mark and declares UTF-8, so written as UTF-8 it is read correctly by
 * `schtasks /XML` (which otherwise assumes the UTF-16 it exports). Environment variables cannot be set by a task;
 * it runs with the user's own environment.
 *
 * With `user`, the task runs as that account from boot, whether or not anyone is logged on, without a stored password
 * (S4U: local resources only, which is all a worker needs); creating it takes an administrator.
 */
export function windowsTaskXml(opts: Omit<WorkerServiceSpec, 'env'> & { user?: string }): string {
  if (/["\p{Cc}]/u.test(opts.execPath)) {
    throw new PiaError('service_path_invalid', `The node path for the task cannot contain quotes or control characters; got ${JSON.stringify(opts.execPath)}`);
  }
  const args = [opts.cliPath, 'worker', '--hub', opts.hubUrl, '--state-dir', opts.stateDir].map(quoteArgvW).join(' ');
  for (const [what, text] of [['node path', opts.execPath], ['arguments', args]] as const) {
    // Task Scheduler expands %NAME% in the command and its arguments and offers no escape for a literal %.
    if (/%[^%]*%/.test(text)) {
      throw new PiaError('service_arg_invalid', `The task's ${what} would contain %...%, which Task Scheduler expands as an environment variable: ${text.slice(0, 200)}. Use paths and a hub URL without "%"`);
    }
  }
  return [
    '\ufeff<?xml version="1.0" encoding="UTF-8"?>',
    '<!-- Written by `pia worker install-service`; run that again rather than editing this task. -->',
    '<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">',
    '  <RegistrationInfo>',
    '    <Description>PIA worker: links this machine to its PIA hub.</Description>',
    '  </RegistrationInfo>',
    '  <Triggers>',
    ...(opts.user ? ['    <BootTrigger>', '      <Enabled>true</Enabled>', '    </BootTrigger>'] : ['    <LogonTrigger>', '      <Enabled>true</Enabled>', '    </LogonTrigger>']),
    '  </Triggers>',
    '  <Principals>',
    '    <Principal id="Author">',
    // Without a user: runs as the user who creates the task, only while they are logged on, without elevation.
    ...(opts.user ? [`      <UserId>${xmlText(checkUserName(opts.user))}</UserId>`, '      <LogonType>S4U</LogonType>'] : ['      <LogonType>InteractiveToken</LogonType>']),
    '      <RunLevel>LeastPrivilege</RunLevel>',
    '    </Principal>',
    '  </Principals>',
    '  <Settings>',
    '    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>',
    '    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>',
    '    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>',
    '    <StartWhenAvailable>true</StartWhenAvailable>',
    '    <AllowStartOnDemand>true</AllowStartOnDemand>',
    '    <Enabled>true</Enabled>',
    '    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>',
    '    <RestartOnFailure>',
    '      <Interval>PT1M</Interval>',
    '      <Count>255</Count>',
    '    </RestartOnFailure>',
    '  </Settings>',
    '  <Actions Context="Author">',
    '    <Exec>',
    `      <Command>${xmlText(`"${opts.execPath}"`)}</Command>`,
    `      <Arguments>${xmlText(args)}</Arguments>`,
    '    </Exec>',
    '  </Actions>',
    '</Task>',
    '',
  ].join('\r\n');
}

/** What install-service runs after writing the task XML, in order. */
export function windowsEnableCommands(xmlPath: string): ServiceCommand[] {
  return [
    // /Create /F replaces the definition but not a running instance; end it so /Run starts the new command line.
    { argv: ['schtasks', '/End', '/TN', WINDOWS_TASK], mayFail: true },
    { argv: ['schtasks', '/Create', '/TN', WINDOWS_TASK, '/XML', xmlPath, '/F'] },
    { argv: ['schtasks', '/Run', '/TN', WINDOWS_TASK] },
  ];
}

/** What to tell the operator afterwards. */
export function windowsHint(xmlPath: string): string {
  return `Registered the scheduled task ${WINDOWS_TASK} from ${xmlPath} and started it; it starts again at every logon (schtasks /Query /TN ${WINDOWS_TASK} /V).`;
}

/**
 * One argument quoted so CommandLineToArgvW (and the C runtime node uses) reads it back exactly: always in double
 * quotes; backslashes doubled only where they precede a quote; a quote written as `\"`.
 */
export function quoteArgvW(arg: string): string {
  let out = '"';
  let slashes = 0;
  for (const ch of arg) {
    if (ch === '\\') {
      slashes++;
      continue;
    }
    out += ch === '"' ? `${'\\'.repeat(slashes * 2 + 1)}"` : '\\'.repeat(slashes) + ch;
    slashes = 0;
  }
  return `${out}${'\\'.repeat(slashes * 2)}"`;
}
