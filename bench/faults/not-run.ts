import { SCENARIOS } from './args.js';
import type { ScenarioResult } from './result.js';

/** The row of a scenario that did not run (or could not finish), with the reason. */
export function notRun(id: number, reason: string): ScenarioResult {
  return { id, name: SCENARIOS[id] ?? String(id), load: '-', fault: '-', checked: '-', result: 'not run', figures: {}, problems: [reason] };
}
