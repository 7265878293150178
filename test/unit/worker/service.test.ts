import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { installService, type InstallServiceDeps } from '../../../src/worker/service/install.js';
import { launchdPlist } from '../../../src/worker/service/launchd.js';
import { checkServiceUser, findHubData } from '../../../src/worker/service/service-user.js';
import { systemdSystemUnit, systemdUserUnit } from '../../../src/worker/service/systemd.js';
import { quoteArgvW, windowsTaskXml } from '../../../src/worker/service/windows.js';
import { tempDir } from '../../helpers/tmp.js';

// Paths and URLs chosen to break naive quoting: spaces, both quotes, &, <, >, ;, %, $ and a backslash.
const hostile = {
  execPath: '/opt/my node/bin/node',
  cliPath: `/home/o'brien/pia "dev"/bin/pia.js`,
  hubUrl: 'wss://hub.example:3000/link?a=1&b=<2>%41$HOME',
  stateDir: '/home/u/state dir;rm -rf ~\\x',
};
const haveSystemdAnalyze = existsSync('/usr/bin/systemd-analyze');
const havePython = existsSync('/usr/bin/python3');
const S = tempDir('pia-service-');
afterAll(() => S.cleanup());

describe('systemd user unit', () => {
  it('writes every argument as a quoted, escaped word', () => {
    expect(systemdUserUnit({ ...hostile, env: { PATH: '/usr/bin:/bin', NOTE: 'say "hi" 100%\tnow' } })).toBe(
      [
        '# Written by `pia worker install-service`; run that again rather than editing this file.',
        '[Unit]',
        'Description=PIA worker (links this machine to its PIA hub)',
        'StartLimitIntervalSec=0',
        '',
        '[Service]',
        'Type=simple',
        `ExecStart="/opt/my node/bin/node" "/home/o'brien/pia \\"dev\\"/bin/pia.js" "worker" "--hub" "wss://hub.example:3000/link?a=1&b=<2>%%41$$HOME" "--state-dir" "/home/u/state dir;rm -rf ~\\\\x"`,
        'Environment="PATH=/usr/bin:/bin"',
        'Environment="NOTE=say \\"hi\\" 100%%\\tnow"',
        'WorkingDirectory=~',
        'Restart=always',
        'RestartSec=5',
        '',
        '[Install]',
        'WantedBy=default.target',
        '',
      ].join('\n'),
    );
  });

  it.runIf(haveSystemdAnalyze)('is accepted by systemd-analyze verify without warnings', () => {
    const file = path.join(S.dir, 'pia-worker.service');
    writeFileSync(file, systemdUserUnit({ ...hostile, execPath: '/bin/sh', env: { NOTE: 'a "b" 5%' } }));
    const res = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
  });

  it('refuses what systemd could misread', () => {
    expect(() => systemdUserUnit({ ...hostile, execPath: 'node' })).toThrow(expect.objectContaining({ code: 'service_path_invalid' }));
    expect(() => systemdUserUnit({ ...hostile, execPath: '/opt/$HOME/node' })).toThrow(expect.objectContaining({ code: 'service_path_invalid' }));
    expect(() => systemdUserUnit({ ...hostile, env: { 'BAD NAME': 'x' } })).toThrow(expect.objectContaining({ code: 'service_env_invalid' }));
    expect(() => systemdUserUnit({ ...hostile, env: { OK: 'bell\x07' } })).toThrow(expect.objectContaining({ code: 'service_env_invalid' }));
  });
});

