import type { BotCore, ButtonPress, ChatPort, Inbound } from '../../../src/bot/port.js';

/** A stand-in for the chat core: records what the adapter hands it and, if asked, answers through the port. */
export interface RecordingCore {
  core: BotCore;
  handled: Inbound[];
  pressed: ButtonPress[];
  /** Resolves with the `n`-th inbound (1-based) once it has arrived. */
  nthHandled(n: number): Promise<Inbound>;
  nthPressed(n: number): Promise<ButtonPress>;
}

type Answer = (inbound: Inbound, port: ChatPort) => Promise<void>;

function waiterList<T>(items: T[]) {
  const waiting: { n: number; resolve: (item: T) => void }[] = [];
  return {
    push(item: T): void {
      items.push(item);
      for (const w of waiting.filter((w) => w.n <= items.length)) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve(items[w.n - 1]!);
      }
    },
    nth(n: number): Promise<T> {
      if (items.length >= n) return Promise.resolve(items[n - 1]!);
      return new Promise((resolve) => waiting.push({ n, resolve }));
    },
  };
}

/** A core that records; `answer` runs for each inbound (e.g. to post a reply through the port). */
export function recordingCore(answer?: Answer): RecordingCore {
  const handled: Inbound[] = [];
  const pressed: ButtonPress[] = [];
  const inbound = waiterList(handled);
  const presses = waiterList(pressed);
  return {
    handled,
    pressed,
    nthHandled: (n) => inbound.nth(n),
    nthPressed: (n) => presses.nth(n),
    core: {
      async handle(message: Inbound, port: ChatPort): Promise<void> {
        inbound.push(message);
        await answer?.(message, port);
      },
      async press(press: ButtonPress): Promise<void> {
        presses.push(press);
      },
    },
  };
}
