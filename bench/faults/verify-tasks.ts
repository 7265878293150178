import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { HubApi } from '../stream/hub-api.js';
import { countingLine } from './counting-spec.js';

const FINAL = new Set(['succeeded', 'failed', 'cancelled', 'timed_out', 'lost', 'expired']);
const Output = z.object({ chunks: z.array(z.object({ seq: z.number(), stream: z.string(), data: z.string() })), nextSeq: z.number(), done: z.boolean() });

/** Polls until every task is in a final state or `timeoutMs` passes; resolves with the ms it took (null: not all). */
export async function waitAllFinal(api: HubApi, ids: readonly string[], timeoutMs: number): Promise<number | null> {
  const t0 = performance.now();
  const pending = new Set(ids);
  while (pending.size) {
    if (performance.now() - t0 > timeoutMs) return null;
    for (const id of [...pending]) {
      try {
        if (FINAL.has((await api.task(id)).state)) pending.delete(id);
      } catch {
        break; // the hub is busy or restarting: the deadline decides
      }
    }
    if (pending.size) await sleep(250);
  }
  return performance.now() - t0;
}

/** A task's stdout as the API serves it, page by page. */
async function stdoutOf(api: HubApi, id: string): Promise<{ text: string; seqs: number[] }> {
  let from = 1;
  let text = '';
  const seqs: number[] = [];
  for (;;) {
    const page = Output.parse(await api.get(`/api/tasks/${id}/output?from=${from}&limit=10000`));
    for (const c of page.chunks) {
      seqs.push(c.seq);
      if (c.stream === 'stdout') text += c.data;
    }
    if (!page.chunks.length || page.nextSeq <= from) return { text, seqs };
    from = page.nextSeq;
  }
}

/**
 * Checks each counting task as a user would see it through the API: it succeeded; its stdout is exactly
 * `tag 000001`..`tag N` once each, in order; its chunks are numbered 1..n; its agent started exactly once (the
 * starts file). Returns the problems in words (empty: all held) and the line count seen.
 */
export async function verifyCountingTasks(
  api: HubApi,
  tasks: readonly { id: string; tag: string }[],
  lines: number,
  startsFile: string,
): Promise<{ problems: string[]; linesStored: number; runTwice: number }> {
  const problems: string[] = [];
  const starts = new Map<string, number>();
  for (const tag of readFileSync(startsFile, 'utf8').split('\n')) if (tag) starts.set(tag, (starts.get(tag) ?? 0) + 1);
  let linesStored = 0;
  let runTwice = 0;
  for (const { id, tag } of tasks) {
    const task = await api.task(id);
    if (task.state !== 'succeeded') problems.push(`${id} (${tag}): ${task.state}${task.error ? ` (${task.error})` : ''}`);
    const n = starts.get(tag) ?? 0;
    if (n !== 1) problems.push(`${id} (${tag}): the agent started ${n} times`);
    if (n > 1) runTwice++;
    const { text, seqs } = await stdoutOf(api, id);
    if (seqs.some((s, i) => s !== i + 1)) problems.push(`${id}: chunk numbers are not 1..${seqs.length}`);
    // Strict: stdout holds nothing but the agent's lines (a foreign byte would show as a wrong line).
    const got = text.split('\n').filter((l) => l !== '');
    linesStored += got.length;
    const bad = got.findIndex((l, i) => l !== countingLine(tag, i + 1));
    if (got.length !== lines || bad >= 0) {
      problems.push(`${id} (${tag}): ${got.length}/${lines} lines stored${bad >= 0 ? `, line ${bad + 1} is '${got[bad]}'` : ''}`);
    }
  }
  return { problems, linesStored, runTwice };
}
