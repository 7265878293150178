import { parseArgs } from 'node:util';
import { flagReaders } from '../common/flags.js';

/** The benchmark's phases: a chatty task streamed to two platforms (with the naive baseline), and `/pia status`. */
export const phaseNames = ['stream', 'status'] as const;
export type PhaseName = (typeof phaseNames)[number];

/** The benchmark's settings. */
export interface ChatArgs {
  quick: boolean;
  phases: PhaseName[];
  /** How long the chatty agent writes, and how much. */
  seconds: number;
  bytes: number;
  /** Bytes per output line (newline included). */
  lineBytes: number;
  /** How long after the task's end the naive baseline may go on before it is stopped and counted as behind. */
  naiveLimitS: number;
  /** Machines registered for the status phase. */
  machines: number;
  /** `/pia status` commands timed, one after another. */
  commands: number;
  /** Commands sent at the same moment afterwards (info: acks while the hub is busy with the others). */
  burst: number;
  /** Any phase that takes longer (beyond the task's own run) is reported as failed instead of hanging. */
  phaseTimeoutS: number;
}

export const usage = `Usage: npm run bench:chat -- [--quick] [--phases stream,status] [--seconds 60] [--mb 10] [--line 100]
       [--naive-limit 120] [--machines 10000] [--commands 200] [--burst 10] [--phase-timeout 120]
  --quick   a short run: 10 s of output at the same rate (about 1.7 MB), naive limit 20 s, 20 status commands`;

const { positiveInt, wholeNumber, positiveNumber, parsePhases } = flagReaders(usage, phaseNames);

/** Parses the command line (without node and the script); throws with the usage on a bad flag. */
export function parseChatArgs(argv: string[]): ChatArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      phases: { type: 'string' },
      seconds: { type: 'string' },
      mb: { type: 'string' },
      line: { type: 'string' },
      'naive-limit': { type: 'string' },
      machines: { type: 'string' },
      commands: { type: 'string' },
      burst: { type: 'string' },
      'phase-timeout': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) throw new Error(usage);
  const quick = values.quick;
  const seconds = positiveNumber('seconds', values.seconds ?? (quick ? '10' : '60'));
  // Quick keeps the full run's rate (10 MB a minute), over a shorter time.
  const mb = values.mb === undefined ? (10 * seconds) / 60 : positiveNumber('mb', values.mb);
  const lineBytes = positiveInt('line', values.line ?? '100');
  if (lineBytes < 16) throw new Error(`--line must be 16 or more, got ${lineBytes}\n${usage}`);
  const bytes = Math.round(mb * 1e6);
  if (bytes < lineBytes) throw new Error(`--mb must hold at least one line\n${usage}`);
  return {
    quick,
    phases: parsePhases(values.phases ?? phaseNames.join(',')),
    seconds,
    bytes,
    lineBytes,
    naiveLimitS: positiveInt('naive-limit', values['naive-limit'] ?? (quick ? '20' : '120')),
    machines: positiveInt('machines', values.machines ?? '10000'),
    commands: positiveInt('commands', values.commands ?? (quick ? '20' : '200')),
    burst: wholeNumber('burst', values.burst ?? '10'),
    phaseTimeoutS: positiveInt('phase-timeout', values['phase-timeout'] ?? '120'),
  };
}
