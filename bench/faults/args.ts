import { parseArgs } from 'node:util';

/** The benchmark's settings. */
export interface FaultsArgs {
  /** Scenario numbers to run, in order. */
  only: number[];
  /** Scenario 2: how long the link stays cut. */
  cutS: number;
  /** Scenario 3: simulated workers; 0 = as many as the open-files limit allows (at most 19,000). */
  stormWorkers: number;
  /** Scenario 7: hostile frames to send. */
  frames: number;
  /** Any scenario that runs longer is stopped and reported as failed. */
  scenarioTimeoutS: number;
}

export const SCENARIOS: Record<number, string> = {
  1: 'hub-kill',
  2: 'link-cut',
  3: 'reconnect-storm',
  4: 'chat-faults',
  5: 'mail-faults',
  6: 'disk-full',
  7: 'hostile-frames',
  8: 'clock-steps',
};

export const usage = `Usage: npm run bench:faults -- [--only 1,3,hostile-frames] [--cut-s 60] [--storm-workers N]
       [--frames 100000] [--scenario-timeout 300]
  scenarios: ${Object.entries(SCENARIOS).map(([n, name]) => `${n} ${name}`).join(', ')}
  --cut-s           scenario 2: seconds the link stays cut (default 60)
  --storm-workers   scenario 3: simulated workers (default: the open-files limit allows, at most 19,000)
  --frames          scenario 7: hostile frames (default 100,000)`;

function positiveInt(name: string, raw: string, zero = false): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < (zero ? 0 : 1)) throw new Error(`--${name} must be a ${zero ? '' : 'positive '}whole number, got '${raw}'\n${usage}`);
  return n;
}

function scenarioNumber(raw: string): number {
  const s = raw.trim();
  const byName = Object.entries(SCENARIOS).find(([, name]) => name === s);
  const n = byName ? Number(byName[0]) : Number(s);
  if (!SCENARIOS[n]) throw new Error(`--only: no scenario '${s}'\n${usage}`);
  return n;
}

/** Parses the command line (without node and the script); throws with the usage on a bad flag. */
export function parseFaultsArgs(argv: string[]): FaultsArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      only: { type: 'string' },
      'cut-s': { type: 'string' },
      'storm-workers': { type: 'string' },
      frames: { type: 'string' },
      'scenario-timeout': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) throw new Error(usage);
  const only = values.only ? [...new Set(values.only.split(',').map(scenarioNumber))] : Object.keys(SCENARIOS).map(Number);
  return {
    only,
    cutS: positiveInt('cut-s', values['cut-s'] ?? '60'),
    stormWorkers: positiveInt('storm-workers', values['storm-workers'] ?? '0', true),
    frames: positiveInt('frames', values.frames ?? '100000'),
    scenarioTimeoutS: positiveInt('scenario-timeout', values['scenario-timeout'] ?? '300'),
  };
}