describe('launchd plist', () => {
  const logPath = '/Users/u/Library/Logs/pia-worker.log';

  it('lists ProgramArguments as XML-escaped strings', () => {
    expect(launchdPlist({ ...hostile, logPath, env: { PATH: '/opt/homebrew/bin:/usr/bin' } })).toBe(
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
        '<!-- Written by `pia worker install-service`; run that again rather than editing this file. -->',
        '<plist version="1.0">',
        '<dict>',
        '  <key>Label</key>',
        '  <string>dev.pia.worker</string>',
        '  <key>ProgramArguments</key>',
        '  <array>',
        '    <string>/opt/my node/bin/node</string>',
        '    <string>/home/o&apos;brien/pia &quot;dev&quot;/bin/pia.js</string>',
        '    <string>worker</string>',
        '    <string>--hub</string>',
        '    <string>wss://hub.example:3000/link?a=1&amp;b=&lt;2&gt;%41$HOME</string>',
        '    <string>--state-dir</string>',
        '    <string>/home/u/state dir;rm -rf ~\\x</string>',
        '  </array>',
        '  <key>EnvironmentVariables</key>',
        '  <dict>',
        '    <key>PATH</key>',
        '    <string>/opt/homebrew/bin:/usr/bin</string>',
        '  </dict>',
        '  <key>RunAtLoad</key>',
        '  <true/>',
        '  <key>KeepAlive</key>',
        '  <true/>',
        '  <key>ThrottleInterval</key>',
        '  <integer>10</integer>',
        '  <key>StandardOutPath</key>',
        `  <string>${logPath}</string>`,
        '  <key>StandardErrorPath</key>',
        `  <string>${logPath}</string>`,
        '</dict>',
        '</plist>',
        '',
      ].join('\n'),
    );
  });

  it.runIf(havePython)('parses back (with a real plist parser) to the same arguments', () => {
    const parsed = JSON.parse(
      execFileSync('python3', ['-c', 'import json,plistlib,sys; print(json.dumps(plistlib.loads(sys.stdin.buffer.read())))'], {
        input: launchdPlist({ ...hostile, hubUrl: `${hostile.hubUrl}\r\n]]>`, logPath }),
        encoding: 'utf8',
      }),
    ) as { ProgramArguments: string[]; KeepAlive: boolean; RunAtLoad: boolean };
    expect(parsed.ProgramArguments).toEqual([hostile.execPath, hostile.cliPath, 'worker', '--hub', `${hostile.hubUrl}\r\n]]>`, '--state-dir', hostile.stateDir]);
    expect(parsed).toMatchObject({ KeepAlive: true, RunAtLoad: true });
  });

  it('refuses characters XML cannot carry', () => {
    expect(() => launchdPlist({ ...hostile, hubUrl: 'ws://h/\x01', logPath })).toThrow(expect.objectContaining({ code: 'service_arg_invalid' }));
  });
});

describe('Windows scheduled task', () => {
  const win = {
    execPath: 'C:\\Program Files\\nodejs\\node.exe',
    cliPath: 'C:\\Users\\R&D "x"\\pia\\bin\\pia.js',
    hubUrl: 'ws://hub:3000/link?a=<1>&b=2',
    stateDir: 'C:\\Users\\u\\state dir\\',
  };

  it('quotes Command and Arguments for CommandLineToArgvW, then escapes them for XML', () => {
    const xml = windowsTaskXml(win);
    expect(xml.startsWith('\ufeff<?xml version="1.0" encoding="UTF-8"?>\r\n')).toBe(true);
    expect(xml).toContain('      <Command>&quot;C:\\Program Files\\nodejs\\node.exe&quot;</Command>\r\n');
    expect(xml).toContain(
      '      <Arguments>&quot;C:\\Users\\R&amp;D \\&quot;x\\&quot;\\pia\\bin\\pia.js&quot; &quot;worker&quot; &quot;--hub&quot; ' +
        '&quot;ws://hub:3000/link?a=&lt;1&gt;&amp;b=2&quot; &quot;--state-dir&quot; &quot;C:\\Users\\u\\state dir\\\\&quot;</Arguments>\r\n',
    );
    for (const part of ['<LogonTrigger>', '<RestartOnFailure>', '<Interval>PT1M</Interval>', '<Count>255</Count>', '<ExecutionTimeLimit>PT0S</ExecutionTimeLimit>', '<LogonType>InteractiveToken</LogonType>']) {
      expect(xml).toContain(part);
    }
  });

  it.runIf(havePython)('is well-formed XML whose Arguments decode to the quoted command line', () => {
    const args = execFileSync(
      'python3',
      ['-c', "import sys,xml.etree.ElementTree as E; ns={'t':'http://schemas.microsoft.com/windows/2004/02/mit/task'}; r=E.fromstring(sys.stdin.buffer.read()); sys.stdout.write(r.find('t:Actions/t:Exec/t:Arguments', ns).text)"],
      { input: windowsTaskXml(win), encoding: 'utf8' },
    );
    expect(args).toBe([win.cliPath, 'worker', '--hub', win.hubUrl, '--state-dir', win.stateDir].map(quoteArgvW).join(' '));
  });

  it('quotes single arguments by the backslash rules', () => {
    expect(quoteArgvW('')).toBe('""');
    expect(quoteArgvW('a b')).toBe('"a b"');
    expect(quoteArgvW('C:\\dir\\')).toBe('"C:\\dir\\\\"');
    expect(quoteArgvW('a\\"b')).toBe('"a\\\\\\"b"');
    expect(quoteArgvW('a\\b')).toBe('"a\\b"');
  });

  it('refuses %...%, which Task Scheduler would expand', () => {
    expect(() => windowsTaskXml({ ...win, hubUrl: 'ws://h/%USERNAME%' })).toThrow(expect.objectContaining({ code: 'service_arg_invalid' }));
    expect(() => windowsTaskXml({ ...win, hubUrl: 'ws://h/100%' })).not.toThrow();
  });
});

