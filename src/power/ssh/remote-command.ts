import { PiaError } from '../../common/errors.js';

/**
 * Command strings for SSH exec requests. An exec request is one string that the remote user's shell parses, so
 * every argument is quoted here for that shell and nothing a user typed is ever pasted in raw.
 */

/** The operating systems we know how to start a worker on. */
export type RemoteOs = 'linux' | 'darwin' | 'win32';

/** Where the Linux fallback start writes the worker's output (the same directory is the worker's default state). */
export const LINUX_FALLBACK_LOG = '.local/state/pia-worker/worker.log';
/** Where the macOS fallback start writes the worker's output (the launchd agent logs to the same file). */
export const DARWIN_FALLBACK_LOG = 'Library/Logs/pia-worker.log';

/**
 * Quotes argv for a POSIX shell (sh, bash, dash, zsh): every argument in single quotes, a `'` written as `'\''`.
 * Inside single quotes nothing is special, so `$(...)`, backquotes, globs and `;` stay literal text.
 */
export function posixQuote(argv: readonly string[]): string {
  return argv
    .map((arg) => {
      if (arg.includes('\0')) throw unsafe('start_command_invalid', arg, 'contains a NUL byte, which no shell argument can carry');
      return `'${arg.replaceAll("'", `'\\''`)}'`;
    })
    .join(' ');
}

/**
 * Quotes argv for a program started by cmd.exe, which is what Windows OpenSSH runs an exec request with
 * (`cmd.exe /c "<command>"`; cmd drops the outer quotes it adds). Two parsers read the result: cmd.exe, which
 * honours `& | < > ^ ( )` outside double quotes and expands `%NAME%` everywhere, then the program's
 * CommandLineToArgvW, which splits arguments with the backslash-and-quote rules.
 *
 * Every argument is double-quoted for both. A `%` is written as `"^%"` (closing the quote so cmd sees the caret,
 * which also keeps `%...%` from naming a variable); a `"` is written as `\"`. Because cmd does not understand
 * `\"`, an argument with a quote shifts cmd's idea of what is quoted; the finished line is therefore re-read the
 * way cmd reads it and refused (`windows_arg_unsafe`) if any `& | < > ^ ( ) %` would reach cmd unquoted. Assumes
 * cmd's delayed expansion (`!VAR!`) is off, as it is by default. The program itself may not contain `"` or `%`.
 */
export function windowsQuote(argv: readonly string[]): string {
  const [program, ...args] = argv;
  if (program === undefined || program === '') throw new PiaError('windows_arg_unsafe', 'A Windows command needs a program to run; the override is empty');
  for (const arg of argv) {
    if (/[\0\r\n]/.test(arg)) throw unsafe('windows_arg_unsafe', arg, 'contains a line break or NUL byte, which ends a cmd.exe command');
  }
  if (/["%]/.test(program)) throw unsafe('windows_arg_unsafe', program, 'is a program path with `"` or `%`, which cmd.exe cannot be given safely');
  const line = [`"${program}"`, ...args.map(quoteForCmdArgv)].join(' ');
  const trouble = cmdExposure(line);
  if (trouble !== undefined) {
    throw new PiaError(
      'windows_arg_unsafe',
      `Cannot pass ${JSON.stringify(argv)} through cmd.exe safely: a \`"\` in an argument would leave \`${trouble}\` unquoted for cmd. ` +
        'Remove the double quote or the special character, or put the command in a .cmd script on the machine and run that.',
    );
  }
  return line;
}

/** One argument for CommandLineToArgvW, double-quoted, with `%` lifted out of the quotes as `^%`. */
function quoteForCmdArgv(arg: string): string {
  let out = '"';
  let slashes = 0;
  for (const ch of arg) {
    if (ch === '\\') {
      slashes++;
      continue;
    }
    // Backslashes are literal except right before a `"`, where each pair means one backslash.
    if (ch === '"') out += `${'\\'.repeat(slashes * 2 + 1)}"`;
    else if (ch === '%') out += `${'\\'.repeat(slashes * 2)}"^%"`;
    else out += '\\'.repeat(slashes) + ch;
    slashes = 0;
  }
  return `${out}${'\\'.repeat(slashes * 2)}"`;
}

/** Reads `line` as cmd.exe's parser does (quotes toggle on every `"`); returns the first character cmd would act on. */
function cmdExposure(line: string): string | undefined {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === '"') quoted = !quoted;
    else if (quoted && ch === '%') return '^%'; // our caret would be kept literally and the name could expand
    else if (!quoted && ch === '^' && line[i + 1] === '%') i++; // the escape we wrote
    else if (!quoted && '&|<>^()%'.includes(ch)) return ch;
  }
  // Ending "inside" quotes is harmless: nothing follows for cmd to act on.
  return undefined;
}

/**
 * The command that starts the PIA worker on a machine over SSH.
 * - linux: `systemctl --user start pia-worker` (the unit `pia worker install-service` writes); if that fails, a
 *   detached `<workerPath|pia> worker --hub <hubUrl>` (setsid where present, nohup) logging to
 *   ~/.local/state/pia-worker/worker.log.
 * - darwin: `launchctl kickstart gui/$(id -u)/dev.pia.worker` (the shell expands the uid), with the same detached
 *   fallback logging to ~/Library/Logs/pia-worker.log.
 * - win32: `schtasks /Run /TN pia-worker` (the task install-service registers).
 * `override`, when set, is the whole command instead, as argv, quoted for the machine's shell. Everything that came
 * from a user (path, URL, override) is quoted; only our own fixed text uses shell syntax.
 */
export function startWorkerCommand(os: RemoteOs, opts: { workerPath?: string; hubUrl: string; override?: string[] }): string {
  if (opts.override !== undefined) {
    if (opts.override.length === 0 || opts.override[0] === '') {
      throw new PiaError('start_command_invalid', 'The start command override is empty; give the program and its arguments, e.g. ["/opt/pia/bin/pia", "worker", "--hub", "ws://hub:3000/link"]');
    }
    return os === 'win32' ? windowsQuote(opts.override) : posixQuote(opts.override);
  }
  switch (os) {
    case 'linux':
      return `systemctl --user start pia-worker || ${detachedStart(opts, LINUX_FALLBACK_LOG)}`;
    case 'darwin':
      return `launchctl kickstart "gui/$(id -u)/dev.pia.worker" || ${detachedStart(opts, DARWIN_FALLBACK_LOG)}`;
    case 'win32':
      return 'schtasks /Run /TN pia-worker';
  }
}

/**
 * A POSIX shell snippet that starts the worker in its own session, detached from the SSH channel (all three
 * standard streams redirected, so sshd can close the session while the worker keeps running).
 */
function detachedStart(opts: { workerPath?: string; hubUrl: string }, logFromHome: string): string {
  const argv = posixQuote([opts.workerPath ?? 'pia', 'worker', '--hub', opts.hubUrl]);
  const logDir = logFromHome.slice(0, logFromHome.lastIndexOf('/'));
  // The service manager's error (no unit yet, no user session) stays on stderr so the operator sees why we fell back.
  return (
    `{ mkdir -p "$HOME/${logDir}"; s=; command -v setsid >/dev/null 2>&1 && s=setsid; ` +
    `nohup $s ${argv} >>"$HOME/${logFromHome}" 2>&1 </dev/null & ` +
    `echo "started the PIA worker without a service manager (pid $!); log: ~/${logFromHome}"; }`
  );
}

function unsafe(code: 'start_command_invalid' | 'windows_arg_unsafe', arg: string, why: string): PiaError {
  return new PiaError(code, `The argument ${JSON.stringify(arg.slice(0, 80))} ${why}; remove that character`);
}
