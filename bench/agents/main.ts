/**
 * `npm run bench:agents [-- --only parsers] [--mb 50] [--runs 5]`: the agents' benchmark, by phase. `parsers`: each
 * adapter's parser over --mb MB of its agent's recorded output, vs JSON.parse of the same lines (target: at least
 * 50 %), in CPU time of the process (a shared machine's waits are not counted), best of --runs interleaved rounds. Prints one JSON line and a table on stdout, progress on stderr; exit code 1 when a target is missed, 2 on
 * bad arguments.
 */
import os from 'node:os';
import { PARSER_TARGET_RATIO, runParserBench, type ParserFigures } from './parsers.js';

const phases = ['parsers'] as const;
type Phase = (typeof phases)[number];

interface Args {
  only: Phase[];
  mb: number;
  runs: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { only: [...phases], mb: 50, runs: 5 };
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i]!.includes('=') ? argv[i]!.split(/=(.*)/s, 2) : [argv[i]!, undefined];
    const value = () => inline ?? argv[++i] ?? '';
    if (name === '--only') {
      const list = value().split(',').filter(Boolean);
      const bad = list.filter((p) => !(phases as readonly string[]).includes(p));
      if (bad.length || list.length === 0) throw new Error(`--only takes a comma-separated list of ${phases.join(', ')}; got "${list.join(',')}"`);
      args.only = list as Phase[];
    } else if (name === '--mb' || name === '--runs') {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 1) throw new Error(`${name} takes a whole number of 1 or more`);
      if (name === '--mb') args.mb = n;
      else args.runs = n;
    } else {
      throw new Error(`unknown argument ${name}; use --only ${phases.join(',')}, --mb N, --runs N`);
    }
  }
  return args;
}

function table(rows: ParserFigures[]): string {
  const head = 'agent     MB    lines     JSON.parse MB/s  parser MB/s  parser+render MB/s  parser/JSON.parse';
  const body = rows.map(
    (r) =>
      `${r.agent.padEnd(8)}  ${String(r.mb).padStart(4)}  ${String(r.lines).padStart(8)}  ${String(r.baselineMBs).padStart(15)}  ${String(r.parseMBs).padStart(11)}  ${String(r.parseRenderMBs).padStart(18)}  ${`${Math.round(r.ratio * 100)} %`.padStart(8)} ${r.ratio >= PARSER_TARGET_RATIO ? 'pass' : 'FAIL'}`,
  );
  return [head, ...body].join('\n');
}

function main(): number {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  const machine = { cpus: os.cpus().length, cpu: os.cpus()[0]?.model.trim(), node: process.version, loadAtStart: os.loadavg()[0] };
  const missed: string[] = [];
  const result: { parsers?: ParserFigures[] } = {};
  if (args.only.includes('parsers')) {
    result.parsers = runParserBench({ bytes: args.mb * 1e6, runs: args.runs }, (line) => process.stderr.write(line + '\n'));
    for (const r of result.parsers) if (r.ratio < PARSER_TARGET_RATIO) missed.push(`${r.agent} parser >= ${PARSER_TARGET_RATIO * 100} % of JSON.parse`);
  }
  process.stdout.write(`${JSON.stringify({ bench: 'agents', args, machine, ...result, missed })}\n\n`);
  if (result.parsers) process.stdout.write(`${table(result.parsers)}\n`);
  return missed.length ? 1 : 0;
}

process.exitCode = main();
