import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { posixQuote, startWorkerCommand, windowsQuote } from '../../../src/power/ssh/remote-command.js';
import { tempDir } from '../../helpers/tmp.js';
import { until } from '../../helpers/wait.js';

const hostile = ['a b', "it's", '$(touch /tmp/pia-pwned)', '`id`', '$HOME', '*', 'x;y|z&w', '"q"', 'back\\slash', '', 'new\nline', '\'"\'"'];

/** What cmd.exe then CommandLineToArgvW make of a command line: carets outside quotes dropped, then argv split. */
function cmdThenArgv(line: string): string[] {
  let afterCmd = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === '"') quoted = !quoted;
    if (ch === '^' && !quoted) {
      afterCmd += line[++i] ?? '';
      continue;
    }
    afterCmd += ch;
  }
  // argv[0]: up to the next quote if quoted, else up to whitespace; no backslash rules.
  let i = 0;
  let program = '';
  if (afterCmd[0] === '"') {
    const end = afterCmd.indexOf('"', 1);
    program = afterCmd.slice(1, end);
    i = end + 1;
  } else {
    while (i < afterCmd.length && !' \t'.includes(afterCmd[i]!)) program += afterCmd[i++];
  }
  const args = [program];
  for (;;) {
    while (i < afterCmd.length && ' \t'.includes(afterCmd[i]!)) i++;
    if (i >= afterCmd.length) break;
    let cur = '';
    let inQuotes = false;
    while (i < afterCmd.length && (inQuotes || !' \t'.includes(afterCmd[i]!))) {
      const ch = afterCmd[i]!;
      if (ch === '\\') {
        let n = 0;
        while (afterCmd[i] === '\\') {
          n++;
          i++;
        }
        if (afterCmd[i] !== '"') {
          cur += '\\'.repeat(n);
          continue;
        }
        cur += '\\'.repeat(Math.floor(n / 2));
        if (n % 2 === 0) continue; // the quote toggles quoting, handled next time round
        cur += '"';
        i++;
      } else if (ch === '"' && inQuotes && afterCmd[i + 1] === '"') {
        cur += '"'; // the post-2008 rule: "" inside quotes is a literal quote
        i += 2;
      } else if (ch === '"') {
        inQuotes = !inQuotes;
        i++;
      } else {
        cur += ch;
        i++;
      }
    }
    args.push(cur);
  }
  return args;
}

describe('posixQuote', () => {
  it('single-quotes every argument and escapes quotes as \'\\\'\'', () => {
    expect(posixQuote(['printf', '%s|', 'a b', '$(touch /tmp/x)', "it's"])).toBe(`'printf' '%s|' 'a b' '$(touch /tmp/x)' 'it'\\''s'`);
    expect(posixQuote([''])).toBe(`''`);
  });

  it('reaches a real sh as exactly the same argv', () => {
    const out = execFileSync('sh', ['-c', posixQuote(['printf', '%s\\0', ...hostile])], { encoding: 'utf8' });
    expect(out.split('\0').slice(0, -1)).toEqual(hostile);
    expect(existsSync('/tmp/pia-pwned')).toBe(false);
  });

  it('refuses a NUL byte', () => {
    expect(() => posixQuote(['a\0b'])).toThrow(expect.objectContaining({ code: 'start_command_invalid' }));
  });
});

describe('windowsQuote', () => {
  it('double-quotes arguments for CommandLineToArgvW and lifts % out of the quotes for cmd', () => {
    expect(windowsQuote(['C:\\Program Files\\pia\\pia.exe', 'worker', '--hub', 'ws://h/?a=1&b=%PATH%', 'C:\\dir\\', 'say "hi"', ''])).toBe(
      '"C:\\Program Files\\pia\\pia.exe" "worker" "--hub" "ws://h/?a=1&b="^%"PATH"^%"" "C:\\dir\\\\" "say \\"hi\\"" ""',
    );
  });

  it.each([
    [['pia.exe', 'worker', '--hub', 'ws://hub:3000/link?a=1&b=2|3<4>5^6(7)']],
    [['C:\\R&D\\pia.exe', '100%', '%USERPROFILE%', 'a\\%b', 'trail\\', 'a\\\\"b', 'quote "only" here', '']],
    [['node', 'x', '^', '%%', 'a%b%c']],
  ])('round-trips %j through cmd and CommandLineToArgvW', (argv) => {
    expect(cmdThenArgv(windowsQuote(argv))).toEqual(argv);
  });

  it.each([
    [['pia.exe', 'a"b', 'x&y'], /unquoted/],
    [['pia.exe', 'a"b&c'], /unquoted/],
    [['pia.exe', 'a"b%c'], /unquoted/],
    [['pia.exe', 'line\nbreak'], /line break/],
    [['C:\\%TEMP%\\pia.exe'], /program path/],
    [['"pia".exe'], /program path/],
    [[], /needs a program/],
  ])('refuses %j, which cannot be made safe for cmd', (argv, message) => {
    expect(() => windowsQuote(argv)).toThrow(expect.objectContaining({ code: 'windows_arg_unsafe', message: expect.stringMatching(message) }));
  });
});

