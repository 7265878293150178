import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Task } from '../../../src/hub/tasks/task.js';
import { testChat } from '../../helpers/chat.js';
import { git, makeBareRepo } from '../../helpers/git.js';
import { startTestHub, type TestHub } from '../../helpers/hub.js';
import { silentPorts } from '../../helpers/silent-port.js';
import { tempDir } from '../../helpers/tmp.js';
import { expectedMagicPacket, udpListener } from '../../helpers/udp.js';
import { nextEvent, until } from '../../helpers/wait.js';
import { fakeAgentEnv, testWorker } from '../../helpers/worker.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function hub(env: Record<string, string> = {}): Promise<TestHub> {
  const t = await startTestHub({
    env: { PIA_WAKE_POLL_S: '0.1', PIA_WAKE_TIMEOUT_S: '10', PIA_PROBE_TIMEOUT_MS: '200', PIA_PROBE_INTERVAL_S: '3600', PIA_BOOTSTRAP_AFTER_S: '10', ...env },
  });
  cleanups.push(() => t.stop());
  return t;
}

/** A worker state dir holding a clone-like repository acme/<name> (a real git repository with that remote). */
function stateWithRepo(name: string): string {
  const dir = tempDir('pia-worker-').dir;
  const repo = path.join(dir, name);
  git(dir, 'init', '--quiet', '--initial-branch=main', repo);
  git(repo, 'remote', 'add', 'origin', `https://github.com/acme/${name}.git`);
  return dir;
}

/** Enrols and links a worker; `off` takes it offline again (facts stay known). */
async function enrol(t: TestHub, name: string, opts: { capabilities?: object; stateDir?: string; off?: boolean; files?: boolean } = {}) {
  const { body } = await t.api<{ joinToken: string }>('POST', '/api/machines', { name, capabilities: opts.capabilities ?? {} });
  const worker = testWorker({ hub: t.linkUrl, join: body.joinToken, ...(opts.stateDir ? { stateDir: opts.stateDir } : {}), env: { ...fakeAgentEnv(), ...(opts.files ? { PIA_ALLOW_FILE_REPOS: '1' } : {}) } });
  const online = nextEvent(t.pia.events, 'machine.online', (e) => e.machine === name);
  void worker.run();
  await online;
  if (opts.off) {
    await worker.stop();
    await until(async () => (await t.machine(name)).status === 'offline');
  } else {
    cleanups.push(() => worker.stop());
    await until(() => worker.link.linked);
  }
  return worker.stateDir;
}

type Result = { kind: string; text?: string; placement?: string; tasks?: Task[] };
const command = async (t: TestHub, text: string) => (await t.api<{ result: Result }>('POST', '/api/commands', { text })).body.result;

async function finished(t: TestHub, id: string): Promise<Task> {
  return until(async () => {
    const task = await t.task(id);
    return task && ['succeeded', 'failed', 'cancelled', 'timed_out', 'lost'].includes(task.state) ? task : undefined;
  }, 15_000);
}

