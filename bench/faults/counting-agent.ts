/**
 * The stand-in agent of the fault scenarios. Its one argument is the task prompt, `tag=T lines=N rate=R
 * starts=FILE`: it first appends `T` to FILE (one line per start, so a task run twice shows up twice), then prints
 * `T NNNNNN` for 1..N, R lines a second, and exits 0. The lines are numbered so a checker can tell a lost, repeated
 * or reordered line from the stored log alone.
 */
import { appendFileSync } from 'node:fs';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { countingLine, parseCountingPrompt } from './counting-spec.js';

async function main(): Promise<number> {
  const spec = parseCountingPrompt(process.argv[2] ?? '');
  appendFileSync(spec.starts, `${spec.tag}\n`);
  process.stdout.on('error', () => process.exit(1));
  const t0 = Date.now();
  for (let n = 1; n <= spec.lines; n++) {
    const due = t0 + ((n - 1) * 1000) / spec.rate;
    if (due > Date.now()) await sleep(due - Date.now());
    if (!process.stdout.write(`${countingLine(spec.tag, n)}\n`)) await once(process.stdout, 'drain');
  }
  return 0;
}

process.exitCode = await main();
