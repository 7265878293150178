/** What one phase measured. */
export interface PhaseResult {
  /** Permission prompts the stand-ins made. */
  asked: number;
  /** Prompts whose answer reached the stand-in (allowed). */
  answered: number;
  /** Prompts that never got an answer (expected minus answered). */
  lost: number;
  /** Answers a stand-in got for a request it no longer waited on. */
  answeredTwice: number;
  /** Request -> seen by whoever answers: the parent (baseline), or visible in the task's thread (PIA). */
  visibleMs: number[];
  /** Answer sent -> the stand-in has it. */
  unblockedMs: number[];
  /** PIA only: answer sent -> the API's reply (the part of `unblockedMs` spent in the hub's HTTP handling). */
  apiMs?: number[];
  /** PIA only: the hub process's CPU time over the phase, and its event loop's lateness (p99, max). */
  hub?: { cpuS: number; loopLagP99Ms: number; loopLagMaxMs: number };
  /** From the first task started to the last finished. */
  wallS: number;
  /** Tasks that did not succeed (PIA), or stand-ins that did not exit 0 (baseline). */
  failedTasks: number;
  /** Where the answers went wrong, in words (HTTP refusals, stand-ins that crashed). */
  problems: string[];
}

/** The whole run. */
export interface ApprovalResult {
  baseline: PhaseResult | null;
  pia: PhaseResult | null;
  errors: string[];
}
