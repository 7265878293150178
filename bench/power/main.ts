/**
 * `npm run bench:power`: the power manager's two speed promises, on loopback only.
 *  1. The project's prober sweeps 1,000 machines (a third open, a third refusing, a third silent) within 5 s,
 *     and classifies each one right; the same sweep at concurrency 16 is the naive baseline.
 *  2. A wake asked of a running hub puts its first magic packet on the wire within 50 ms, with registries of
 *     several sizes; the WoL sender on its own is timed too.
 * Prints one JSON line and a table on stdout; progress on stderr; exit code 1 when a target is missed.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadPowerConfig } from '../../src/power/config.js';
import { installCleanup } from '../fleet/cleanup.js';
import { withTimeout } from '../fleet/with-timeout.js';
import { parsePowerArgs, type PowerArgs } from './args.js';
import { closedPorts, openPorts } from './open-ports.js';
import { affordableMachines, probeTargets, timeSweep } from './probe-phase.js';
import { progress } from './progress.js';
import { humanTable, jsonLine, machineInfo, missedTargets } from './report.js';
import type { PowerResult, ProbePhase } from './result.js';
import { silentPorts, type SilentPorts } from './silent-ports.js';
import { startMagicSink, type MagicSink } from './udp-sink.js';
import { timeHubWakes } from './wake-phase.js';
import { timeWolSender } from './wol-phase.js';

// Before anything sends a packet: PIA's senders (probes, magic packets, SSH) then refuse all but loopback.
// The hub child gets the same setting in its own environment.
process.env.PIA_NET_LOOPBACK_ONLY = '1';

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
const gc = () => (globalThis as { gc?: () => void }).gc?.();

function readPortRange(): string | undefined {
  try {
    return readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8');
  } catch {
    return undefined;
  }
}

async function probePhase(args: PowerArgs, silent: SilentPorts, dir: string, cleanup: ReturnType<typeof installCleanup>): Promise<ProbePhase> {
  const perKind = Math.ceil(args.machines / 3);
  const open = await openPorts(perKind, cleanup);
  try {
    const refused = await closedPorts(perKind, readPortRange());
    const targets = probeTargets({ open: open.ports, refused, silent: silent.ports }, args.machines);
    const config = loadPowerConfig({});
    const phaseMs = args.phaseTimeoutS * 1000;
    const ports = {
      open: targets.filter((t) => t.kind === 'open').length,
      refused: targets.filter((t) => t.kind === 'refused').length,
      silent: targets.filter((t) => t.kind === 'silent').length,
      silentUnfilled: silent.unfilled.length,
    };
    progress(`probe: ${ports.open} open, ${ports.refused} refused, ${ports.silent} silent ports; sweeping at concurrency ${config.probeConcurrency}, time-out ${config.probeTimeoutMs} ms`);
    const sweep = await timeSweep(targets, config, path.join(dir, 'probe.db'), phaseMs);
    progress(`  swept ${sweep.probed} in ${(sweep.ms / 1000).toFixed(2)} s; ${sweep.correct}/${sweep.machines} classified right`);

    const conc = args.baselineConcurrency;
    const budgetMs = args.baselineBudgetS * 1000;
    const k = affordableMachines(targets, conc, config.probeTimeoutMs, budgetMs);
    progress(`  naive sweep at concurrency ${conc}: ${k === targets.length ? 'all' : `the first ${k} of`} ${targets.length} machines (budget ${args.baselineBudgetS} s)`);
    let baseline: ProbePhase['baseline'] = null;
    try {
      const b = await timeSweep(targets.slice(0, k), { ...config, probeConcurrency: conc }, path.join(dir, 'baseline.db'), Math.max(phaseMs, budgetMs * 2));
      const extrapolated = k < targets.length;
      baseline = { ...b, fullMachines: targets.length, extrapolated, estimatedFullMs: extrapolated ? (b.ms * targets.length) / k : b.ms };
      progress(`  naive: ${b.probed} in ${(b.ms / 1000).toFixed(1)} s${extrapolated ? `, about ${(baseline.estimatedFullMs / 1000).toFixed(1)} s for all` : ''}; ${b.correct}/${b.machines} right`);
    } catch (err) {
      progress(`  naive sweep not measured: ${message(err)}`);
    }
    return { ports, probeTimeoutMs: config.probeTimeoutMs, sweep, baseline };
  } finally {
    await open.close();
  }
}

async function main(): Promise<number> {
  let args: PowerArgs;
  try {
    args = parsePowerArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${message(err)}\n`);
    return 2;
  }
  const cleanup = installCleanup();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pia-power-'));
  cleanup.add(() => rmSync(dir, { recursive: true, force: true }));
  const machine = machineInfo();
  const result: PowerResult = { probe: null, wake: [], wol: null, errors: [] };
  const phaseMs = args.phaseTimeoutS * 1000;

  let sink: MagicSink | undefined;
  let silent: SilentPorts | undefined;
  try {
    sink = await startMagicSink();
    // One silent port more than the sweep needs: the hub's wakes probe it, so they never see an awake machine.
    silent = await silentPorts(Math.ceil(args.machines / 3) + 1, cleanup);
    if (silent.unfilled.length) progress(`warning: ${silent.unfilled.length} silent ports could not be filled and may answer`);
  } catch (err) {
    result.errors.push(`set-up: ${message(err)}`);
  }

  if (sink && silent) {
    const silentForHub = silent.ports.at(-1) as number;
    try {
      result.probe = await probePhase(args, silent, dir, cleanup);
    } catch (err) {
      result.errors.push(`probe phase not measured: ${message(err)}`);
    }
    gc();

    let closedForHub: number | undefined;
    try {
      [closedForHub] = await closedPorts(1, readPortRange());
    } catch (err) {
      result.errors.push(`hub wake phase not measured: ${message(err)}`);
    }
    for (const [run, registry] of args.registry.entries()) {
      if (closedForHub === undefined) break;
      progress(`hub: ${args.wakes} wakes through the HTTP API with ${registry} other machines registered; magic packets to 127.0.0.1:${sink.port}`);
      try {
        const wake = await withTimeout(
          timeHubWakes({
            count: args.wakes,
            registry,
            // In-process runs use MAC prefix 0x02; each hub run its own, from 0x10.
            macPrefix: 0x10 + run,
            sink,
            silentPort: silentForHub,
            closedPort: closedForHub,
            dataDir: path.join(dir, `hub-${run}`),
            cleanup,
            phaseMs,
          }),
          phaseMs + 30_000,
          `the hub run took over ${args.phaseTimeoutS + 30} s`,
        );
        result.wake.push(wake);
        progress(`  ${wake.toPacketMs.length} packets timed, ${wake.lost} lost`);
      } catch (err) {
        result.errors.push(`hub wake run with ${registry} other machines not measured: ${message(err)}`);
      }
      gc();
    }
    gc();

    progress(`in-process: ${args.wolRuns} sendBurst runs`);
    try {
      result.wol = await withTimeout(timeWolSender(sink, args.wolRuns), phaseMs, `the in-process runs took over ${args.phaseTimeoutS} s`);
    } catch (err) {
      result.errors.push(`in-process WoL phase not measured: ${message(err)}`);
    }
  }

  await silent?.close();
  await sink?.close();
  cleanup.runAll();
  process.stdout.write(`${jsonLine(result, args, machine)}\n\n${humanTable(result, args, machine)}\n`);
  return result.errors.length || missedTargets(result, args).length ? 1 : 0;
}

process.exitCode = await main();
// Timers of finished phases must not keep the benchmark alive.
process.exit();
