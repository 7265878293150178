import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../../src/hub/registry/audit.js';
import type { PowerProgress } from '../../../src/power/progress.js';
import { startTestHub, type TestHub } from '../../helpers/hub.js';
import { silentPorts } from '../../helpers/silent-port.js';
import { expectedMagicPacket, udpListener } from '../../helpers/udp.js';
import { nextEvent, until } from '../../helpers/wait.js';
import { fakeAgentEnv, testWorker } from '../../helpers/worker.js';
import { linkRaw } from '../../helpers/raw-link.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const MAC = '02:00:5e:10:00:01';

async function hub(env: Record<string, string> = {}): Promise<TestHub> {
  const t = await startTestHub({
    env: { PIA_WAKE_POLL_S: '0.1', PIA_WAKE_TIMEOUT_S: '5', PIA_PROBE_TIMEOUT_MS: '200', PIA_PROBE_INTERVAL_S: '3600', PIA_BOOTSTRAP_AFTER_S: '5', ...env },
  });
  cleanups.push(() => t.stop());
  return t;
}

async function listenOpen(port = 0): Promise<{ port: number; close: () => void }> {
  const server = net.createServer((s) => s.destroy());
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  cleanups.push(() => server.close());
  return { port: (server.address() as net.AddressInfo).port, close: () => server.close() };
}

/** Enrols a machine, links it once (so its facts and networks are known), and takes it offline again. */
async function enrolledThenOff(t: TestHub, name: string, capabilities: object, workerEnv: Record<string, string> = {}) {
  const { body } = await t.api<{ joinToken: string }>('POST', '/api/machines', { name, capabilities });
  const worker = testWorker({ hub: t.linkUrl, join: body.joinToken, env: workerEnv });
  const online = nextEvent(t.pia.events, 'machine.online', (e) => e.machine === name);
  void worker.run();
  await online;
  await worker.stop();
  await until(async () => (await t.machine(name)).status === 'offline');
  return worker.stateDir;
}

async function linked(t: TestHub, name: string, env: Record<string, string> = {}) {
  const { body } = await t.api<{ joinToken: string }>('POST', '/api/machines', { name });
  const worker = testWorker({ hub: t.linkUrl, join: body.joinToken, env });
  cleanups.push(() => worker.stop());
  const online = nextEvent(t.pia.events, 'machine.online', (e) => e.machine === name);
  void worker.run();
  await online;
  await until(() => worker.link.linked);
  return worker;
}

function progressOf(t: TestHub, machine: string): PowerProgress[] {
  const seen: PowerProgress[] = [];
  cleanups.push(t.pia.events.on('power.progress', (p) => p.machine === machine && seen.push(p)));
  return seen;
}

async function finalStep(t: TestHub, operation: string): Promise<PowerProgress> {
  return nextEvent(t.pia.events, 'power.progress', (p) => p.operation === operation && p.step === 'done', 15_000);
}

describe('power state with evidence', () => {
  it('probes now: awake when a port answers, off when none does, online when the worker is linked', async () => {
    const t = await hub();
    const open = await listenOpen();
    const silent = await silentPorts(1);
    cleanups.push(() => silent.close());
    await t.api('POST', '/api/machines', { name: 'up', capabilities: { ip: '127.0.0.1', probePorts: [open.port] } });
    await t.api('POST', '/api/machines', { name: 'down', capabilities: { ip: '127.0.0.1', probePorts: [silent.ports[0]] } });
    await t.api('POST', '/api/machines', { name: 'nowhere' });

    const up = await t.api<{ powerState: string; evidence: string }>('GET', '/api/machines/up/power-state');
    expect(up.body).toMatchObject({ powerState: 'awake', evidence: `TCP ${open.port} open (127.0.0.1)` });
    const stored = await t.api<{ machine: { powerState: string; powerEvidence: string; powerStateAt: string } }>('GET', '/api/machines/up');
    expect(stored.body.machine).toMatchObject({ powerState: 'awake', powerEvidence: `TCP ${open.port} open (127.0.0.1)` });
    expect(Date.now() - Date.parse(stored.body.machine.powerStateAt)).toBeLessThan(5000);

    const down = await t.api<{ powerState: string; evidence: string }>('GET', '/api/machines/down/power-state');
    expect(down.body).toMatchObject({ powerState: 'off', evidence: `no answer on TCP ${silent.ports[0]} within 200 ms (127.0.0.1)` });

    const nowhere = await t.api<{ powerState: string; evidence: string }>('GET', '/api/machines/nowhere/power-state');
    expect(nowhere.body).toMatchObject({ powerState: 'unknown', evidence: expect.stringMatching(/no IP address known/) });

    await linked(t, 'live');
    expect((await t.api<{ powerState: string }>('GET', '/api/machines/live/power-state')).body.powerState).toBe('online');
  });

  it('the periodic sweep probes only offline machines, within its concurrency', async () => {
    const t = await hub({ PIA_PROBE_INTERVAL_S: '0.3' });
    const open = await listenOpen();
    await t.api('POST', '/api/machines', { name: 'a', capabilities: { ip: '127.0.0.1', probePorts: [open.port] } });
    await linked(t, 'b');
    // The sweep runs every PIA_PROBE_INTERVAL_S (1 s here): the offline machine is probed, the linked one is not.
    await until(async () => (await t.machine('a')).powerState === 'awake', 5000);
    expect((await t.machine('b')).powerState).toBe('online');
  });
});

