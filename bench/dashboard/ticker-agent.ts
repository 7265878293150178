/**
 * The ticker agent: a stand-in for a coding agent that prints one short coloured line every so often, as an agent
 * narrating its work does. Its argument is the prompt `rate=<lines per second> seconds=<how long>`.
 */
import { setTimeout as sleep } from 'node:timers/promises';

const prompt = process.argv[process.argv.length - 1] ?? '';
const opt = (name: string, fallback: number) => Number(new RegExp(`${name}=(\\d+(?:\\.\\d+)?)`).exec(prompt)?.[1] ?? fallback);
const rate = opt('rate', 50);
const seconds = opt('seconds', 60);
const colours = ['\u001b[32m', '\u001b[33m', '\u001b[36m', '\u001b[1;34m'];
const start = Date.now();
for (let i = 0; Date.now() - start < seconds * 1000; i++) {
  process.stdout.write(`${colours[i % colours.length]}▸ step ${i}\u001b[0m editing src/module-${i % 97}.ts and running the tests\n`);
  // Paced against the clock, so a slow write does not lower the rate.
  const due = start + ((i + 1) * 1000) / rate;
  await sleep(Math.max(0, due - Date.now()));
}
