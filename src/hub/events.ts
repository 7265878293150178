import type { Logger } from '../common/logger.js';
import type { OutputStream, ProgressEvent } from '../protocol/tasks.js';
import type { Task } from './tasks/task.js';
import type { Approval } from './approvals/approval-store.js';
import type { PowerState } from '../power/power-state.js';
import type { PowerProgress } from '../power/progress.js';

/** A machine as events carry it: enough to render, no secrets. */
export interface MachineRef {
  name: string;
}

/**
 * Every event the hub publishes, by name, with its payload. Later modules (tasks, power, chat) add theirs here,
 * so a listener's payload type always follows from the event name.
 */
export interface HubEvents {
  'machine.registered': { machine: string };
  'machine.removed': { machine: string };
  'machine.online': { machine: string; hostname: string; address: string | null };
  'machine.offline': { machine: string; reason: string };
  'machine.updated': { machine: string; what: 'facts' | 'capabilities' | 'aliases' };
  'link.refused': { reason: string; address: string | null };
  'task.created': { task: Task };
  'task.dispatched': { taskId: string; machine: string };
  'task.started': { taskId: string; machine: string; workspace: string };
  /** A chunk of output, stored. `at` is when the worker read it. */
  'task.output': { taskId: string; machine: string; seq: number; stream: OutputStream; data: string; at: number };
  /** Progress from the task's `event` stream: steps, agent text and tool use, the result. */
  'task.progress': { taskId: string; machine: string; event: ProgressEvent };
  'task.cancel_requested': { taskId: string; machine: string; by: string };
  'task.finished': { task: Task };
  /** An agent waits for a person: show it wherever its task is watched. */
  'approval.requested': { approval: Approval };
  /** Answered (first answer wins), timed out, or withdrawn: every copy says how, by whom and when. */
  'approval.settled': { approval: Approval };
  'power.progress': PowerProgress;
  /** A machine's power state changed, with the evidence that changed it. */
  'machine.power': { machine: string; state: PowerState; evidence: string };
}
export type HubEventName = keyof HubEvents;

/** One published event, as observers receive it. */
export interface PublishedEvent<K extends HubEventName = HubEventName> {
  name: K;
  at: string;
  data: HubEvents[K];
}

type Listener<K extends HubEventName> = (data: HubEvents[K]) => void;
type AnyListener = (event: PublishedEvent) => void;

/** The hub's typed in-process event bus. */
export interface EventBus {
  on<K extends HubEventName>(name: K, listener: Listener<K>): () => void;
  onAny(listener: AnyListener): () => void;
  emit<K extends HubEventName>(name: K, data: HubEvents[K]): void;
}

/**
 * Creates the bus. A throwing listener is logged and does not stop the others: one broken observer must not
 * take a link or an action down with it. `on` returns its own unsubscribe function.
 */
export function createEventBus(log: Logger, now: () => Date = () => new Date()): EventBus {
  const listeners = new Map<HubEventName, Set<Listener<never>>>();
  const anyListeners = new Set<AnyListener>();

  function safely(fn: () => void, name: string): void {
    try {
      fn();
    } catch (err) {
      log.error({ err, event: name }, 'event listener failed');
    }
  }

  return {
    on(name, listener) {
      let set = listeners.get(name);
      if (!set) listeners.set(name, (set = new Set()));
      set.add(listener as Listener<never>);
      return () => set.delete(listener as Listener<never>);
    },
    onAny(listener) {
      anyListeners.add(listener);
      return () => anyListeners.delete(listener);
    },
    emit(name, data) {
      for (const l of listeners.get(name) ?? []) safely(() => (l as Listener<typeof name>)(data), name);
      if (anyListeners.size === 0) return;
      const event: PublishedEvent = { name, at: now().toISOString(), data };
      for (const l of anyListeners) safely(() => l(event), name);
    },
  };
}
