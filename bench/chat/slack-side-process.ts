import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { killQuietly, type Cleanup } from '../fleet/cleanup.js';
import { withTimeout } from '../fleet/with-timeout.js';
import { FromSlackSide, ToSlackSide, type SlackSideResult } from './slack-side-ipc.js';

/** The Slack-side process, seen from the benchmark. */
export interface SlackSide {
  apiUrl: string;
  botToken: string;
  /** Sends the commands and resolves with the timings; `onProgress` hears every 50 commands. */
  run(run: Omit<Extract<ToSlackSide, { type: 'run' }>, 'type'>, timeoutMs: number, onProgress: (sent: number) => void): Promise<SlackSideResult>;
  /** Closes its server and lets it exit (killed if it has not after 5 s). */
  stop(): Promise<void>;
}

/** Forks `slack-side.js` (next to this file) and waits for its fake Web API to listen. */
export async function startSlackSide(cleanup: Cleanup, timeoutMs: number): Promise<SlackSide> {
  const child: ChildProcess = fork(fileURLToPath(new URL('./slack-side.js', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const kill = cleanup.add(() => killQuietly(child.pid));
  const listeners = new Set<(m: FromSlackSide) => void>();
  child.on('message', (raw: unknown) => {
    const parsed = FromSlackSide.safeParse(raw);
    const msg: FromSlackSide = parsed.success ? parsed.data : { type: 'error', message: `bad IPC message: ${parsed.error.message}` };
    for (const l of [...listeners]) l(msg);
  });
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`the Slack-side process exited (${code})`))));
  exited.catch(() => undefined);

  /** The first message of `type`; an `error` message or the child's exit rejects. */
  function next<T extends FromSlackSide['type']>(type: T, onOther?: (m: FromSlackSide) => void): Promise<Extract<FromSlackSide, { type: T }>> {
    let listener: (m: FromSlackSide) => void = () => undefined;
    const got = new Promise<Extract<FromSlackSide, { type: T }>>((resolve, reject) => {
      listener = (m) => {
        if (m.type === type) resolve(m as Extract<FromSlackSide, { type: T }>);
        else if (m.type === 'error') reject(new Error(`Slack side: ${m.message}`));
        else onOther?.(m);
      };
      listeners.add(listener);
    });
    return Promise.race([got, exited]).finally(() => listeners.delete(listener));
  }

  try {
    const ready = await withTimeout(next('ready'), timeoutMs, `the Slack-side process did not start within ${timeoutMs / 1000} s`);
    return {
      apiUrl: ready.apiUrl,
      botToken: ready.botToken,
      async run(run, runTimeoutMs, onProgress) {
        const done = next('done', (m) => m.type === 'progress' && onProgress(m.sent));
        child.send(ToSlackSide.parse({ type: 'run', ...run }));
        return (await withTimeout(done, runTimeoutMs, `the commands took over ${runTimeoutMs / 1000} s`)).result;
      },
      async stop() {
        if (child.exitCode !== null || !child.connected) return kill();
        child.send(ToSlackSide.parse({ type: 'stop' }));
        await withTimeout(exited.catch(() => undefined), 5000, 'slow exit').catch(() => undefined);
        kill();
      },
    };
  } catch (err) {
    kill();
    throw err;
  }
}
