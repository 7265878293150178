import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CommanderError, type Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../../src/cli/main.js';
import { projectRoot } from '../../../src/common/version.js';
import { freePort } from '../../helpers/ports.js';

// Every command line the README shows a user must be one the CLI accepts. Each is parsed by the real program; the
// ones that talk to the hub run against a hub that is not there and must fail with "Cannot reach the hub" (not a
// usage error); the few that do not talk to the hub (the daemons, install-service, mail, discord) stop after parsing.
const README = readFileSync(path.join(projectRoot, 'README.md'), 'utf8');

/** Values for the README's placeholders (<url>, <taskId>, URL, ...): anything else becomes "x". */
const samples: Record<string, string> = {
  url: 'ws://127.0.0.1:1/link',
  'hub address': '127.0.0.1',
  taskid: 'abcdefghij',
  id: 'abcdefghij',
  token: 'pia_j_sample',
  identity: 'email:a@example.test',
  role: 'operator',
  days: '30',
  gb: '10',
};
const sample = (name: string) => samples[name.toLowerCase()] ?? 'x';

/** `pia ...` and `npx pia ...` (also after sudo) lines of the README's code blocks, and its inline `pia ...` spans that are not synopses. */
export function readmeCommandLines(text: string): string[] {
  const found: string[] = [];
  const add = (line: string) => {
    const cmd = line.trim().replace(/^sudo /, '').replace(/^npx /, '');
    if (/^pia /.test(cmd) && !found.includes(cmd)) found.push(cmd);
  };
  const blocks = [...text.matchAll(/^```[a-z]*\n([\s\S]*?)^```/gm)].map((m) => m[1]!);
  for (const block of blocks) {
    for (const line of block.split('\n')) for (const part of line.replace(/\s+#.*$/, '').split(';')) add(part);
  }
  const prose = text.replace(/^```[a-z]*\n[\s\S]*?^```/gm, '');
  for (const [, span] of prose.matchAll(/`((?:sudo )?(?:npx )?pia [^`]+)`/g)) {
    if (!/[[|]|\.\.\./.test(span!)) add(span!); // synopses ([--flag], a|b, <args...>) are not command lines
  }
  return found;
}

/** Splits a command line into argv as a POSIX shell would for these simple lines (quotes, no expansions). */
function words(line: string): string[] {
  const filled = line.replace(/<([^>]+)>/g, (_, name: string) => sample(name)).replace(/\b(URL|TOKEN)\b/g, (name) => sample(name));
  return [...filled.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

/** The commands that do not talk to the hub: parsing them is the test, so their actions only record the call. */
const local = ['start', 'hub', 'worker', 'worker install-service', 'mail', 'discord register'];

function prepare(program: Command, ran: string[], prefix = ''): void {
  for (const cmd of program.commands) {
    const name = `${prefix}${cmd.name()}`;
    cmd.exitOverride();
    cmd.configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
    if ([cmd.name(), ...cmd.aliases()].some((n) => local.includes(`${prefix}${n}`))) cmd.action(() => void ran.push(name));
    prepare(cmd, ran, `${name} `);
  }
}

function isCommandPath(program: Command, argv: string[]): boolean {
  let cmd: Command | undefined = program;
  for (const word of argv) cmd = cmd?.commands.find((c) => c.name() === word || c.aliases().includes(word));
  return cmd !== undefined;
}

let restore: Record<string, string | undefined> = {};
let closed = '';
beforeAll(async () => {
  closed = `http://127.0.0.1:${await freePort()}`;
  restore = { PIA_URL: process.env.PIA_URL, PIA_ADMIN_TOKEN: process.env.PIA_ADMIN_TOKEN };
  process.env.PIA_URL = closed;
  process.env.PIA_ADMIN_TOKEN = 'x'.repeat(24);
});
afterAll(() => {
  for (const [k, v] of Object.entries(restore)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

describe('the command lines in README.md', () => {
  const lines = readmeCommandLines(README);

  it('are found (the extraction itself works)', () => {
    expect(lines.length).toBeGreaterThan(30);
    expect(lines).toContain('pia worker install-service --hub <url>');
    expect(lines).toContain('pia tasks');
    expect(lines).toContain('pia sh m2 -- uptime');
    expect(lines).toContain('pia worker install-service --hub ws://127.0.0.1:3000/link --user pia-agent');
    expect(words('pia run local "fix the flaky test" --follow')).toEqual(['pia', 'run', 'local', 'fix the flaky test', '--follow']);
  });

  it.each(lines)('%s', async (line) => {
    const ran: string[] = [];
    const program = buildProgram().exitOverride().configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
    prepare(program, ran);
    const out = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write; // what a command prints is not the point here
    const argv = words(line).slice(1);
    let error: unknown;
    try {
      await program.parseAsync(argv, { from: 'user' });
    } catch (err) {
      error = err;
    } finally {
      process.stdout.write = out;
    }
    // Prose names a command ("`pia mail` inside a task"): a bare command path is a reference, not a command line.
    const reference = error instanceof CommanderError && error.code === 'commander.missingArgument' && isCommandPath(program, argv);
    if (error instanceof CommanderError && !reference) expect.fail(`usage error: ${error.message}`);
    if (reference) return;
    if (ran.length) {
      expect(error).toBeUndefined();
      return;
    }
    expect(error).toMatchObject({ code: 'hub_unreachable', message: expect.stringContaining(`Cannot reach the hub at ${closed}`) });
  });
});
