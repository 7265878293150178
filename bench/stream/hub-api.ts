import { z } from 'zod';

/** The fields of a task this benchmark reads (the API returns more). */
export const TaskView = z.object({
  id: z.string(),
  machine: z.string(),
  state: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  error: z.string().nullable(),
  summary: z.string().nullable(),
  outputSeq: z.number(),
  outputBytes: z.number(),
});
export type TaskView = z.infer<typeof TaskView>;

const TaskReply = z.object({ task: TaskView });
const TaskList = z.object({ tasks: z.array(TaskView) });
const MachineList = z.object({ machines: z.array(z.object({ name: z.string(), status: z.string() })) });
const JoinReply = z.object({ joinToken: z.string() });

/** The hub's admin API over loopback, with the admin token; replies are parsed, not trusted. */
export interface HubApi {
  readonly httpUrl: string;
  /** Raw Prometheus text from GET /metrics. */
  metrics(): Promise<string>;
  addMachine(name: string): Promise<string>;
  machines(): Promise<{ name: string; status: string }[]>;
  createTask(body: Record<string, unknown>, timeoutMs?: number): Promise<TaskView>;
  /** POST /api/tasks returning the raw reply (a deploy answers with many tasks). */
  post(path: string, body: unknown, timeoutMs?: number): Promise<unknown>;
  /** GET returning the raw reply. */
  get(path: string, timeoutMs?: number): Promise<unknown>;
  task(id: string): Promise<TaskView>;
  tasksInState(state: string): Promise<TaskView[]>;
}

/** Creates a client for the hub at `httpUrl` (e.g. http://127.0.0.1:4000). */
export function hubApi(httpUrl: string, token: string): HubApi {
  const headers = { authorization: `Bearer ${token}` };

  async function call(method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs = 30_000): Promise<string> {
    let res: Response;
    let text: string;
    try {
      res = await fetch(`${httpUrl}${path}`, {
        method,
        headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await res.text();
    } catch (err) {
      // A bare "aborted due to timeout" would not say which call the hub left unanswered.
      throw new Error(`${method} ${path.split('?')[0]}: ${err instanceof Error ? err.message : String(err)} (limit ${timeoutMs} ms)`, { cause: err });
    }
    if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status}: ${text.slice(0, 300)}`);
    return text;
  }
  const json = async (method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs?: number): Promise<unknown> =>
    JSON.parse(await call(method, path, body, timeoutMs)) as unknown;

  return {
    httpUrl,
    metrics: () => call('GET', '/metrics', undefined, 10_000),
    async addMachine(name) {
      return JoinReply.parse(await json('POST', '/api/machines', { name })).joinToken;
    },
    async machines() {
      return MachineList.parse(await json('GET', '/api/machines')).machines;
    },
    async createTask(body, timeoutMs) {
      return TaskReply.parse(await json('POST', '/api/tasks', body, timeoutMs)).task;
    },
    post: (path, body, timeoutMs) => json('POST', path, body, timeoutMs),
    get: (path, timeoutMs) => json('GET', path, undefined, timeoutMs),
    async task(id) {
      return TaskReply.parse(await json('GET', `/api/tasks/${id}`)).task;
    },
    async tasksInState(state) {
      return TaskList.parse(await json('GET', `/api/tasks?state=${state}&limit=1000`)).tasks;
    },
  };
}
