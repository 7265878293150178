import { parseArgs } from 'node:util';
import { flagReaders } from '../common/flags.js';

/** The phases: the stand-ins answered by their own parent (the baseline), and the same through PIA. */
export const phaseNames = ['baseline', 'pia'] as const;
export type PhaseName = (typeof phaseNames)[number];

/** The benchmark's settings. */
export interface ApprovalArgs {
  quick: boolean;
  phases: PhaseName[];
  /** Tasks, all at once, spread over the workers. */
  tasks: number;
  workers: number;
  /** Permission prompts per task, one after the other. */
  asks: number;
  /** A phase that takes longer is reported as failed instead of hanging. */
  phaseTimeoutS: number;
}

export const usage = `Usage: npm run bench:approvals -- [--quick] [--phases baseline,pia] [--tasks 200] [--workers 20] [--asks 5]
       [--phase-timeout 300]
  --quick   20 tasks on 4 workers`;

const { positiveInt, parsePhases } = flagReaders(usage, phaseNames);

/** Parses the command line (without node and the script); throws with the usage on a bad flag. */
export function parseApprovalArgs(argv: string[]): ApprovalArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      phases: { type: 'string' },
      tasks: { type: 'string' },
      workers: { type: 'string' },
      asks: { type: 'string' },
      'phase-timeout': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) throw new Error(usage);
  const quick = values.quick;
  const tasks = positiveInt('tasks', values.tasks ?? (quick ? '20' : '200'));
  const workers = positiveInt('workers', values.workers ?? (quick ? '4' : '20'));
  if (workers > tasks) throw new Error(`--workers (${workers}) must not be more than --tasks (${tasks})\n${usage}`);
  return {
    quick,
    phases: parsePhases(values.phases ?? phaseNames.join(',')),
    tasks,
    workers,
    asks: positiveInt('asks', values.asks ?? '5'),
    phaseTimeoutS: positiveInt('phase-timeout', values['phase-timeout'] ?? '300'),
  };
}
