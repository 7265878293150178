import { readFileSync } from 'node:fs';
import { OutputChunk } from '../../protocol/tasks.js';

/**
 * The chunks of a spool written by a worker of protocol 1 (one JSON chunk per line), up to the first line a crash
 * cut short; none when there is no such file. Read once, when a task's spool is opened, and carried over.
 */
export function readLegacySpool(file: string): OutputChunk[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const chunks: OutputChunk[] = [];
  for (const line of text.split('\n')) {
    if (!line) break;
    try {
      chunks.push(OutputChunk.parse(JSON.parse(line)));
    } catch {
      break; // a line cut short by a crash: everything after it is discarded
    }
  }
  return chunks;
}
