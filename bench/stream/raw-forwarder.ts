/**
 * Child-process entry of the raw baseline's forwarder: spawns flood agents and forwards their stdout, as it is
 * read, as JSON text frames over one `ws` connection to the sink. It is lossless the simple way: while more than
 * a high-water mark waits on the socket every agent's stdout is paused (so the agents block on their pipes, as
 * PIA's do), and it reports only after the last frame has left the socket.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import WebSocket from 'ws';
import { FromForwarder, ToForwarder } from './raw-ipc.js';

/** The same high-water mark as the PIA worker's link. */
const HIGH_WATER = 4 * 1024 * 1024;
const LOW_WATER = 1024 * 1024;
const TAIL_CHARS = 4000;

function send(message: FromForwarder): void {
  process.send?.(FromForwarder.parse(message));
}

async function run(msg: ToForwarder): Promise<void> {
  const ws = new WebSocket(msg.url, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.on('error', (err) => send({ type: 'error', message: `sink connection: ${err.message}` }));

  const agents: ChildProcess[] = [];
  const tails: string[] = [];
  const exitCodes: (number | null)[] = [];
  let frameBytes = 0;
  let dataBytes = 0;
  let frames = 0;
  let unconfirmed = 0;
  let paused = false;
  let allSent: (() => void) | undefined;

  const onSent = () => {
    unconfirmed--;
    if (paused && ws.bufferedAmount < LOW_WATER) {
      paused = false;
      for (const a of agents) a.stdout?.resume();
    }
    if (unconfirmed === 0) allSent?.();
  };

  const startedAt = Date.now();
  const exits = Array.from({ length: msg.agents }, (_, k) => {
    const agent = spawn(process.execPath, [msg.agentPath, msg.prompt], { stdio: ['ignore', 'pipe', 'ignore'] });
    agents.push(agent);
    tails[k] = '';
    let seq = 0;
    agent.stdout!.setEncoding('utf8');
    agent.stdout!.on('data', (data: string) => {
      const frame = JSON.stringify({ agent: k, seq: ++seq, data });
      frameBytes += Buffer.byteLength(frame);
      dataBytes += Buffer.byteLength(data);
      frames++;
      unconfirmed++;
      tails[k] = (tails[k] + data).slice(-TAIL_CHARS);
      ws.send(frame, onSent);
      if (!paused && ws.bufferedAmount > HIGH_WATER) {
        paused = true;
        for (const a of agents) a.stdout?.pause();
      }
    });
    return new Promise<void>((resolve) => agent.once('close', (code) => resolve(void (exitCodes[k] = code))));
  });
  await Promise.all(exits);
  const agentsEndedAt = Date.now();
  if (unconfirmed > 0) await new Promise<void>((resolve) => (allSent = resolve));
  send({ type: 'done', startedAt, agentsEndedAt, frameBytes, dataBytes, frames, tails, exitCodes });
}

process.on('message', (raw: unknown) => {
  const parsed = ToForwarder.safeParse(raw);
  if (!parsed.success) return send({ type: 'error', message: `bad IPC message: ${parsed.error.message}` });
  run(parsed.data).catch((err: unknown) => send({ type: 'error', message: err instanceof Error ? err.message : String(err) }));
});

// The benchmark went away: never outlive it (the agents die on their next write, with EPIPE).
process.on('disconnect', () => process.exit(0));

send({ type: 'ready' });
