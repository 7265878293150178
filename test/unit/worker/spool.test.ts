import { appendFileSync, existsSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeOutputFrame } from '../../../src/protocol/output-frame.js';
import { TaskSpool } from '../../../src/worker/tasks/spool.js';
import { tempDir } from '../../helpers/tmp.js';

const ID = 'spooltest1';
const dirs: Array<() => void> = [];
afterEach(() => dirs.splice(0).forEach((c) => c()));

function dir(): string {
  const t = tempDir();
  dirs.push(t.cleanup);
  return t.dir;
}

const meta = (seq: number) => ({ taskId: ID, seq, offset: (seq - 1) * 10, stream: 'stdout' as const, at: 1000 + seq });

/** What a spool would replay from `from`, as text. */
function replay(spool: TaskSpool, from: number): string[] {
  return spool.read(from, 1 << 30).map((c) => {
    const d = decodeOutputFrame(c.frame);
    if (!d.ok) throw new Error(d.reason);
    expect(d.message.seq).toBe(c.seq);
    return d.message.data.toString();
  });
}

describe('the output spool', () => {
  it('keeps every chunk in binary frames across a worker restart, and replays from the last acknowledgement', () => {
    const d = dir();
    const spool = TaskSpool.open(d, ID);
    for (let seq = 1; seq <= 5; seq++) spool.append(meta(seq), `chunk ${seq} ü\n`);
    spool.ack(2);
    expect(replay(spool, 3)).toEqual(['chunk 3 ü\n', 'chunk 4 ü\n', 'chunk 5 ü\n']);
    spool.close();

    const again = TaskSpool.open(d, ID, 2);
    expect(again.lastSeq).toBe(5);
    expect(replay(again, 3)).toEqual(['chunk 3 ü\n', 'chunk 4 ü\n', 'chunk 5 ü\n']);
    again.append(meta(6), 'chunk 6\n');
    expect(replay(again, 6)).toEqual(['chunk 6\n']);
    again.remove();
    expect(existsSync(again.file)).toBe(false);
  });

  it('cuts off a record a crash left torn, and goes on after the last whole one', () => {
    const d = dir();
    const spool = TaskSpool.open(d, ID);
    for (let seq = 1; seq <= 3; seq++) spool.append(meta(seq), `chunk ${seq}\n`);
    spool.close();
    const size = statSync(spool.file).size;
    truncateSync(spool.file, size - 3);

    const again = TaskSpool.open(d, ID);
    expect(again.lastSeq).toBe(2);
    expect(statSync(again.file).size).toBeLessThan(size - 3);
    again.append(meta(3), 'chunk 3 again\n');
    expect(replay(again, 1)).toEqual(['chunk 1\n', 'chunk 2\n', 'chunk 3 again\n']);
    again.close();
  });

  it('a few stray bytes after the last record (a length cut short) are cut off too', () => {
    const d = dir();
    const spool = TaskSpool.open(d, ID);
    spool.append(meta(1), 'one\n');
    spool.close();
    appendFileSync(spool.file, Buffer.from([0, 0]));
    const again = TaskSpool.open(d, ID);
    expect(again.lastSeq).toBe(1);
    expect(replay(again, 1)).toEqual(['one\n']);
    again.close();
  });

  it("carries over a protocol-1 worker's JSON spool, up to its first torn line, and removes it", () => {
    const d = dir();
    const legacy = path.join(d, `${ID}.jsonl`);
    const line = (seq: number, data: string) => JSON.stringify({ ...meta(seq), data }) + '\n';
    writeFileSync(legacy, line(1, 'old 1\n') + line(2, 'old 2\n') + '{"taskId":"spooltest1","seq":3,"off');
    const spool = TaskSpool.open(d, ID);
    expect(spool.lastSeq).toBe(2);
    expect(replay(spool, 1)).toEqual(['old 1\n', 'old 2\n']);
    expect(existsSync(legacy)).toBe(false);
    spool.close();
  });
});