describe('startWorkerCommand', () => {
  const S = tempDir('pia-start-');
  afterAll(() => S.cleanup());

  it('builds the documented command for each OS', () => {
    expect(startWorkerCommand('win32', { hubUrl: 'ws://h' })).toBe('schtasks /Run /TN pia-worker');
    expect(startWorkerCommand('linux', { hubUrl: "ws://h:1/link?x='1'" })).toBe(
      `systemctl --user start pia-worker || { mkdir -p "$HOME/.local/state/pia-worker"; s=; command -v setsid >/dev/null 2>&1 && s=setsid; ` +
        `nohup $s 'pia' 'worker' '--hub' 'ws://h:1/link?x='\\''1'\\''' >>"$HOME/.local/state/pia-worker/worker.log" 2>&1 </dev/null & ` +
        'echo "started the PIA worker without a service manager (pid $!); log: ~/.local/state/pia-worker/worker.log"; }',
    );
    expect(startWorkerCommand('darwin', { hubUrl: 'ws://h', workerPath: '/opt/pia/bin/pia' })).toMatch(
      /^launchctl kickstart "gui\/\$\(id -u\)\/dev\.pia\.worker" \|\| \{ mkdir -p "\$HOME\/Library\/Logs"; .* nohup \$s '\/opt\/pia\/bin\/pia' 'worker' '--hub' 'ws:\/\/h' >>"\$HOME\/Library\/Logs\/pia-worker\.log"/,
    );
  });

  it('quotes a per-machine override for the OS instead', () => {
    expect(startWorkerCommand('linux', { hubUrl: 'ws://h', override: ['/opt/pia dir/pia', 'worker', '--hub', '$(id)'] })).toBe(`'/opt/pia dir/pia' 'worker' '--hub' '$(id)'`);
    expect(startWorkerCommand('win32', { hubUrl: 'ws://h', override: ['C:\\pia\\pia.exe', 'worker', '--hub', 'ws://h?a&b'] })).toBe('"C:\\pia\\pia.exe" "worker" "--hub" "ws://h?a&b"');
    expect(() => startWorkerCommand('linux', { hubUrl: 'ws://h', override: [] })).toThrow(expect.objectContaining({ code: 'start_command_invalid' }));
  });

  /** Runs a start command in a real sh with a fake HOME and fake service manager on PATH. */
  function runStart(os: 'linux' | 'darwin', managerExit: number, name: string): { home: string; out: string; argsFile: string } {
    const home = path.join(S.dir, name);
    const bin = path.join(home, 'bin');
    mkdirSync(bin, { recursive: true });
    const argsFile = path.join(home, 'args');
    // The manager records what it was asked to start, so the shell expansion of $(id -u) can be checked.
    writeFileSync(path.join(bin, os === 'linux' ? 'systemctl' : 'launchctl'), `#!/bin/sh\nprintf '%s\\n' "$@" > "$HOME/manager-args"\necho 'no user bus' >&2\nexit ${managerExit}\n`);
    const workerDir = path.join(home, `worker dir 'o"k`);
    mkdirSync(workerDir);
    const worker = path.join(workerDir, 'pia');
    writeFileSync(worker, `#!/bin/sh\nprintf '%s\\n' "$@" > ${posixQuote([argsFile])}\necho worker-says-hi\n`);
    for (const f of [worker, path.join(bin, os === 'linux' ? 'systemctl' : 'launchctl')]) chmodSync(f, 0o755);
    const cmd = startWorkerCommand(os, { workerPath: worker, hubUrl: "ws://hub:3000/link?a=1&b='$(touch pwned)'" });
    const out = execFileSync('sh', ['-c', cmd], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'pipe'], env: { HOME: home, PATH: `${bin}:/usr/bin:/bin` } });
    return { home, out, argsFile };
  }

  it('falls back to a detached start on Linux when systemctl fails, with the arguments intact', async () => {
    const { home, out, argsFile } = runStart('linux', 1, 'linux-fallback');
    expect(out).toMatch(/started the PIA worker without a service manager \(pid \d+\)/);
    await until(() => existsSync(argsFile) && readFileSync(argsFile, 'utf8').endsWith('\n'));
    expect(readFileSync(argsFile, 'utf8')).toBe("worker\n--hub\nws://hub:3000/link?a=1&b='$(touch pwned)'\n");
    await until(() => existsSync(path.join(home, '.local/state/pia-worker/worker.log')) && readFileSync(path.join(home, '.local/state/pia-worker/worker.log'), 'utf8').includes('worker-says-hi'));
    expect(existsSync(path.join(home, 'pwned'))).toBe(false);
  });

  it('does not start a second worker when the service manager succeeds; macOS gets its uid from the shell', () => {
    const { home, argsFile } = runStart('darwin', 0, 'darwin-ok');
    expect(readFileSync(path.join(home, 'manager-args'), 'utf8')).toBe(`kickstart\ngui/${process.getuid?.()}/dev.pia.worker\n`);
    expect(existsSync(argsFile)).toBe(false);
  });
});