describe('installService', () => {
  function deps(platform: NodeJS.Platform, failing: (argv: string[]) => boolean = () => false) {
    const files = new Map<string, string>();
    const ran: string[][] = [];
    const d: InstallServiceDeps = {
      platform,
      home: platform === 'win32' ? 'C:\\Users\\u' : platform === 'darwin' ? '/Users/u' : '/home/u',
      uid: 501,
      execPath: platform === 'win32' ? 'C:\\node\\node.exe' : '/usr/bin/node',
      cliPath: platform === 'win32' ? 'C:\\pia\\bin\\pia.js' : '/opt/pia/bin/pia.js',
      hubUrl: 'ws://hub:3000/link',
      stateDir: platform === 'win32' ? 'C:\\Users\\u\\.local\\state\\pia-worker' : '/home/u/.local/state/pia-worker',
      writeFile: async (p, text) => void files.set(p, text),
      run: async (argv) => (ran.push(argv), failing(argv) ? { code: 1, stderr: `${argv[0]}: nope\n` } : { code: 0, stderr: '' }),
    };
    return { d, files, ran };
  }

  it('writes the systemd unit, then reloads, stops any old worker and enables it', async () => {
    const { d, files, ran } = deps('linux');
    const res = await installService(d);
    expect(res.files).toEqual(['/home/u/.config/systemd/user/pia-worker.service']);
    expect(files.get('/home/u/.config/systemd/user/pia-worker.service')).toBe(systemdUserUnit(d));
    expect(ran).toEqual([
      ['systemctl', '--user', 'daemon-reload'],
      ['systemctl', '--user', 'stop', 'pia-worker'],
      ['systemctl', '--user', 'enable', '--now', 'pia-worker'],
    ]);
    expect(res.commands).toEqual(ran);
    expect(res.hint).toContain('loginctl enable-linger');
    expect(ran.some((argv) => argv[0] === 'loginctl')).toBe(false);
  });

  it('writes the launch agent, then boots out any old one, bootstraps and kickstarts it', async () => {
    const { d, files, ran } = deps('darwin', (argv) => argv[1] === 'bootout');
    const res = await installService(d);
    const plist = '/Users/u/Library/LaunchAgents/dev.pia.worker.plist';
    expect(res.files).toEqual([plist]);
    expect(files.get(plist)).toBe(launchdPlist({ ...d, logPath: '/Users/u/Library/Logs/pia-worker.log' }));
    expect(ran).toEqual([
      ['launchctl', 'bootout', 'gui/501/dev.pia.worker'],
      ['launchctl', 'bootstrap', 'gui/501', plist],
      ['launchctl', 'kickstart', '-k', 'gui/501/dev.pia.worker'],
    ]);
  });

  it('writes the task XML, then ends any old run, creates and runs the task', async () => {
    const { d, files, ran } = deps('win32');
    const res = await installService(d);
    const xml = 'C:\\Users\\u\\.local\\state\\pia-worker\\pia-worker-task.xml';
    expect(res.files).toEqual([xml]);
    expect(files.get(xml)).toBe(windowsTaskXml(d));
    expect(ran).toEqual([
      ['schtasks', '/End', '/TN', 'pia-worker'],
      ['schtasks', '/Create', '/TN', 'pia-worker', '/XML', xml, '/F'],
      ['schtasks', '/Run', '/TN', 'pia-worker'],
    ]);
  });

  it('stops at a failing command with its stderr', async () => {
    const { d, ran } = deps('linux', (argv) => argv.includes('enable'));
    await expect(installService(d)).rejects.toMatchObject({ code: 'service_failed', message: expect.stringContaining('systemctl: nope') });
    expect(ran).toHaveLength(3);
    const early = deps('linux', (argv) => argv.includes('daemon-reload'));
    await expect(installService(early.d)).rejects.toMatchObject({ code: 'service_failed', message: expect.stringContaining('systemctl --user daemon-reload') });
    expect(early.ran).toHaveLength(1);
  });

  it('refuses an unsupported platform and environment on Windows, before writing anything', async () => {
    const freebsd = deps('freebsd');
    await expect(installService(freebsd.d)).rejects.toMatchObject({ code: 'service_failed', message: expect.stringContaining('freebsd') });
    expect(freebsd.files.size).toBe(0);
    const win = deps('win32');
    await expect(installService({ ...win.d, env: { PATH: 'C:\\x' } })).rejects.toMatchObject({ code: 'service_env_invalid' });
    expect(win.files.size).toBe(0);
  });
});

