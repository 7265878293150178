import { parseArgs } from 'node:util';
import { flagReaders } from '../common/flags.js';

/** The benchmark's settings. */
export interface DashboardArgs {
  machines: number;
  /** Events per second into the page: half status changes (a worker's link dropped and back), half task output. */
  rate: number;
  /** How long the page stays open under the events (memory is compared from the first to the last minute). */
  minutes: number;
  /** The hub's CPU is measured over this many seconds without the page, then with it. */
  cpuWindowS: number;
  /** Seconds of task output watched on the task's own page at the end. */
  outputS: number;
}

export const usage = `Usage: npm run bench:dashboard -- [--machines 1000] [--rate 100] [--minutes 10] [--cpu-window 30] [--output 30] [--quick]
  --quick   1 minute with the page open instead of 10 (a smoke run)`;

/** Parses the command line (without node and the script); throws with the usage on a bad flag. */
export function parseDashboardArgs(argv: string[]): DashboardArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      machines: { type: 'string' },
      rate: { type: 'string' },
      minutes: { type: 'string' },
      'cpu-window': { type: 'string' },
      output: { type: 'string' },
      quick: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) throw new Error(usage);
  const read = flagReaders(usage, []);
  return {
    machines: read.positiveInt('machines', values.machines ?? '1000'),
    rate: read.positiveInt('rate', values.rate ?? '100'),
    minutes: read.positiveNumber('minutes', values.minutes ?? (values.quick ? '1' : '10')),
    cpuWindowS: read.positiveInt('cpu-window', values['cpu-window'] ?? (values.quick ? '15' : '30')),
    outputS: read.positiveInt('output', values.output ?? (values.quick ? '10' : '30')),
  };
}
