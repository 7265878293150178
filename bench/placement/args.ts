import { parseArgs } from 'node:util';
import { flagReaders } from '../common/flags.js';

/** The benchmark's settings. */
export interface PlacementArgs {
  machines: number;
  /** Decisions timed on the precomputed labels. */
  decisions: number;
  /** Decisions timed by the naive scan (each parses every machine's facts, so far fewer). */
  naiveDecisions: number;
  schedules: number;
  /** Simulated days the schedules tick over. */
  days: number;
  phases: Array<'placement' | 'schedules'>;
}

export const usage = `Usage: npm run bench:placement -- [--quick] [--machines 10000] [--decisions 2000] [--naive-decisions 30]
       [--schedules 1000] [--days 7] [--phases placement,schedules]
  --quick   1,000 machines, 300 decisions, 10 naive ones, 200 schedules over 2 days`;

/** Parses the command line (without node and the script); throws with the usage on a bad flag. */
export function parsePlacementArgs(argv: string[]): PlacementArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      machines: { type: 'string' },
      decisions: { type: 'string' },
      'naive-decisions': { type: 'string' },
      schedules: { type: 'string' },
      days: { type: 'string' },
      phases: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) throw new Error(usage);
  const f = flagReaders(usage, ['placement', 'schedules'] as const);
  const q = values.quick;
  return {
    machines: f.positiveInt('machines', values.machines ?? (q ? '1000' : '10000')),
    decisions: f.positiveInt('decisions', values.decisions ?? (q ? '300' : '2000')),
    naiveDecisions: f.positiveInt('naive-decisions', values['naive-decisions'] ?? (q ? '10' : '30')),
    schedules: f.positiveInt('schedules', values.schedules ?? (q ? '200' : '1000')),
    days: f.positiveInt('days', values.days ?? (q ? '2' : '7')),
    phases: f.parsePhases(values.phases ?? 'placement,schedules'),
  };
}
