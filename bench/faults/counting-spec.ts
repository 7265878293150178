/** The prompt language of the counting agent (counting-agent.ts), shared with the checks. */

/** What a prompt asks for. */
export interface CountingSpec {
  tag: string;
  lines: number;
  rate: number;
  starts: string;
}

/** The prompt for a spec. */
export function countingPrompt(spec: CountingSpec): string {
  return `tag=${spec.tag} lines=${spec.lines} rate=${spec.rate} starts=${spec.starts}`;
}

/** The line the agent prints as its n-th (1-based), without the newline. */
export function countingLine(tag: string, n: number): string {
  return `${tag} ${String(n).padStart(6, '0')}`;
}

/** Parses a prompt; throws on a bad one. */
export function parseCountingPrompt(prompt: string): CountingSpec {
  const words = new Map(prompt.split(/\s+/).map((w) => w.split('=', 2) as [string, string]));
  const lines = Number(words.get('lines'));
  const rate = Number(words.get('rate'));
  const tag = words.get('tag');
  const starts = words.get('starts');
  if (!tag || !starts || !Number.isInteger(lines) || !(rate > 0)) throw new Error(`bad prompt: ${prompt}`);
  return { tag, lines, rate, starts };
}