describe('placement through the hub, with real workers', () => {
  it('run any[repo=x] picks the machine that has the repository, and says why', async () => {
    const t = await hub();
    await enrol(t, 'plain');
    await enrol(t, 'holder', { stateDir: stateWithRepo('widget') });
    expect((await t.machine('holder')).labels).toEqual(expect.arrayContaining(['repo=acme/widget', 'repo=widget', 'os=linux']));

    const r = await command(t, 'run any[repo=acme/widget] "say hello"');
    expect(r.kind).toBe('tasks_started');
    expect(r.placement).toBe('→ holder: has acme/widget, idle');
    expect(r.tasks!.map((x) => x.machine)).toEqual(['holder']);
    expect((await finished(t, r.tasks![0]!.id)).state).toBe('succeeded');

    // The same through POST /api/tasks (the CLI's way), with the one-line reason in the answer.
    const api = await t.api<{ tasks: Task[]; placement: string }>('POST', '/api/tasks', { kind: 'run', machine: 'any[os=linux]', prompt: 'x' });
    expect(api.status).toBe(201);
    expect(api.body.placement).toMatch(/^→ (holder|plain): /);
  });

  it('in chat: a tag set by a person is a label at once; the thread says why; status lists what fits; power commands refuse a target', async () => {
    const t = await hub({ PIA_OPERATORS: 'slack:UOPS' });
    await enrol(t, 'plain');
    await enrol(t, 'holder', { stateDir: stateWithRepo('widget') });
    expect((await t.api('PATCH', '/api/machines/plain', { capabilities: { tags: ['nightly'] } })).status).toBe(200);
    const listed = (await t.api<{ machines: Array<{ name: string; labels: string[] }> }>('GET', '/api/machines')).body.machines;
    expect(listed.find((m) => m.name === 'plain')!.labels).toEqual(expect.arrayContaining(['nightly', 'os=linux', 'arch=x64']));
    expect(listed.find((m) => m.name === 'holder')!.labels).not.toContain('nightly');

    const chat = testChat(t.pia.chat);
    t.pia.connectChat(chat.port);
    const nightly = await chat.say('slack:UOPS', 'run any[nightly] "say hi"');
    expect(nightly.text).toMatch(/^→ plain: idle\nRunning on plain: task \w+ (queued|dispatched)$/);
    const holder = await chat.say('slack:UOPS', 'run any[repo=acme/widget, os=linux] go');
    expect(holder.text).toMatch(/^→ holder: has acme\/widget, idle\nRunning on holder: task \w+ /);
    const status = await chat.say('slack:UOPS', 'status any[os=linux]');
    expect(status.text).toBe('2 of 2 machine(s) online.');
    const wake = await chat.say('slack:UOPS', 'wake any[gpu]');
    expect(wake.text).toBe('⚠️ `wake` takes a machine by name, `all` or `tag:<t>`; any[...] picks machines for run, deploy and sh (status any[gpu] lists the machines that fit).');
    const none = await chat.say('slack:UOPS', 'run any[nightly,repo=acme/widget] go');
    expect(none.text).toBe('⚠️ No machine fits any[nightly,repo=acme/widget]. Nearest misses: holder (no nightly); plain (no repo).');
  });

  it('deploy any[...]x2 places on two distinct machines, preferring the one that has the repository', async () => {
    const t = await hub({ PIA_ALLOW_FILE_REPOS: '1' });
    const repo = makeBareRepo(tempDir().dir, 'widget');
    await enrol(t, 'one', { files: true });
    await enrol(t, 'two', { files: true });
    await enrol(t, 'three', { stateDir: stateWithRepo('widget'), files: true });
    const r = await command(t, `deploy ${repo.url} any[os=linux]x2 "build it"`);
    expect(r.kind).toBe('tasks_started');
    expect(r.tasks!.map((x) => x.machine).sort()).toEqual(['one', 'three']);
    expect(r.placement).toBe('→ three (has widget, idle), one (will clone widget, idle); two tied, chosen by name');
    for (const task of r.tasks!) expect((await finished(t, task.id)).state).toBe('succeeded');
    expect(await command(t, `deploy ${repo.url} any[os=linux]x4 go`)).toMatchObject({ code: 'no_machine_fits', text: expect.stringMatching(/^Only 3 machine\(s\) that fit any\[os=linux\] can take it; any\[os=linux\]x4 asks for 4 machines\./) });
  });

  it('nothing qualifies: a refusal that names the nearest misses; a label naming nothing; a bad target points at it', async () => {
    const t = await hub();
    await enrol(t, 'alpha');
    await enrol(t, 'beta');
    expect(await command(t, 'run any[os=darwin,repo=acme/none] go')).toEqual({
      kind: 'error',
      code: 'no_machine_fits',
      text: 'No machine fits any[os=darwin,repo=acme/none]. Nearest misses: alpha (os=linux, no repo); beta (os=linux, no repo).',
    });
    expect(await command(t, 'run any[gpux] go')).toMatchObject({ kind: 'error', code: 'label_unknown', text: 'No machine has a label "gpux". Did you mean "gpu"? Labels: agent, arch, cpus, disk.free, gpu, gpu.count, gpu.mem, os, ram, ram.free, repo.' });
    expect(await command(t, 'run any[gpu] go')).toMatchObject({ code: 'no_machine_fits', text: 'No machine fits any[gpu]. Nearest misses: alpha (no gpu); beta (no gpu).' });
    expect(await command(t, 'run any[os=linux go')).toMatchObject({ kind: 'error', code: 'usage', text: 'Cannot read the target at character 13: the list is not closed: "]" is missing.\n  any[os=linux\n              ^' });
    expect((await t.tasks()).length).toBe(0);
    // A machine or alias named like a word of the language could never be addressed: refused when made.
    expect(await t.api('POST', '/api/machines', { name: 'any' })).toMatchObject({ status: 400, body: { error: { code: 'invalid_name', message: '"any" cannot be a machine name: in commands it means a machine the fleet picks. Pick another name.' } } });
    expect(await t.api('PATCH', '/api/machines/alpha', { aliases: ['anyx2'] })).toMatchObject({ status: 400, body: { error: { code: 'invalid_name' } } });
    expect((await t.api('PATCH', '/api/machines/alpha', { aliases: ['any-box'] })).status).toBe(200);
  });

  it('all asleep: the best machine is woken by its magic packet, then runs the task; the wake time is measured', async () => {
    const nic = await udpListener();
    cleanups.push(() => nic.close());
    const silent = await silentPorts(2);
    cleanups.push(() => silent.close());
    const t = await hub({ PIA_WOL_TARGETS: `127.0.0.1:${nic.port}` });
    const MAC_BEST = '02:00:5e:10:00:0a';
    const MAC_OTHER = '02:00:5e:10:00:0b';
    const wake = (mac: string, port: number) => ({ mac, ip: '127.0.0.1', probePorts: [port], wolTargets: [`127.0.0.1:${nic.port}`], autoWake: true });
    const bestState = await enrol(t, 'tower', { capabilities: wake(MAC_BEST, silent.ports[0]!), stateDir: stateWithRepo('widget'), off: true });
    await enrol(t, 'laptop', { capabilities: wake(MAC_OTHER, silent.ports[1]!), off: true });
    await enrol(t, 'cold', { off: true }); // no MAC, no auto-wake: never chosen

    // The stand-in tower: its magic packet "powers it on"; its port opens, then its worker links.
    let booted = false;
    nic.onPacket((data) => {
      if (booted || !data.equals(expectedMagicPacket(MAC_BEST))) return;
      booted = true;
      setTimeout(async () => {
        const server = net.createServer((s) => s.destroy());
        await silent.close();
        await new Promise<void>((resolve) => server.listen(silent.ports[0], '127.0.0.1', resolve));
        cleanups.push(() => server.close());
        setTimeout(() => {
          const worker = testWorker({ hub: t.linkUrl, stateDir: bestState, env: fakeAgentEnv() });
          cleanups.push(() => worker.stop());
          void worker.run();
        }, 200);
      }, 200);
    });

    const started = await command(t, 'run any[repo=widget] "build it"');
    expect(started.placement).toBe('→ tower: has widget, asleep, waking it (+60 s, not measured yet), idle');
    const task = started.tasks![0]!;
    expect(task).toMatchObject({ machine: 'tower', state: 'queued' });
    const done = await finished(t, task.id);
    expect(done.state).toBe('succeeded');
    expect(nic.packets.every((p) => p.data.equals(expectedMagicPacket(MAC_BEST)))).toBe(true);
    const wakes = t.db().prepare('SELECT ms FROM machine_wakes w JOIN machines m ON m.id = w.machine_id WHERE m.name = ?').pluck().all('tower') as number[];
    expect(wakes).toHaveLength(1);
    expect(wakes[0]).toBeGreaterThan(300);
    expect(wakes[0]).toBeLessThan(15_000);
  });
});
