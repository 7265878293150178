/**
 * The chatty agent: a stand-in for a coding agent that talks a lot. Its one argument is the task prompt
 * (`bytes=10000000 seconds=60 line=100`). It writes numbered lines of exactly `line` bytes at a steady pace, ten
 * times a second, so that `bytes` are out after `seconds`; then one summary line, and it exits 0.
 */
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { chattySummaryLine, parseChattyPrompt, type ChattySpec } from './chatty-spec.js';

const TICK_MS = 100;
const filler = 'the agent reads a file, thinks, edits it and runs the tests again; '.repeat(8);

function line(i: number, bytes: number): string {
  return `chatty ${String(i).padStart(7, '0')} ${filler}`.slice(0, bytes - 1) + '\n';
}

async function write(text: string): Promise<void> {
  if (!process.stdout.write(text)) await once(process.stdout, 'drain');
}

async function run(spec: ChattySpec): Promise<void> {
  const parent = process.ppid;
  const total = Math.floor(spec.bytes / spec.lineBytes);
  const t0 = Date.now();
  let sent = 0;
  while (sent < total) {
    // Started detached by the worker: if the benchmark dies, nobody would stop us. Reparented means orphaned.
    if (process.ppid !== parent) process.exit(1);
    const due = Math.min(total, Math.floor((total * (Date.now() - t0)) / (spec.seconds * 1000)));
    if (due > sent) {
      const lines: string[] = [];
      for (; sent < due; sent++) lines.push(line(sent, spec.lineBytes));
      await write(lines.join(''));
    }
    if (sent < total) await sleep(TICK_MS);
  }
  await write(chattySummaryLine({ bytes: total * spec.lineBytes, lines: total, ms: Date.now() - t0 }));
}

let spec: ChattySpec;
try {
  spec = parseChattyPrompt(process.argv[2] ?? '');
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
}
// The reader went away (EPIPE): nobody is listening any more, so stop at once.
process.stdout.on('error', () => process.exit(1));
await run(spec);
process.exitCode = 0;