describe('a worker that runs as another user', () => {
  const spec = { execPath: '/usr/bin/node', cliPath: '/opt/pia/bin/pia.js', hubUrl: 'ws://hub:3000/link', stateDir: '/home/agent/.local/state/pia-worker' };

  it('is a system-level systemd unit with User=, started at boot', () => {
    expect(systemdSystemUnit({ ...spec, user: 'agent', env: { PATH: '/usr/bin:/bin' } })).toBe(
      [
        '# Written by `pia worker install-service --user`; run that again rather than editing this file.',
        '[Unit]',
        'Description=PIA worker (links this machine to its PIA hub)',
        'After=network-online.target',
        'Wants=network-online.target',
        'StartLimitIntervalSec=0',
        '',
        '[Service]',
        'Type=simple',
        'User=agent',
        'ExecStart="/usr/bin/node" "/opt/pia/bin/pia.js" "worker" "--hub" "ws://hub:3000/link" "--state-dir" "/home/agent/.local/state/pia-worker"',
        'Environment="PATH=/usr/bin:/bin"',
        'WorkingDirectory=~',
        'Restart=always',
        'RestartSec=5',
        '',
        '[Install]',
        'WantedBy=multi-user.target',
        '',
      ].join('\n'),
    );
    expect(() => systemdSystemUnit({ ...spec, user: 'a b' })).toThrow(expect.objectContaining({ code: 'service_user_invalid' }));
    expect(() => systemdSystemUnit({ ...spec, user: '-x' })).toThrow(expect.objectContaining({ code: 'service_user_invalid' }));
  });

  it.runIf(haveSystemdAnalyze)('whose unit systemd-analyze verify accepts', () => {
    const file = path.join(S.dir, 'system', 'pia-worker.service');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, systemdSystemUnit({ ...spec, execPath: '/bin/sh', user: 'daemon' }));
    const res = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
  });

  function deps(platform: NodeJS.Platform) {
    const files = new Map<string, string>();
    const ran: string[][] = [];
    const win = platform === 'win32';
    const d: InstallServiceDeps = {
      platform,
      home: win ? 'C:\\Users\\agent' : platform === 'darwin' ? '/Users/agent' : '/home/agent',
      uid: 502,
      user: 'agent',
      execPath: win ? 'C:\\node\\node.exe' : '/usr/bin/node',
      cliPath: win ? 'C:\\pia\\bin\\pia.js' : '/opt/pia/bin/pia.js',
      hubUrl: 'ws://hub:3000/link',
      stateDir: win ? 'C:\\Users\\agent\\.local\\state\\pia-worker' : '/home/agent/.local/state/pia-worker',
      writeFile: async (p, text) => void files.set(p, text),
      run: async (argv) => (ran.push(argv), { code: 0, stderr: '' }),
    };
    return { d, files, ran };
  }

  it('on Linux: writes /etc/systemd/system/pia-worker.service and enables it in the system manager', async () => {
    const { d, files, ran } = deps('linux');
    const res = await installService(d);
    expect(res.files).toEqual(['/etc/systemd/system/pia-worker.service']);
    expect(files.get('/etc/systemd/system/pia-worker.service')).toBe(systemdSystemUnit({ ...d, user: 'agent' }));
    expect(ran).toEqual([
      ['systemctl', 'daemon-reload'],
      ['systemctl', 'stop', 'pia-worker'],
      ['systemctl', 'enable', '--now', 'pia-worker'],
    ]);
    expect(res.hint).toContain('sudo -u agent');
  });

  it('on macOS: a LaunchDaemon with UserName, in the system domain', async () => {
    const { d, files, ran } = deps('darwin');
    const res = await installService(d);
    const plist = '/Library/LaunchDaemons/dev.pia.worker.plist';
    expect(res.files).toEqual([plist]);
    const text = files.get(plist)!;
    expect(text).toContain('  <key>UserName</key>\n  <string>agent</string>\n');
    expect(text).toContain('    <key>HOME</key>\n    <string>/Users/agent</string>\n');
    expect(text).toContain('  <string>/Users/agent/Library/Logs/pia-worker.log</string>\n');
    expect(ran).toEqual([
      ['launchctl', 'bootout', 'system/dev.pia.worker'],
      ['launchctl', 'bootstrap', 'system', plist],
      ['launchctl', 'kickstart', '-k', 'system/dev.pia.worker'],
    ]);
  });

  it('on Windows: a scheduled task that runs as that user at boot, without a stored password', async () => {
    const { d, files, ran } = deps('win32');
    const res = await installService(d);
    const xml = files.get(res.files[0]!)!;
    expect(xml).toContain('      <UserId>agent</UserId>\r\n      <LogonType>S4U</LogonType>\r\n');
    expect(xml).toContain('<BootTrigger>');
    expect(xml).not.toContain('<LogonTrigger>');
    expect(ran[1]).toEqual(['schtasks', '/Create', '/TN', 'pia-worker', '/XML', res.files[0], '/F']);
  });
});

