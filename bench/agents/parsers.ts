/**
 * The parser phase of `npm run bench:agents`: each adapter's parser over ~50 MB of its agent's recorded output (the
 * transcripts of test/fixtures/agents, repeated), against `JSON.parse` of the same lines as the baseline. A new
 * parser per transcript, as each task gets its own. Aider prints text, not JSON: its baseline is `JSON.parse` of its
 * lines each encoded as a JSON string (the same bytes of content, as JSON).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { agentEventText } from '../../src/protocol/agent-events.js';
import { projectRoot } from '../../src/common/version.js';
import { ADAPTERS } from '../../src/worker/agents/registry.js';
import { newRefusals } from '../../src/worker/tasks/claude-stream.js';

/** What the parser phase measures. */
export interface ParserBenchOptions {
  /** Bytes of output per agent (default 50 MB). */
  bytes: number;
  /** Rounds per measure, interleaved; the best (least CPU time) is kept: the machine is shared. */
  runs: number;
  /** Only these agents (default: all). */
  agents?: string[];
}

/** One agent's figures. */
export interface ParserFigures {
  agent: string;
  mb: number;
  lines: number;
  /** JSON.parse of the same lines. */
  baselineMBs: number;
  /** The adapter's parser. */
  parseMBs: number;
  /** The parser and the log text rendered from its events, as the worker does. */
  parseRenderMBs: number;
  events: number;
  /** parseMBs / baselineMBs. */
  ratio: number;
}

/** The target: each parser at least half as fast as JSON.parse alone. */
export const PARSER_TARGET_RATIO = 0.5;

const transcripts = path.join(projectRoot, 'test', 'fixtures', 'agents', 'transcripts');
const files: Record<string, string[]> = {
  claude: ['claude-run.jsonl', 'claude-error.jsonl'],
  codex: ['codex-run.jsonl', 'codex-resume.jsonl', 'codex-error.jsonl'],
  gemini: ['gemini-run.jsonl', 'gemini-resume.jsonl', 'gemini-error.jsonl'],
  opencode: ['opencode-run.jsonl', 'opencode-resume.jsonl', 'opencode-run-refused.jsonl', 'opencode-error.jsonl'],
  cursor: ['cursor-run.jsonl', 'cursor-resume.jsonl', 'cursor-error.jsonl'],
  aider: ['aider-run.txt', 'aider-resume.txt', 'aider-error.txt'],
};

/** The recorded transcripts of an agent, repeated to about `bytes`: a list of runs, each a list of lines. */
function corpus(agent: string, bytes: number): { runs: string[][]; bytes: number; lines: number } {
  const one = files[agent]!.map((f) => readFileSync(path.join(transcripts, f), 'utf8').split('\n').filter((l) => l !== ''));
  const size = one.reduce((n, run) => n + run.reduce((m, l) => m + Buffer.byteLength(l) + 1, 0), 0);
  const runs: string[][] = [];
  let total = 0;
  let lines = 0;
  for (let i = 0; total < bytes; i++) {
    // Fresh string objects each time, as a worker reads them from a pipe (no shared, already-hashed strings).
    const run = one[i % one.length]!.map((l) => (' ' + l).slice(1));
    runs.push(run);
    total += (size / one.length) | 0;
    lines += run.length;
  }
  const exact = runs.reduce((n, run) => n + run.reduce((m, l) => m + Buffer.byteLength(l) + 1, 0), 0);
  return { runs, bytes: exact, lines };
}

/** CPU seconds of this process for one call: on a shared machine, time spent waiting for a core is not counted. */
function cpuSeconds(fn: () => void): number {
  const start = process.cpuUsage();
  fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

/** The best of `runs` rounds, the measures interleaved so that a burst of load hits them alike. */
function bestOf(runs: number, fns: Array<() => void>): number[] {
  const min = fns.map(() => Infinity);
  for (let i = 0; i < runs; i++) fns.forEach((fn, j) => (min[j] = Math.min(min[j]!, cpuSeconds(fn))));
  return min;
}

/** Runs the parser phase: one row per agent. */
export function runParserBench(opts: ParserBenchOptions, progress: (line: string) => void = () => undefined): ParserFigures[] {
  const out: ParserFigures[] = [];
  for (const agent of opts.agents ?? Object.keys(files)) {
    const adapter = ADAPTERS.get(agent);
    if (!adapter) throw new Error(`no adapter named ${agent}`);
    const { runs, bytes, lines } = corpus(agent, opts.bytes);
    const text = agent === 'aider';
    const asJson = text ? runs.map((run) => run.map((l) => JSON.stringify(l))) : runs;
    let sink = 0;
    let events = 0;
    const [baseline, parse, parseRender] = bestOf(opts.runs, [
      () => {
        for (const run of asJson) for (const l of run) sink += (JSON.parse(l) as object) ? 1 : 0;
      },
      () => {
        events = 0;
        for (const run of runs) {
          const p = adapter.parser({ agent, taskId: 'k3x9q2mfab', refusals: newRefusals() });
          for (const l of run) events += p.line(l).length;
          events += p.end().length;
        }
      },
      () => {
        for (const run of runs) {
          const p = adapter.parser({ agent, taskId: 'k3x9q2mfab', refusals: newRefusals() });
          for (const l of run) for (const e of p.line(l)) sink += agentEventText(e).length;
          for (const e of p.end()) sink += agentEventText(e).length;
        }
      },
    ]) as [number, number, number];
    if (sink < 0) progress('unreachable');
    const mb = bytes / 1e6;
    const row: ParserFigures = {
      agent,
      mb: Math.round(mb * 10) / 10,
      lines,
      baselineMBs: Math.round(mb / baseline),
      parseMBs: Math.round(mb / parse),
      parseRenderMBs: Math.round(mb / parseRender),
      events,
      ratio: Math.round((baseline / parse) * 100) / 100,
    };
    progress(`parsers: ${agent}: ${row.parseMBs} MB/s vs JSON.parse ${row.baselineMBs} MB/s (${Math.round(row.ratio * 100)} %)`);
    out.push(row);
  }
  return out;
}
