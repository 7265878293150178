import { Command, Option } from 'commander';
import { api as schemas } from '../../protocol/api.js';
import { taskModes } from '../../protocol/tasks.js';
import { PiaError } from '../../common/errors.js';
import type { MachineJson } from '../../hub/http/machine-json.js';
import type { ApiClient } from '../api-client.js';
import { confirm } from './power.js';
import { ago, formatTable, gib, printJson } from '../output.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** "30m", "2h", "90s", "45" (minutes) as seconds. */
export function durationS(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|hr|d)?$/i.exec(text.trim());
  if (!m) throw new PiaError('invalid_flag', `${flag} takes a duration such as 30m, 2h or 90s (or off), got '${text}'`);
  const unit = (m[2] ?? 'm').toLowerCase()[0]!;
  return Math.round(Number(m[1]) * ({ s: 1, m: 60, h: 3600, d: 86400 } as Record<string, number>)[unit]!);
}

/** One line per machine: the fleet at a glance. */
export function machinesTable(machines: MachineJson[]): string {
  if (machines.length === 0) return 'No machines yet. Add one with: pia machines add <name>\n';
  return formatTable(
    ['NAME', 'STATUS', 'POWER', 'LAST SEEN', 'HOST', 'OS', 'CPUS', 'RAM', 'AGENTS'],
    machines.map((m) => [
      m.name + (m.aliases.length ? ` (${m.aliases.join(', ')})` : ''),
      m.status,
      m.powerState,
      ago(m.lastSeen),
      m.facts?.hostname ?? '-',
      m.facts ? `${m.facts.os.platform}/${m.facts.arch}` : '-',
      m.facts ? String(m.facts.cpus) : '-',
      gib(m.facts?.memoryBytes),
      m.facts?.agents.map((a) => a.name).join(',') || '-',
    ]),
  );
}

/** Everything known of one machine, for a person. */
export function machineDetails(m: MachineJson): string {
  const lines = [
    `${m.name}${m.aliases.length ? ` (aliases: ${m.aliases.join(', ')})` : ''}`,
    `  status:       ${m.status}, last seen ${ago(m.lastSeen)}`,
    `  power:        ${m.powerState}${m.powerEvidence ? ` (${m.powerEvidence})` : ''}`,
  ];
  if (m.email) lines.push(`  email:        ${m.email}`);
  const c = m.capabilities;
  if (c.mac) lines.push(`  mac:          ${c.mac}`);
  else if (m.learnedMac) lines.push(`  mac:          ${m.learnedMac.mac} (learned from ${m.learnedMac.interface}; set another with --mac)`);
  if (c.ip) lines.push(`  ip:           ${c.ip}`);
  if (c.sshUser || c.sshPort) lines.push(`  ssh:          ${c.sshUser ?? '?'}@${c.ip ?? m.facts?.hostname ?? '?'}:${c.sshPort ?? 22}`);
  if (c.sshHostKey) lines.push(`  host key:     ${c.sshHostKey}`);
  if (c.workerPath) lines.push(`  worker path:  ${c.workerPath}`);
  if (c.tags?.length) lines.push(`  tags:         ${c.tags.join(', ')}`);
  if (c.wolTargets?.length) lines.push(`  wol targets:  ${c.wolTargets.join(', ')}`);
  if (c.autoWake !== undefined) lines.push(`  auto-wake:    ${c.autoWake ? 'on' : 'off'}`);
  if (c.sleepWhenIdleS !== undefined) lines.push(`  idle sleep:   ${c.idleAction ?? 'sleep'} after ${Math.round(c.sleepWhenIdleS / 60)} min idle${c.idleForce ? ', even with someone logged in' : ''}`);
  if (c.sleepAfterWake) lines.push('  after a wake: back to sleep once its tasks end');
  if (c.startCommand) lines.push(`  start:        ${c.startCommand.join(' ')}`);
  if (c.defaultAgent) lines.push(`  agent:        ${c.defaultAgent} (for tasks that name none)`);
  if (m.labels?.length) lines.push(`  labels:       ${m.labels.join(' ')}`);
  if (c.defaultMode || c.allowFull !== undefined) lines.push(`  modes:        default ${c.defaultMode ?? 'ask'}${c.allowFull ? ', full allowed (admins)' : ', no full mode'}`);
  const f = m.facts;
  if (f) {
    lines.push(`  host:         ${f.hostname}, ${f.os.platform} ${f.os.release} ${f.arch}, ${f.cpus} CPUs, ${gib(f.memoryBytes)}`);
    for (const i of f.interfaces.filter((i) => !i.internal)) lines.push(`  interface:    ${i.name} ${i.address} (${i.cidr}) ${i.mac}`);
    if (f.gateway) lines.push(`  gateway:      ${f.gateway}`);
    for (const g of f.gpus ?? []) lines.push(`  gpu:          ${g.name}${g.memoryBytes ? `, ${gib(g.memoryBytes)}` : ''}`);
    if (f.sessions) lines.push(`  logged in:    ${f.sessions.map((x) => x.user + (x.where ? ` (${x.where})` : '')).join(', ') || 'nobody'}`);
    const agentText = f.agents.map((a) => `${a.name}${a.version ? ` ${a.version}` : ''}${a.default ? ' (default)' : ''}${a.approvals === false ? ' (cannot ask)' : ''}`);
    lines.push(`  agents:       ${agentText.join(', ') || 'none found on PATH'}`);
    lines.push(`  repos:        ${f.repos.length}`);
    for (const r of f.repos.slice(0, 20)) lines.push(`    ${r.name} (${r.branch ?? 'detached'}) ${r.path}`);
  } else {
    lines.push('  facts:        none yet (the worker has never linked)');
  }
  return lines.join('\n') + '\n';
}

