/**
 * The flood agent: a stand-in for a coding agent that prints as fast as it is read. Its one argument is the
 * task prompt (`seconds=10 write=65536 line=128 rate=0`). It writes blocks of printable lines to stdout for that
 * long, waiting whenever stdout pushes back (and, with a rate, to keep its pace), then prints one summary line with
 * its byte count and exits 0.
 */
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { floodSummaryLine, parseFloodPrompt, type FloodSpec } from './flood-spec.js';

/** One write's worth of numbered, printable lines, exactly `writeBytes` long. */
function makeBlock(spec: FloodSpec): Buffer {
  const filler = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'.repeat(Math.ceil(spec.lineBytes / 62) + 1);
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < spec.writeBytes; i++) {
    const room = Math.min(spec.lineBytes, spec.writeBytes - size);
    const head = `flood ${String(i).padStart(6, '0')} `;
    const line = (head + filler).slice(0, Math.max(0, room - 1)) + '\n';
    lines.push(line);
    size += line.length;
  }
  return Buffer.from(lines.join(''), 'ascii');
}

async function main(): Promise<number> {
  let spec: FloodSpec;
  try {
    spec = parseFloodPrompt(process.argv[2] ?? '');
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  // The reader went away (EPIPE): nobody is counting any more, so stop at once.
  process.stdout.on('error', () => process.exit(1));
  const block = makeBlock(spec);
  const out = process.stdout;
  const t0 = Date.now();
  const end = t0 + spec.seconds * 1000;
  let bytes = 0;
  let writes = 0;
  for (let now = t0; now < end; now = Date.now()) {
    if (spec.rate > 0) {
      // Paced: wait until the budget so far covers one more block.
      const ahead = ((bytes + block.length) / spec.rate) * 1000 - (now - t0);
      if (ahead >= 1) {
        await sleep(Math.min(ahead, end - now));
        continue;
      }
    }
    const more = out.write(block);
    bytes += block.length;
    writes++;
    // Pipes are blocking on Linux, so write() usually waits by itself; elsewhere wait for the drain.
    if (!more) await once(out, 'drain');
  }
  const cpu = process.cpuUsage();
  const line = floodSummaryLine({ bytes, writes, ms: Date.now() - t0, cpuMs: Math.round((cpu.user + cpu.system) / 1000) });
  if (!out.write(line)) await once(out, 'drain');
  return 0;
}

process.exitCode = await main();
