import { readFileSync } from 'node:fs';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, type TestFleet } from '../../helpers/fleet.js';

// Agents run below the worker's CPU priority, so a machine full of busy agents still gets its output streamed.
let f: TestFleet;
beforeAll(async () => {
  f = await startFleet();
});
afterAll(async () => {
  await f.stop();
});

const autogroups = (() => {
  try {
    return readFileSync('/proc/self/autogroup', 'utf8').length > 0;
  } catch {
    return false;
  }
})();

describe('agent priority', () => {
  it('a task\'s process runs at PIA_AGENT_NICE (default 19) above the worker\'s niceness, its autogroup too', async () => {
    const script = 'const fs = require("fs"); console.log("nice " + require("os").getPriority()); try { console.log(fs.readFileSync("/proc/self/autogroup", "utf8").trim()) } catch {}';
    const [t] = await f.create({ kind: 'shell', machine: 'local', argv: [process.execPath, '-e', script], origin: { kind: 'cli' } });
    expect((await f.finished(t!.id)).state).toBe('succeeded');
    const out = await f.outputText(t!.id);
    expect(out).toContain(`nice ${Math.min(19, os.getPriority() + 19)}\n`);
    if (process.platform === 'linux' && autogroups) expect(out).toMatch(/\/autogroup-\d+ nice 19\n/);
  });
});