describe('wake', () => {
  it('sends the burst from the hub and through an awake peer on the same network, then can be cancelled', async () => {
    const nic = await udpListener();
    cleanups.push(() => nic.close());
    const silent = await silentPorts(1);
    cleanups.push(() => silent.close());
    const t = await hub({ PIA_WOL_TARGETS: `127.0.0.1:${nic.port}` });
    await enrolledThenOff(t, 'sleeper', { mac: MAC, ip: '127.0.0.1', probePorts: [silent.ports[0]], wolTargets: [`127.0.0.1:${nic.port}`] });
    await linked(t, 'peer');
    const steps = progressOf(t, 'sleeper');

    const started = Date.now();
    const { body, status } = await t.api<{ operation: { id: string; kind: string } }>('POST', '/api/machines/sleeper/wake');
    expect(status).toBe(202);
    await until(() => nic.packets.length >= 6, 3000);
    expect(nic.packets[0]!.at - started).toBeLessThan(200);
    for (const p of nic.packets) expect(p.data.equals(expectedMagicPacket(MAC))).toBe(true);
    expect(new Set(nic.packets.map((p) => p.fromPort)).size).toBe(2); // the hub's socket and the peer's
    const wake = await until(() => steps.find((s) => s.step === 'wake'), 3000);
    expect(wake.message).toBe(`Sent 3 magic packets from the hub to 127.0.0.1:${nic.port}; relayed via peer: 3 packets to 127.0.0.1:${nic.port}`);
    expect((await t.machine('sleeper')).powerState).toBe('waking');

    // A second wake joins the first.
    const again = await t.api<{ operation: { id: string } }>('POST', '/api/machines/sleeper/wake');
    expect(again.body.operation.id).toBe(body.operation.id);

    const done = finalStep(t, body.operation.id);
    const cancel = await t.api<{ operation: { state: string } }>('POST', `/api/power/operations/${body.operation.id}/cancel`);
    expect(cancel.status).toBe(200);
    expect(await done).toMatchObject({ state: 'cancelled', message: 'Cancelled by admin-token.' });
    expect(nic.packets).toHaveLength(6);
  });

  it('says when no awake peer is on the network, and fails clearly without a MAC', async () => {
    const nic = await udpListener();
    cleanups.push(() => nic.close());
    const silent = await silentPorts(1);
    cleanups.push(() => silent.close());
    const t = await hub({ PIA_WOL_TARGETS: `127.0.0.1:${nic.port}`, PIA_WAKE_TIMEOUT_S: '0.5' });
    await enrolledThenOff(t, 'alone', { mac: MAC, ip: '127.0.0.1', probePorts: [silent.ports[0]], wolTargets: [`127.0.0.1:${nic.port}`] });
    const steps = progressOf(t, 'alone');
    const { body } = await t.api<{ operation: { id: string } }>('POST', '/api/machines/alone/wake');
    const end = await finalStep(t, body.operation.id);
    expect(steps.find((s) => s.step === 'wake')!.message).toMatch(/; no awake peer on \d+\.\d+\.\d+\.\d+\/\d+(, .+)?; sent from the hub only$/);
    expect(end).toMatchObject({ state: 'failed', error: expect.stringMatching(/^alone did not answer within 0.5 s \(no answer on TCP \d+ within 200 ms \(127.0.0.1\)\); run pia doctor alone$/) });

    await t.api('POST', '/api/machines', { name: 'nomac', capabilities: { ip: '127.0.0.1', probePorts: [silent.ports[0]] } });
    const nomac = await t.api<{ operation: { id: string } }>('POST', '/api/machines/nomac/wake');
    expect(await finalStep(t, nomac.body.operation.id)).toMatchObject({ state: 'failed', error: 'no MAC address known for nomac (its worker has not reported one on its default route); set it with pia machines set nomac --mac <mac>' });
  });

  it('wakes by the MAC its worker reported, shown as learned and overridden by --mac', async () => {
    const nic = await udpListener();
    cleanups.push(() => nic.close());
    const silent = await silentPorts(1);
    cleanups.push(() => silent.close());
    const t = await hub({ PIA_WOL_TARGETS: `127.0.0.1:${nic.port}`, PIA_WAKE_TIMEOUT_S: '0.5' });
    const { body } = await t.api<{ joinToken: string }>('POST', '/api/machines', { name: 'learner', capabilities: { ip: '127.0.0.1', probePorts: [silent.ports[0]], wolTargets: [`127.0.0.1:${nic.port}`] } });
    // Its worker links once (its facts name eth0 with 02:00:00:00:00:02), then the machine goes to sleep.
    const raw = await linkRaw(t.linkUrl, 'learner', { kind: 'join', token: body.joinToken });
    raw.link.ws.close();
    await until(async () => (await t.machine('learner')).status === 'offline');
    expect((await t.machine('learner')).learnedMac).toEqual({ mac: '02:00:00:00:00:02', interface: 'eth0' });
    const doctor = await t.api<{ findings: Array<{ level: string; message: string }> }>('GET', '/api/machines/learner/doctor');
    expect(doctor.body.findings).toContainEqual({ level: 'ok', message: 'MAC 02:00:00:00:00:02 learned from its worker (eth0, on its default route); set another with pia machines set learner --mac <mac>.' });

    const wake = await t.api<{ operation: { id: string } }>('POST', '/api/machines/learner/wake');
    await until(() => nic.packets.length >= 3, 3000);
    expect(nic.packets[0]!.data.equals(expectedMagicPacket('02:00:00:00:00:02'))).toBe(true);
    await finalStep(t, wake.body.operation.id);

    // A person's MAC wins over the learned one.
    await t.api('PATCH', '/api/machines/learner', { capabilities: { mac: MAC } });
    const again = await t.api<{ operation: { id: string } }>('POST', '/api/machines/learner/wake');
    await until(() => nic.packets.length >= 6, 3000);
    expect(nic.packets[5]!.data.equals(expectedMagicPacket(MAC))).toBe(true);
    await finalStep(t, again.body.operation.id);
  });

  it('the whole orchestration: a stand-in machine boots on the packet, opens a port, then starts its worker', async () => {
    const nic = await udpListener();
    cleanups.push(() => nic.close());
    const silent = await silentPorts(1);
    const port = silent.ports[0]!;
    const t = await hub({ PIA_WOL_TARGETS: `127.0.0.1:${nic.port}` });
    const stateDir = await enrolledThenOff(t, 'standin', { mac: MAC, ip: '127.0.0.1', probePorts: [port], wolTargets: [`127.0.0.1:${nic.port}`] });

    // The stand-in: a magic packet "powers it on": after a moment its port answers, a moment later its worker links.
    let booted = false;
    nic.onPacket((data) => {
      if (booted || !data.equals(expectedMagicPacket(MAC))) return;
      booted = true;
      setTimeout(async () => {
        await silent.close();
        await listenOpen(port);
        setTimeout(() => {
          const worker = testWorker({ hub: t.linkUrl, stateDir });
          cleanups.push(() => worker.stop());
          void worker.run();
        }, 300);
      }, 300);
    });

    const steps = progressOf(t, 'standin');
    const { body } = await t.api<{ operation: { id: string } }>('POST', '/api/machines/standin/wake');
    const end = await finalStep(t, body.operation.id);
    expect(end).toMatchObject({ state: 'succeeded', progress: 100, message: 'standin is online.' });
    expect(steps.map((s) => s.step)).toEqual(['start', 'wake', 'wait_awake', 'wait_online', 'done']);
    // Like a real boot, the stand-in's port may refuse for a moment (kernel up, service not yet) before it opens:
    // either answer is the host's own and counts as awake.
    expect(steps.find((s) => s.step === 'wait_awake')!.message).toMatch(new RegExp(`^standin is awake: TCP ${port} (open|refused: the host is up) \\(127\\.0\\.0\\.1\\)$`));
    const progress = steps.map((s) => s.progress);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
    const m = (await t.api<{ machine: { status: string; powerState: string } }>('GET', '/api/machines/standin')).body.machine;
    expect(m).toMatchObject({ status: 'online', powerState: 'online' });
    const op = await t.api<{ operation: { state: string; steps: unknown[] } }>('GET', `/api/power/operations/${body.operation.id}`);
    expect(op.body.operation.state).toBe('succeeded');
    expect(op.body.operation.steps).toHaveLength(5);
  });

  it('a task for an off machine that allows auto-wake wakes it first', async () => {
    const nic = await udpListener();
    cleanups.push(() => nic.close());
    const silent = await silentPorts(1);
    cleanups.push(() => silent.close());
    const t = await hub({ PIA_WOL_TARGETS: `127.0.0.1:${nic.port}`, PIA_WAKE_TIMEOUT_S: '1' });
    await enrolledThenOff(t, 'lazy', { mac: MAC, ip: '127.0.0.1', probePorts: [silent.ports[0]], wolTargets: [`127.0.0.1:${nic.port}`], autoWake: true });
    await enrolledThenOff(t, 'strict', { mac: MAC, ip: '127.0.0.1', probePorts: [silent.ports[0]], wolTargets: [`127.0.0.1:${nic.port}`] });
    const waking = nextEvent(t.pia.events, 'power.progress', (p) => p.machine === 'lazy' && p.step === 'wake');
    await t.api('POST', '/api/tasks', { kind: 'run', machine: 'lazy', prompt: 'x' });
    await waking;
    let strictWoken = false;
    cleanups.push(t.pia.events.on('power.progress', (p) => p.machine === 'strict' && (strictWoken = true)));
    await t.api('POST', '/api/tasks', { kind: 'run', machine: 'strict', prompt: 'x' });
    await new Promise((r) => setTimeout(r, 200));
    expect(strictWoken).toBe(false);
  });
});

