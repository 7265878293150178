import { createInterface } from 'node:readline/promises';
import { api as schemas } from '../../protocol/api.js';
import { Command } from 'commander';
import { PiaError } from '../../common/errors.js';
import type { PowerProgress } from '../../power/progress.js';
import type { ApiClient, ApiTarget } from '../api-client.js';
import { openEvents } from '../events-socket.js';
import { printJson } from '../output.js';

const write = (text: string) => void process.stdout.write(text);

/** One progress line: `[ 20%] wake: Sent 3 magic packets...`. */
export function progressLine(p: PowerProgress): string {
  return `[${String(p.progress).padStart(3)}%] ${p.step.replace('_', ' ')}: ${p.message}\n`;
}

/** Asks yes/no on a terminal; without one, `--yes` is required. */
export async function confirm(question: string, yes: boolean | undefined): Promise<void> {
  if (yes) return;
  if (!process.stdin.isTTY) throw new PiaError('confirmation_needed', `${question} Add --yes to confirm (no terminal to ask on).`);
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const answer = await rl.question(`${question} [y/N] `);
  rl.close();
  if (!/^y(es)?$/i.test(answer.trim())) throw new PiaError('confirmation_needed', 'Nothing done.');
}

/**
 * Starts a wake or bootstrap and prints its progress live (from the observers' socket) until it ends; exits 1
 * unless it succeeded. Steps already taken when this joined are printed first, then the rest as they come.
 */
async function follow(target: ApiTarget, api: ApiClient, machine: string, kind: 'wake' | 'bootstrap', json: boolean): Promise<void> {
  const pending: PowerProgress[] = [];
  let opId: string | undefined;
  let printed = 0;
  let finish: (p: PowerProgress) => void = () => undefined;
  const ended = new Promise<PowerProgress>((resolve) => (finish = resolve));
  const show = (p: PowerProgress) => {
    if (p.operation !== opId || p.index < printed) return;
    printed = p.index + 1;
    if (!json) write(progressLine(p));
    if (p.step === 'done') finish(p);
  };
  const events = await openEvents(target, (e) => {
    if (e.event !== 'power.progress') return;
    const p = e.data as unknown as PowerProgress;
    if (opId === undefined) pending.push(p);
    else show(p);
  });
  try {
    const { operation } = await api.post(`/api/machines/${encodeURIComponent(machine)}/${kind}`, schemas.operation);
    opId = operation.id;
    for (const step of operation.steps) show(step as PowerProgress);
    for (const p of pending) show(p);
    const last = await ended;
    if (json) printJson({ operation: (await api.get(`/api/power/operations/${operation.id}`, schemas.operation)).operation });
    process.exitCode = last.state === 'succeeded' ? 0 : 1;
  } finally {
    events.close();
  }
}

/** `pia wake`, `pia bootstrap`, `pia power`, `pia shutdown|sleep|restart`, `pia doctor`. */
export function powerCommands(api: () => ApiClient, target: () => ApiTarget): Command[] {
  const wake = new Command('wake')
    .description('wake a machine (magic packets, relayed by peers on its network) and bring its worker online')
    .argument('<machine>')
    .option('--json', 'print the operation as JSON when it ends')
    .action((machine: string, opts: { json?: boolean }) => follow(target(), api(), machine, 'wake', opts.json ?? false));

  const bootstrap = new Command('bootstrap')
    .description("start a machine's worker over SSH (pinned host key) and wait until it links")
    .argument('<machine>')
    .option('--json', 'print the operation as JSON when it ends')
    .action((machine: string, opts: { json?: boolean }) => follow(target(), api(), machine, 'bootstrap', opts.json ?? false));

  const power = new Command('power')
    .description("probe a machine's power state now, with the evidence")
    .argument('<machine>')
    .option('--json', 'print JSON')
    .action(async (machine: string, opts: { json?: boolean }) => {
      const r = await api().get(`/api/machines/${encodeURIComponent(machine)}/power-state`, schemas.powerState);
      if (opts.json) return printJson(r);
      write(`${r.machine}: ${r.powerState} (${r.evidence})\n`);
    });

  const actions = (['shutdown', 'sleep', 'restart'] as const).map((action) =>
    new Command(action)
      .description(`${action === 'sleep' ? 'put a machine to sleep' : `${action} a machine`} through its worker (admin)`)
      .argument('<machine>')
      .option('-y, --yes', 'do not ask for confirmation')
      .option('--json', 'print JSON')
      .action(async (machine: string, opts: { yes?: boolean; json?: boolean }) => {
        await confirm(`${action[0]!.toUpperCase()}${action.slice(1)} ${machine}?`, opts.yes);
        const r = await api().post(`/api/machines/${encodeURIComponent(machine)}/${action}`, schemas.powerCommand);
        if (opts.json) return printJson(r);
        write(`${machine}: ${r.message}\n`);
      }),
  );

  const doctor = new Command('doctor')
    .description('explain what could stop a wake of a machine')
    .argument('<machine>')
    .option('--json', 'print JSON')
    .action(async (machine: string, opts: { json?: boolean }) => {
      const { findings } = await api().get(`/api/machines/${encodeURIComponent(machine)}/doctor`, schemas.doctor);
      if (opts.json) return printJson({ findings });
      const mark = { ok: '✓', warn: '!', error: '✗' } as const;
      for (const f of findings) write(`${mark[f.level]} ${f.message}\n`);
      if (findings.some((f) => f.level === 'error')) process.exitCode = 1;
    });

  return [wake, bootstrap, power, ...actions, doctor];
}