describe('install-service on the hub\'s own host', () => {
  const uid = process.getuid?.() ?? 0;
  const hubData = [{ dir: '/srv/pia/data', ownerUid: uid, owner: 'me' }];

  it('finds a hub data dir by its pia.db, with its owner', () => {
    const dir = path.join(S.dir, 'hub-data');
    mkdirSync(dir);
    expect(findHubData([path.join(S.dir, 'nothing'), dir])).toEqual([]);
    writeFileSync(path.join(dir, 'pia.db'), '');
    expect(findHubData([path.join(S.dir, 'nothing'), dir, dir])).toEqual([{ dir, ownerUid: uid, owner: expect.any(String) }]);
  });

  it('refuses to run the worker as the hub\'s user unless told --same-user', () => {
    expect(() => checkServiceUser({ hubData, runAsUid: uid, runAs: 'me', sameUser: false, userGiven: false })).toThrow(
      expect.objectContaining({
        code: 'service_same_user',
        message:
          "This host has a PIA hub (its data in /srv/pia/data, owned by me), and this worker would run as me too: its agents could read the hub's admin token, database and SSH key. Install it for another user with --user <name> (as root), or add --same-user to accept that.",
      }),
    );
    expect(() => checkServiceUser({ hubData, runAsUid: uid, runAs: 'me', sameUser: true, userGiven: false })).not.toThrow();
    expect(() => checkServiceUser({ hubData, runAsUid: uid + 1, runAs: 'agent', sameUser: false, userGiven: true })).not.toThrow();
    expect(() => checkServiceUser({ hubData: [], runAsUid: uid, runAs: 'me', sameUser: false, userGiven: false })).not.toThrow();
    expect(() => checkServiceUser({ hubData, runAsUid: uid, runAs: 'me', sameUser: false, userGiven: true })).toThrow(expect.objectContaining({ code: 'service_same_user' }));
    expect(() => checkServiceUser({ hubData, runAsUid: uid + 1, runAs: 'agent', sameUser: true, userGiven: true })).toThrow(expect.objectContaining({ code: 'service_user_conflict' }));
  });
});
