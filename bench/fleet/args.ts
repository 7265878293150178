import { parseArgs } from 'node:util';

/** The benchmark's settings. */
export interface FleetArgs {
  sizes: number[];
  quick: boolean;
  /** Worker links per simulated-worker process (each process needs this many file descriptors). */
  perProcess: number;
  /** Quiet time after registration before the CPU window, so start-up garbage and timers settle. */
  settleS: number;
  /** The steady-heartbeat CPU window; at least one heartbeat period (15 s) so every worker beats in it. */
  cpuWindowS: number;
  latencyCalls: number;
  /** Any single phase (registration, restart) that takes longer is reported as failed. */
  phaseTimeoutS: number;
}

export const usage = `Usage: npm run bench:fleet -- [--sizes 1000,5000,10000] [--quick] [--per-process 2000]
       [--cpu-window 30] [--latency-calls 20] [--phase-timeout 120]
  --quick   1,000 workers, a 15 s CPU window and 5 latency calls (a smoke run; --sizes still applies)`;

function positiveInt(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive whole number, got '${raw}'\n${usage}`);
  return n;
}

/** Parses the command line (without node and the script); throws with the usage on a bad flag. */
export function parseFleetArgs(argv: string[]): FleetArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      sizes: { type: 'string' },
      quick: { type: 'boolean', default: false },
      'per-process': { type: 'string' },
      'cpu-window': { type: 'string' },
      'latency-calls': { type: 'string' },
      'phase-timeout': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) throw new Error(usage);
  const quick = values.quick;
  const sizes = (values.sizes ?? (quick ? '1000' : '1000,5000,10000')).split(',').map((s) => positiveInt('sizes', s.trim()));
  return {
    sizes,
    quick,
    perProcess: positiveInt('per-process', values['per-process'] ?? '2000'),
    settleS: quick ? 2 : 5,
    cpuWindowS: positiveInt('cpu-window', values['cpu-window'] ?? (quick ? '15' : '30')),
    latencyCalls: positiveInt('latency-calls', values['latency-calls'] ?? (quick ? '5' : '20')),
    phaseTimeoutS: positiveInt('phase-timeout', values['phase-timeout'] ?? '120'),
  };
}
