import path from 'node:path';
import { parseArgs } from 'node:util';
import { flagReaders } from '../common/flags.js';

/** The phases of the benchmark: PIA's stored output, the raw ws baseline, and the deploy fan-out. */
export const phaseNames = ['pia', 'raw', 'fanout'] as const;
export type PhaseName = (typeof phaseNames)[number];

/** The benchmark's settings. */
export interface StreamArgs {
  quick: boolean;
  /** How long each flood agent writes. */
  seconds: number;
  /** Flood agents at once: PIA tasks, and the raw baseline's agents. */
  tasks: number;
  /** Worker processes (PIA) and forwarder processes (raw baseline); tasks are spread round-robin. */
  workers: number;
  /** Simulated machines the deploy is fanned out to. */
  fanout: number;
  /** Any single phase that takes longer is reported as failed instead of hanging. */
  phaseTimeoutS: number;
  phases: PhaseName[];
  /** Total output rate of all agents together, bytes per second; 0: each writes as fast as it is read. */
  rate: number;
  /** Runs of the raw and PIA phases, one after the other (the fan-out runs once, after them). */
  runs: number;
  /** A directory for a CPU profile of the hub (node --cpu-prof), one file per run; empty: none. */
  cpuProf: string;
}

export const usage = `Usage: npm run bench:stream -- [--quick] [--seconds 10] [--tasks 100] [--workers 10] [--fanout 1000]
       [--phase-timeout 300] [--phases pia,raw,fanout] [--rate MB/s] [--runs 1] [--cpu-prof DIR]
  --quick     a smoke run: 3 s of output, 20 tasks, fan-out to 200 (other flags still apply)
  --rate      pace the agents to this many MB/s in total (a diagnostic: the hub at a given load; default: flat out)
  --runs      the raw baseline and PIA this many times in a row, each run judged on its own (the fan-out once)
  --cpu-prof  write a CPU profile of the hub (node --cpu-prof) of each PIA run into DIR`;

const { positiveInt, positiveNumber, parsePhases } = flagReaders(usage, phaseNames);

/** Parses the command line (without node and the script); throws with the usage on a bad flag. */
export function parseStreamArgs(argv: string[]): StreamArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      seconds: { type: 'string' },
      tasks: { type: 'string' },
      workers: { type: 'string' },
      fanout: { type: 'string' },
      'phase-timeout': { type: 'string' },
      phases: { type: 'string' },
      rate: { type: 'string' },
      runs: { type: 'string' },
      'cpu-prof': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) throw new Error(usage);
  const quick = values.quick;
  const args: StreamArgs = {
    quick,
    seconds: positiveInt('seconds', values.seconds ?? (quick ? '3' : '10')),
    tasks: positiveInt('tasks', values.tasks ?? (quick ? '20' : '100')),
    workers: positiveInt('workers', values.workers ?? '10'),
    fanout: positiveInt('fanout', values.fanout ?? (quick ? '200' : '1000')),
    phaseTimeoutS: positiveInt('phase-timeout', values['phase-timeout'] ?? '300'),
    phases: parsePhases(values.phases ?? phaseNames.join(',')),
    rate: values.rate === undefined ? 0 : positiveNumber('rate', values.rate) * 1e6,
    runs: positiveInt('runs', values.runs ?? '1'),
    cpuProf: values['cpu-prof'] ? path.resolve(values['cpu-prof']) : '',
  };
  // A worker (or forwarder) with no task would only add start-up time.
  args.workers = Math.min(args.workers, args.tasks);
  return args;
}