/** The link URL a worker on another machine would use, from the URL this CLI reaches the hub at. */
export function linkUrlFor(hubUrl: string): string {
  const url = new URL(hubUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.pathname = '/link';
  return url.toString();
}

function enrollHint(name: string, token: string, expiresAt: string, hubUrl: string): string {
  return (
    `Join token for ${name} (single use, expires ${expiresAt}):\n  ${token}\n` +
    `On ${name}, run (with the hub's address as that machine reaches it):\n  pia worker --hub ${linkUrlFor(hubUrl)} --join ${token}\n`
  );
}

/** `pia machines ...` */
export function machinesCommand(api: () => ApiClient, hubUrl: () => string): Command {
  const cmd = new Command('machines').description('list, add, show, change and remove the fleet\'s machines');

  cmd
    .command('list', { isDefault: true })
    .description('every machine with its status')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const { machines } = await api().get('/api/machines', schemas.machines);
      if (opts.json) printJson({ machines });
      else process.stdout.write(machinesTable(machines));
    });

  cmd
    .command('add <name>')
    .description('register a machine and print its single-use join token')
    .option('--mac <mac>', 'MAC address (for wake-on-LAN)')
    .option('--ip <address>', 'last known IP address')
    .option('--alias <alias>', 'another name for it (repeatable)', collect)
    .option('--tag <tag>', 'a tag (repeatable)', collect)
    .option('--json', 'print JSON: {"joinToken": ...}')
    .action(async (name: string, opts: { mac?: string; ip?: string; alias?: string[]; tag?: string[]; json?: boolean }) => {
      const capabilities = { ...(opts.mac ? { mac: opts.mac } : {}), ...(opts.ip ? { ip: opts.ip } : {}), ...(opts.tag ? { tags: opts.tag } : {}) };
      const out = await api().post('/api/machines', schemas.machineCreated, {
        name,
        capabilities,
        ...(opts.alias ? { aliases: opts.alias } : {}),
      });
      if (opts.json) printJson(out);
      else process.stdout.write(`Added ${out.machine.name}.\n` + enrollHint(out.machine.name, out.joinToken, out.expiresAt, hubUrl()));
    });

  cmd
    .command('show <name>')
    .description('everything known about one machine')
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { json?: boolean }) => {
      const { machine } = await api().get(`/api/machines/${encodeURIComponent(name)}`, schemas.machine);
      if (opts.json) printJson({ machine });
      else process.stdout.write(machineDetails(machine));
    });

  cmd
    .command('set <name>')
    .description("change a machine's capabilities and aliases")
    .option('--mac <mac>', 'MAC address')
    .option('--ip <address>', 'IP address')
    .option('--ssh-user <user>', 'SSH user for bootstrap')
    .addOption(new Option('--ssh-port <port>', 'SSH port').argParser((v) => Number(v)))
    .option('--worker-path <path>', 'where the worker is installed on it')
    .option('--ssh-host <host>', 'host name or address for SSH, when not its IP')
    .option('--tag <tag>', 'set the tags (repeatable; replaces the list)', collect)
    .option('--alias <alias>', 'set the aliases (repeatable; replaces the list)', collect)
    .option('--wol-target <host:port>', 'where its magic packets go (repeatable; replaces the computed targets)', collect)
    .option('--secure-on <password>', 'SecureOn password of its network card (4 or 6 bytes)')
    .addOption(new Option('--auto-wake <on|off>', 'wake it when a task is sent while it is off').choices(['on', 'off']))
    .addOption(new Option('--os <os>', 'its OS, when its worker never linked').choices(['linux', 'darwin', 'win32']))
    .option('--start-command <json>', 'argv that starts its worker over SSH, as a JSON array')
    .addOption(new Option('--probe-port <port>', 'a TCP port that shows it is awake (repeatable)').argParser((v, prev: number[] = []) => [...prev, Number(v)]))
    .option('--sleep-when-idle <duration|off>', 'put it to sleep after this long with no task (e.g. 30m, 2h; at least 1m)')
    .addOption(new Option('--idle-action <action>', 'what idle sleep does').choices(['sleep', 'shutdown']))
    .addOption(new Option('--idle-force <on|off>', 'idle sleep even while someone is logged in on it').choices(['on', 'off']))
    .addOption(new Option('--sleep-after-wake <on|off>', 'when PIA woke it for a task, put it back to sleep after').choices(['on', 'off']))
    .option('--allow-full', 'let admins run tasks here in full mode (the agent never asks)')
    .option('--no-allow-full', 'no full mode here (the default)')
    .addOption(new Option('--default-mode <mode>', 'the mode of tasks here that name none').choices([...taskModes]))
    .option('--agent <name>', 'the agent of tasks here that name none (claude, codex, gemini, opencode, cursor, aider, ...)')
    .option('--unset <key>', 'remove a capability (mac, ip, sshUser, sshPort, sshHost, sshHostKey, workerPath, tags, wolTargets, secureOn, autoWake, os, startCommand, probePorts, sleepWhenIdleS, idleAction, idleForce, sleepAfterWake, allowFull, defaultMode, defaultAgent)', collect)
    .option('--json', 'print JSON')
    .action(async (name: string, opts: Record<string, unknown> & { unset?: string[]; alias?: string[]; json?: boolean }) => {
      const capabilities: Record<string, unknown> = {};
      const map: Record<string, string> = {
        mac: 'mac',
        ip: 'ip',
        sshUser: 'sshUser',
        sshPort: 'sshPort',
        sshHost: 'sshHost',
        workerPath: 'workerPath',
        tag: 'tags',
        wolTarget: 'wolTargets',
        secureOn: 'secureOn',
        os: 'os',
        probePort: 'probePorts',
        allowFull: 'allowFull',
        defaultMode: 'defaultMode',
        agent: 'defaultAgent',
      };
      for (const [flag, key] of Object.entries(map)) if (opts[flag] !== undefined) capabilities[key] = opts[flag];
      if (opts.autoWake !== undefined) capabilities.autoWake = opts.autoWake === 'on';
      if (typeof opts.sleepWhenIdle === 'string') capabilities.sleepWhenIdleS = opts.sleepWhenIdle === 'off' ? null : durationS(opts.sleepWhenIdle, '--sleep-when-idle');
      if (opts.idleAction !== undefined) capabilities.idleAction = opts.idleAction;
      if (opts.idleForce !== undefined) capabilities.idleForce = opts.idleForce === 'on';
      if (opts.sleepAfterWake !== undefined) capabilities.sleepAfterWake = opts.sleepAfterWake === 'on';
      if (typeof opts.startCommand === 'string') {
        try {
          capabilities.startCommand = JSON.parse(opts.startCommand);
        } catch {
          throw new PiaError('invalid_flag', `--start-command must be a JSON array of arguments, e.g. '["pia","worker"]', got '${opts.startCommand}'`);
        }
      }
      for (const key of opts.unset ?? []) capabilities[key] = null;
      const body = { ...(Object.keys(capabilities).length ? { capabilities } : {}), ...(opts.alias ? { aliases: opts.alias } : {}) };
      const { machine } = await api().patch(`/api/machines/${encodeURIComponent(name)}`, schemas.machine, body);
      if (opts.json) printJson({ machine });
      else process.stdout.write(machineDetails(machine));
    });

  cmd
    .command('token <name>')
    .description('issue a new join token (re-enrol a machine)')
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { json?: boolean }) => {
      const out = await api().post(`/api/machines/${encodeURIComponent(name)}/join-token`, schemas.joinToken);
      if (opts.json) printJson(out);
      else process.stdout.write(enrollHint(name, out.joinToken, out.expiresAt, hubUrl()));
    });

  cmd
    .command('revoke <name>')
    .description("revoke a machine's credentials and cut its link (it stays registered)")
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { json?: boolean }) => {
      const out = await api().post(`/api/machines/${encodeURIComponent(name)}/revoke`, schemas.revoked);
      if (opts.json) printJson(out);
      else process.stdout.write(`Revoked ${out.revoked} credential(s) of ${name}. Re-enrol it with: pia machines token ${name}\n`);
    });

  cmd
    .command('trust <name>')
    .description("pin a machine's SSH host key: shows the key it presents and asks, or pins --fingerprint as given")
    .option('--fingerprint <SHA256:...>', 'pin this fingerprint (checked out of band) without connecting')
    .option('-y, --yes', 'pin the presented key without asking')
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { fingerprint?: string; yes?: boolean; json?: boolean }) => {
      const client = api();
      let fingerprint = opts.fingerprint;
      if (!fingerprint) {
        const key = await client.get(`/api/machines/${encodeURIComponent(name)}/host-key`, schemas.hostKey);
        if (!opts.json) {
          process.stdout.write(`${name} (${key.host}:${key.port}) presents host key ${key.fingerprint}\n`);
          if (key.pinned && key.pinned !== key.fingerprint) process.stdout.write(`WARNING: the pinned key is ${key.pinned}; it has CHANGED.\n`);
          process.stdout.write('Compare it with `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on that machine.\n');
        }
        await confirm(`Trust this key for ${name}?`, opts.yes);
        fingerprint = key.fingerprint;
      }
      const out = await client.post(`/api/machines/${encodeURIComponent(name)}/trust`, schemas.trusted, { fingerprint });
      if (opts.json) printJson(out);
      else process.stdout.write(`Pinned ${out.sshHostKey} for ${out.machine}.\n`);
    });

  cmd
    .command('rm <name>')
    .alias('remove')
    .description('revoke and remove a machine')
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { json?: boolean }) => {
      const out = await api().delete(`/api/machines/${encodeURIComponent(name)}`, schemas.removed);
      if (opts.json) printJson(out);
      else process.stdout.write(`Removed ${out.removed} (${out.revoked} credential(s) revoked).\n`);
    });

  return cmd;
}
