import type { EventBus, HubEventName, HubEvents } from '../../src/hub/events.js';

/** Resolves with the first event `name` whose payload matches; rejects after `timeoutMs`. */
export function nextEvent<K extends HubEventName>(
  bus: Pick<EventBus, 'on'>,
  name: K,
  match: (data: HubEvents[K]) => boolean = () => true,
  timeoutMs = 5000,
): Promise<HubEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${name} event within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = bus.on(name, (data) => {
      if (!match(data)) return;
      clearTimeout(timer);
      off();
      resolve(data);
    });
  });
}

/** Polls `check` until it returns a truthy value; for state with no event to wait on. */
export async function until<T>(check: () => T | Promise<T>, timeoutMs = 5000, everyMs = 20): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
