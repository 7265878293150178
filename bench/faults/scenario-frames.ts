import type { Cleanup } from '../fleet/cleanup.js';
import type { FaultsArgs } from './args.js';
import { notRun } from './not-run.js';
import type { ScenarioResult } from './result.js';

export async function hostileFrames(_args: FaultsArgs, _cleanup: Cleanup): Promise<ScenarioResult> {
  return notRun(7, 'todo');
}
