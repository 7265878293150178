/**
 * The placement score: among the machines that meet every constraint, which one gets the task. It is a cost in
 * seconds, the delay a person would feel: waking a machine costs its measured wake time, a missing repository costs
 * a clone, a full machine costs a wait for a slot, and free memory breaks near-ties. Lower wins; equal costs go
 * by name, so the same fleet always gives the same answer.
 */

/** A machine that qualifies, with what the score needs. */
export interface Candidate {
  name: string;
  /** Its worker is linked now. */
  online: boolean;
  /** When offline: how long a wake takes (its median), or the default. */
  wakeMs: number;
  /** The wake time was measured on this machine (not the default). */
  wakeMeasured: boolean;
  /** Tasks dispatched or running on it. */
  active: number;
  /** Tasks waiting for it. */
  queued: number;
  /** How many it runs at once. */
  limit: number;
  /** Free memory in GB, when its worker reports it. */
  memFreeGb: number | undefined;
  /** The task's repository on it: checked out at the ref, present, absent; undefined when the task names none. */
  repo: 'at-ref' | 'present' | 'absent' | undefined;
}

/** What the task asks for that the reason line names. */
export interface Wanted {
  repo?: string;
  ref?: string;
}

/** Seconds a fetch of a repository already there is guessed to take (a clone: CLONE_COST_S). */
const FETCH_S = 5;
/** Seconds a task waits, per task ahead of it, on a machine that is full. */
const SLOT_WAIT_S = 120;

/** The free-memory part of the cost, 0-5 s: a tie-breaker between machines that are otherwise as good. */
export function memoryBonus(memFreeGb: number | undefined): number {
  return Math.min(5, (memFreeGb ?? 0) / 16);
}

/** The most a repository not there yet adds (a clone): a lower bound of the cost of such a machine. */
export const CLONE_COST_S = 30;

/** The cost in seconds (lower is better) from its parts, without building a candidate (the hot path). */
export function costFrom(online: boolean, wakeMs: number, repo: Candidate['repo'], used: number, limit: number, memFreeGb: number | undefined): number {
  let cost = online ? 0 : wakeMs / 1000;
  if (repo === 'absent') cost += CLONE_COST_S;
  else if (repo === 'present') cost += FETCH_S;
  cost += used < limit ? (15 * used) / limit : SLOT_WAIT_S * (used - limit + 1);
  return cost - memoryBonus(memFreeGb);
}

/** The cost of a candidate in seconds (lower is better). */
export function costOf(c: Candidate): number {
  return costFrom(c.online, c.wakeMs, c.repo, c.active + c.queued, c.limit, c.memFreeGb);
}

/** The candidates best first: by cost, then by name. */
export function rank(candidates: Candidate[]): Candidate[] {
  return candidates
    .map((c) => ({ c, cost: costOf(c) }))
    .sort((a, b) => a.cost - b.cost || (a.c.name < b.c.name ? -1 : a.c.name > b.c.name ? 1 : 0))
    .map((x) => x.c);
}

const wakeText = (c: Candidate) => `+${Math.round(c.wakeMs / 1000)} s${c.wakeMeasured ? '' : ', not measured yet'}`;

function loadText(c: Candidate): string {
  const used = c.active + c.queued;
  if (used === 0) return 'idle';
  return used < c.limit ? `${used} of ${c.limit} busy` : `busy (${used}/${c.limit}), queued`;
}

/** What speaks for a chosen machine: "has acme/app at main, idle", "asleep, waking it (+40 s), idle". */
export function strengths(c: Candidate, want: Wanted): string {
  const parts: string[] = [];
  if (c.repo === 'at-ref') parts.push(`has ${want.repo}${want.ref ? ` at ${want.ref}` : ''}`);
  else if (c.repo === 'present') parts.push(`has ${want.repo}`);
  else if (c.repo === 'absent') parts.push(`will clone ${want.repo}`);
  if (!c.online) parts.push(`asleep, waking it (${wakeText(c)})`);
  parts.push(loadText(c));
  return parts.join(', ');
}

/** Why a runner-up lost to the chosen machine, in a few words: "asleep (+40 s)", "busy (2/2)", "lacks acme/app". */
export function drawback(c: Candidate, chosen: Candidate, want: Wanted): string {
  if (!c.online && chosen.online) return `asleep (${wakeText(c)})`;
  if (c.repo === 'absent' && chosen.repo !== 'absent') return `lacks ${want.repo}`;
  if (c.repo === 'present' && chosen.repo === 'at-ref') return `not at ${want.ref}`;
  const used = c.active + c.queued;
  if (used >= c.limit) return `busy (${used}/${c.limit})`;
  if (used / c.limit > (chosen.active + chosen.queued) / chosen.limit) return `${used} of ${c.limit} busy`;
  if (!c.online) return `asleep (${wakeText(c)})`;
  if ((c.memFreeGb ?? 0) < (chosen.memFreeGb ?? 0)) return 'less free memory';
  return 'tied, chosen by name';
}

/** The one-line reason: "→ m3: has acme/app, idle; m2 asleep (+40 s); m5 busy (2/2)". */
export function reasonLine(chosen: Candidate[], runnersUp: Candidate[], want: Wanted): string {
  const head =
    chosen.length === 1 ? `→ ${chosen[0]!.name}: ${strengths(chosen[0]!, want)}` : `→ ${chosen.map((c) => `${c.name} (${strengths(c, want)})`).join(', ')}`;
  const others = runnersUp.slice(0, 2).map((c) => `${c.name} ${drawback(c, chosen.at(-1)!, want)}`);
  const more = runnersUp.length > 2 ? [`${runnersUp.length - 2} more`] : [];
  return [head, ...others, ...more].join('; ');
}