describe('sleep, shut down, restart through the worker', () => {
  it('runs the OS command configured on the worker and reports its answer; refuses an offline machine', async () => {
    const t = await hub();
    await linked(t, 'box', { ...fakeAgentEnv(), PIA_POWER_SHUTDOWN_CMD: JSON.stringify([process.execPath, '-e', 'console.log("powering off")']) });
    const res = await t.api<{ ok: boolean; message: string }>('POST', '/api/machines/box/shutdown');
    expect(res).toEqual({ status: 200, body: { ok: true, message: `shutdown: ${process.execPath} -e console.log("powering off") (powering off)` } });
    const audit = (await t.api<{ entries: AuditEntry[] }>('GET', '/api/audit')).body.entries.find((e) => e.action === 'power.shutdown');
    expect(audit).toMatchObject({ actor: 'admin-token', target: 'box', outcome: 'ok' });

    await t.api('POST', '/api/machines', { name: 'cold' });
    const off = await t.api<{ error: { code: string; message: string } }>('POST', '/api/machines/cold/restart');
    expect(off.status).toBe(409);
    expect(off.body.error.message).toBe('cold is offline: its worker must be linked to restart it.');
  });
});

describe('doctor', () => {
  it('explains what could stop a wake', async () => {
    const t = await hub();
    await enrolledThenOff(t, 'wifi-box', { ip: '127.0.0.1' });
    const { body } = await t.api<{ findings: Array<{ level: string; message: string }> }>('GET', '/api/machines/wifi-box/doctor');
    const text = body.findings.map((f) => `${f.level}: ${f.message}`);
    // Its worker reported this host's real interfaces: the MAC is learned from the default route when there is one.
    expect(text.some((l) => /^ok: MAC [0-9a-f:]{17} learned from its worker \(.+, on its default route\)/.test(l) || l === 'error: No MAC address known (its worker has not reported one on its default route): a magic packet cannot be built. Set it with pia machines set wifi-box --mac <mac>.')).toBe(true);
    expect(text.some((l) => /^warn: No awake peer on .+: packets go from the hub only/.test(l))).toBe(true);
    expect(text).toContain('warn: No SSH key on the hub (PIA_SSH_KEY): if its worker does not start by itself, PIA cannot start it.');
    expect(text).toContain('warn: No SSH host key pinned: run pia machines trust wifi-box.');
    expect(text).toContain('ok: Start command: the linux default.');
  });
});
