import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { WorkerMessage } from '../../../src/protocol/messages.js';
import type { TaskSpec } from '../../../src/protocol/tasks.js';
import { TaskLedger } from '../../../src/worker/tasks/ledger.js';
import { createTaskManager } from '../../../src/worker/tasks/task-manager.js';
import { silentLogger } from '../../../src/common/logger.js';
import { tempDir } from '../../helpers/tmp.js';

// A ledger the worker cannot read must never be taken for an empty one: the tasks it listed could run twice.
const tmp = tempDir('pia-ledger-');
afterAll(() => tmp.cleanup());
let n = 0;
const fresh = () => path.join(tmp.dir, `state-${++n}`);

const spec = (id: string): TaskSpec => ({ id, kind: 'run', machine: 'm1', prompt: 'hi', requester: 'me', origin: { kind: 'cli' }, timeoutS: 60, hub: 'ws://127.0.0.1:1/link' });
const good = { spec: spec('goodtask1'), state: 'finished', ackedSeq: 3, outcome: { taskId: 'goodtask1', state: 'succeeded', exitCode: 0, lastSeq: 3, finishedAt: 1 } };

function recorder() {
  const lines: Array<{ level: string; msg: string; obj: object }> = [];
  const at = (level: string) => (obj: object, msg: string) => void lines.push({ level, obj, msg });
  return { log: { error: at('error'), warn: at('warn') }, lines };
}

function write(dir: string, text: string): void {
  // The ledger's own constructor creates the dir; make it here to plant a file first.
  new TaskLedger(dir, recorder().log);
  writeFileSync(path.join(dir, 'ledger.json'), text);
}

describe('the task ledger', () => {
  it('keeps the entries it can read, and sets aside (not drops) the ones it cannot, loudly', () => {
    const dir = fresh();
    const bad = { spec: { id: 'badtask01', kind: 'run' }, state: 'running', ackedSeq: 0 }; // an older or newer shape
    write(dir, JSON.stringify({ goodtask1: good, badtask01: bad, 'Not An Id': 42 }));
    const { log, lines } = recorder();
    const ledger = new TaskLedger(dir, log);

    expect(ledger.all().map((r) => r.spec.id)).toEqual(['goodtask1']);
    expect(ledger.rejected.map((r) => r.taskId)).toEqual(['badtask01', 'Not An Id']);
    const aside = readdirSync(dir).filter((f) => f.startsWith('ledger.json.rejected-'));
    expect(aside).toHaveLength(1);
    const kept = JSON.parse(readFileSync(path.join(dir, aside[0]!), 'utf8'));
    expect(kept.badtask01.entry).toEqual(bad);
    expect(kept['Not An Id'].entry).toBe(42);
    expect(kept.badtask01.reason).toMatch(/spec\.machine/);
    expect(lines).toEqual([
      {
        level: 'error',
        obj: { taskIds: ['badtask01', 'Not An Id'], keptIn: path.join(dir, aside[0]!) },
        msg: `2 entries of the task ledger ${path.join(dir, 'ledger.json')} could not be read and were set aside in ${path.join(dir, aside[0]!)}; their tasks are reported to the hub as lost, never run again`,
      },
    ]);

    // Saving keeps the good entry, and the entries set aside stay where they are.
    ledger.save();
    expect(Object.keys(JSON.parse(readFileSync(path.join(dir, 'ledger.json'), 'utf8')))).toEqual(['goodtask1']);
    expect(existsSync(path.join(dir, aside[0]!))).toBe(true);
  });

  it('moves a file that is not JSON (or not an object) aside and says so, instead of overwriting it', () => {
    for (const text of ['{"goodtask1": {"spec": ', '[1, 2]']) {
      const dir = fresh();
      write(dir, text);
      const { log, lines } = recorder();
      const ledger = new TaskLedger(dir, log);
      expect(ledger.all()).toEqual([]);
      const aside = readdirSync(dir).filter((f) => f.startsWith('ledger.json.corrupt-'));
      expect(aside, text).toHaveLength(1);
      expect(readFileSync(path.join(dir, aside[0]!), 'utf8')).toBe(text);
      expect(existsSync(path.join(dir, 'ledger.json'))).toBe(false);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ level: 'error', msg: expect.stringContaining(`could not be read as a ledger and was moved to ${path.join(dir, aside[0]!)}`) });
    }
  });

  it('starts empty and quiet without a file', () => {
    const { log, lines } = recorder();
    expect(new TaskLedger(fresh(), log).all()).toEqual([]);
    expect(lines).toEqual([]);
  });
});

describe('a task whose ledger entry was set aside', () => {
  it('is reported to the hub as lost, and never run when assigned again', () => {
    const dir = fresh();
    write(dir, JSON.stringify({ badtask01: { spec: { id: 'badtask01' }, state: 'running', ackedSeq: 0 } }));
    const sent: WorkerMessage[] = [];
    const manager = createTaskManager({
      config: {
        workspaceRoot: path.join(dir, 'work'),
        spoolDir: dir,
        maxTasks: 1,
        agents: new Map(),
        defaultAgent: 'none',
        graceMs: 10,
        allowFileRepos: false,
        hostname: 'h',
        env: {},
      },
      hub: { send: (m) => (sent.push(m), true), sendOutput: () => true, linked: true, bufferedAmount: () => 0 },
      log: silentLogger(),
    });
    expect(manager.ledger()).toEqual([{ taskId: 'badtask01', state: 'finished' }]);
    manager.onLinkUp();
    expect(sent).toEqual([
      {
        type: 'task.finished',
        outcome: {
          taskId: 'badtask01',
          state: 'lost',
          exitCode: null,
          error: expect.stringMatching(/^this worker's ledger entry for the task could not be read \(.+\); it was set aside in .*ledger\.json\.rejected-/),
          lastSeq: 0,
          finishedAt: expect.any(Number),
        },
      },
    ]);
    // The hub, thinking it was never delivered, assigns it again: it is not run, the outcome is repeated.
    manager.accept(spec('badtask01'));
    expect(manager.running()).toBe(0);
    expect(sent.at(-1)).toMatchObject({ type: 'task.finished', outcome: { taskId: 'badtask01', state: 'lost' } });
    manager.recorded('badtask01');
    expect(manager.ledger()).toEqual([]);
    void manager.stop();
  });
});
