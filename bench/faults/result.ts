/** What one fault scenario reports: the row of the table and the figures behind it. */
export interface ScenarioResult {
  /** The scenario's number in issue 16's list (1-8). */
  id: number;
  name: string;
  /** The work going on when the fault hits. */
  load: string;
  /** The fault injected. */
  fault: string;
  /** What was checked, in a few words. */
  checked: string;
  /** `pass` when every check held; `FAIL` with the reasons in `problems`; `not run` with the reason. */
  result: 'pass' | 'FAIL' | 'not run';
  figures: Record<string, number | string | null>;
  /** Each check that did not hold, in words (or why the scenario could not run). */
  problems: string[];
}

/** A scenario's outcome from its figures and the checks that failed. */
export function outcome(base: Omit<ScenarioResult, 'result' | 'problems'>, problems: string[]): ScenarioResult {
  return { ...base, result: problems.length ? 'FAIL' : 'pass', problems };
}

/** Writes a progress line to stderr (stdout is kept for the results). */
export function progress(line: string): void {
  process.stderr.write(`[faults] ${line}\n`);
}
