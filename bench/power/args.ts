import { parseArgs } from 'node:util';

/** The benchmark's settings. */
export interface PowerArgs {
  quick: boolean;
  /** Machines in the probe sweep: a third open, a third refused, a third silent. */
  machines: number;
  /** The naive sweep's concurrency (the configured one is PIA_PROBE_CONCURRENCY's default, 256). */
  baselineConcurrency: number;
  /** The naive sweep is measured on a fraction of the machines when the whole would take longer than this. */
  baselineBudgetS: number;
  /** Machines woken one after another through the hub's HTTP API. */
  wakes: number;
  /**
   * Other machines already in the hub's registry, one hub run per entry (0: only the machines woken). The wake
   * path reads the whole registry, so its size matters.
   */
  registry: number[];
  /** In-process sendBurst runs. */
  wolRuns: number;
  /** Any phase that takes longer is reported as failed instead of hanging. */
  phaseTimeoutS: number;
}

export const usage = `Usage: npm run bench:power -- [--quick] [--machines 1000] [--baseline-concurrency 16]
       [--baseline-budget 60] [--wakes 50] [--registry 0,1000,10000] [--wol-runs 200] [--phase-timeout 120]
  --registry  other machines in the hub's registry during the wakes, one hub run per size
  --quick     a short run: the naive sweep on a fraction (10 s budget), 10 wakes with no other machines,
              50 in-process bursts`;

function wholeNumber(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || raw.trim() === '') throw new Error(`--${name} must be whole numbers (0 or more), got '${raw}'\n${usage}`);
  return n;
}

function positiveInt(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive whole number, got '${raw}'\n${usage}`);
  return n;
}

/** Parses the command line (without node and the script); throws with the usage on a bad flag. */
export function parsePowerArgs(argv: string[]): PowerArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      machines: { type: 'string' },
      'baseline-concurrency': { type: 'string' },
      'baseline-budget': { type: 'string' },
      wakes: { type: 'string' },
      registry: { type: 'string' },
      'wol-runs': { type: 'string' },
      'phase-timeout': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) throw new Error(usage);
  const quick = values.quick;
  const machines = positiveInt('machines', values.machines ?? '1000');
  // Three kinds of machine; fewer than three would leave a kind untested.
  if (machines < 3) throw new Error(`--machines must be 3 or more, got ${machines}\n${usage}`);
  const wakes = positiveInt('wakes', values.wakes ?? (quick ? '10' : '50'));
  // MACs are 02:00:5e:00:xx:yy with a 16-bit index; more wakes than that would repeat a MAC.
  if (wakes > 65_535) throw new Error(`--wakes must be at most 65535, got ${wakes}\n${usage}`);
  const registry = (values.registry ?? (quick ? '0' : '0,1000,10000')).split(',').map((v) => wholeNumber('registry', v.trim()));
  // Each hub run has its own MAC prefix byte (0x10 + run).
  if (registry.length > 16) throw new Error(`--registry takes at most 16 sizes, got ${registry.length}\n${usage}`);
  return {
    quick,
    machines,
    baselineConcurrency: positiveInt('baseline-concurrency', values['baseline-concurrency'] ?? '16'),
    baselineBudgetS: positiveInt('baseline-budget', values['baseline-budget'] ?? (quick ? '10' : '60')),
    wakes,
    registry,
    wolRuns: positiveInt('wol-runs', values['wol-runs'] ?? (quick ? '50' : '200')),
    phaseTimeoutS: positiveInt('phase-timeout', values['phase-timeout'] ?? '120'),
  };
}
