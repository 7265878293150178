import type { CallKind, CallCounts } from './limited-port.js';

/** What PIA's reporter did on one platform while following the chatty task. */
export interface ReporterOnPlatform {
  platform: string;
  calls: Record<CallKind, CallCounts>;
  /** HTTP requests the real adapter would have made (a Slack upload is three). */
  requests: number;
  rateLimited: number;
  refused: number;
  refusals: Record<string, number>;
  /** From `task.finished` on the hub's bus to the platform accepting the result message; null if it never did. */
  resultMs: number | null;
  /** The result message's first line, to show it was the right one. */
  resultLine: string | null;
  /** From `task.finished` to the last edit of the status message (its final state) and to the log attached. */
  finalEditMs: number | null;
  attachMs: number | null;
  attachedBytes: number;
  attachCut: boolean;
}

/** What the naive baseline managed on one platform by the time it was stopped. */
export interface NaiveOnPlatform {
  platform: string;
  requests: number;
  rateLimited: number;
  refused: number;
  lines: number;
  delivered: number;
  /** From `task.finished` to its last line posted, when it got there. */
  doneMs: number | null;
  /** Lines not yet posted when it was stopped. */
  behind: number;
  /** Lines posted per second over the whole run. */
  linesPerS: number;
}

/** The streaming phase. */
export interface StreamResult {
  taskId: string;
  state: string;
  /** The task's run as the hub saw it (started -> finished), and the output that went through the bus. */
  taskS: number;
  outputBytes: number;
  outputLines: number;
  reporter: ReporterOnPlatform[];
  naive: NaiveOnPlatform[];
  /** How long after the task's end the naive baseline was given. */
  naiveLimitS: number;
  /** CPU of this process (hub, worker, reporter, baseline) from task creation to task end, % of one core. */
  cpuPct: number;
  errors: string[];
}

/** The `/pia status` phase. */
export interface StatusResult {
  machines: number;
  /** `machines.list()` over the filled registry, median of 5, measured before the hub started. */
  listMs: number;
  /** HTTP answer of each signed POST /slack/events (the acknowledgement), in order. */
  ackMs: number[];
  /** From sending the command to the answer reaching the fake's chat.postMessage. */
  answerMs: number[];
  /** HTTP statuses of the acknowledgements, by status. */
  statuses: Record<string, number>;
  lostAnswers: number;
  /** Commands sent at the same moment afterwards (info). */
  burstAckMs: number[];
  burstAnswerMs: number[];
  /** Calls that reached the fake Slack, by method, and how many it answered 429. */
  slackCalls: Record<string, number>;
  slackRateLimited: number;
  errors: string[];
}

/** Everything one run measured; a phase that could not run is null and its error is in `errors`. */
export interface ChatResult {
  stream: StreamResult | null;
  status: StatusResult | null;
  /** Warnings and errors PIA logged, by message. */
  log: Record<string, number>;
  errors: string[];
}
