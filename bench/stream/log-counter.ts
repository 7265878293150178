export { countLogLines } from '../common/log-lines.js';

/** Adds one map of counts into a plain record (for the JSON line). */
export function mergeCounts(into: Record<string, number>, from: Map<string, number>): void {
  for (const [k, v] of from) into[k] = (into[k] ?? 0) + v;
}
