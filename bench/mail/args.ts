import { parseArgs } from 'node:util';
import { flagReaders } from '../common/flags.js';

/** The phases: the backlog of waiting mail drained at start, and new mail turned into running tasks with IDLE. */
export const phaseNames = ['drain', 'idle'] as const;
/** One of {@link phaseNames}. */
export type PhaseName = (typeof phaseNames)[number];

/** The benchmark's settings. */
export interface MailArgs {
  quick: boolean;
  /** Mails waiting in the fleet's mailbox when the hub starts (and in each baseline's mailbox). */
  mails: number;
  /** Mails delivered one at a time to a hub with a worker attached, each timed to its task running. */
  samples: number;
  /** Pause between two of those deliveries, after the previous task has finished. */
  gapMs: number;
  /** LMTP deliveries in flight while the backlog is filled. */
  lmtpConcurrency: number;
  phases: PhaseName[];
  /** Any phase that takes longer is reported as failed instead of hanging. */
  phaseTimeoutS: number;
}

/** The help text, printed with any error in the flags. */
export const usage = `Usage: npm run bench:mail -- [--quick] [--mails 1000] [--samples 20] [--gap-ms 1000]
       [--lmtp-concurrency 8] [--phases drain,idle] [--phase-timeout 180]
  --mails     mails waiting in the mailbox when the hub starts (the drain phase and its baselines)
  --samples   single mails timed from delivery to a running task (the idle phase and its baseline)
  --quick     a short run: 100 mails, 5 samples`;

const { positiveInt, wholeNumber, parsePhases } = flagReaders(usage, phaseNames);

/** Parses the command line (without node and the script); throws with the usage on a bad flag. */
export function parseMailArgs(argv: string[]): MailArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      mails: { type: 'string' },
      samples: { type: 'string' },
      'gap-ms': { type: 'string' },
      'lmtp-concurrency': { type: 'string' },
      phases: { type: 'string' },
      'phase-timeout': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) throw new Error(usage);
  const quick = values.quick;
  return {
    quick,
    mails: positiveInt('mails', values.mails ?? (quick ? '100' : '1000')),
    samples: positiveInt('samples', values.samples ?? (quick ? '5' : '20')),
    gapMs: wholeNumber('gap-ms', values['gap-ms'] ?? '1000'),
    lmtpConcurrency: positiveInt('lmtp-concurrency', values['lmtp-concurrency'] ?? '8'),
    phases: parsePhases(values.phases ?? phaseNames.join(',')),
    phaseTimeoutS: positiveInt('phase-timeout', values['phase-timeout'] ?? '180'),
  };
}
