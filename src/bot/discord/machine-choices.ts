/** Discord shows at most 25 autocomplete choices, each name and value up to 100 characters. */
const MAX_CHOICES = 25;
const MAX_CHOICE = 100;

/** An autocomplete choice. */
export interface Choice {
  name: string;
  value: string;
}

/** Agent suggestions for what was typed so far: names starting with it, then names containing it. */
export function agentChoices(typed: string, names: readonly string[]): Choice[] {
  const partial = typed.trim().toLowerCase();
  const starts = names.filter((n) => n.startsWith(partial));
  const contains = names.filter((n) => !n.startsWith(partial) && n.includes(partial));
  return [...starts, ...contains].slice(0, MAX_CHOICES).map((n) => ({ name: n.slice(0, MAX_CHOICE), value: n.slice(0, MAX_CHOICE) }));
}

/**
 * Machine suggestions for what was typed so far: names starting with it first, then names containing it, then
 * `all`. For a comma-separated list (`m1,m`) the last item is completed and the ones before it kept.
 */
export function machineChoices(typed: string, names: readonly string[], list: boolean): Choice[] {
  const cut = list ? typed.lastIndexOf(',') + 1 : 0;
  const before = typed.slice(0, cut);
  const partial = typed.slice(cut).trim().toLowerCase();
  const taken = new Set(before.split(',').map((s) => s.trim().toLowerCase()));
  const candidates = [...new Set([...names, 'all'])].filter((n) => !taken.has(n.toLowerCase()));
  const starts = candidates.filter((n) => n.toLowerCase().startsWith(partial));
  const contains = candidates.filter((n) => !n.toLowerCase().startsWith(partial) && n.toLowerCase().includes(partial));
  return [...starts, ...contains]
    .map((n) => before + n)
    .filter((v) => v.length <= MAX_CHOICE)
    .slice(0, MAX_CHOICES)
    .map((v) => ({ name: v, value: v }));
}
