import type { Constraint } from '../../commands/target.js';
import { closestNames } from '../../common/suggest.js';
import { PiaError } from '../../common/errors.js';
import type { Labels } from './labels.js';

/** Other names people write for a label. */
const KEY_ALIASES: Record<string, string> = {
  mem: 'ram',
  memory: 'ram',
  'mem.free': 'ram.free',
  'memory.free': 'ram.free',
  disk: 'disk.free',
  platform: 'os',
  'gpu.memory': 'gpu.mem',
  'gpu.vram': 'gpu.mem',
  vram: 'gpu.mem',
  gpus: 'gpu.count',
  agents: 'agent',
  repos: 'repo',
};
/** Other names for an OS, as facts name it (Node's `process.platform`). */
const OS_ALIASES: Record<string, string> = { macos: 'darwin', mac: 'darwin', osx: 'darwin', windows: 'win32', win: 'win32' };

/** A constraint in the labels' own words: `mem>=32` is `ram>=32`, `os=macos` is `os=darwin`. */
export function normalizeConstraint(c: Constraint): Constraint {
  const key = KEY_ALIASES[c.key] ?? c.key;
  const value = key === 'os' && c.value ? (OS_ALIASES[c.value] ?? c.value) : key === 'repo' && c.value ? c.value.replace(/\.git$/, '') : c.value;
  return { ...c, key, ...(value !== undefined ? { value } : {}) };
}

/** Whether one (normalized) constraint holds for a machine's labels. */
export function holds(c: Constraint, l: Labels): boolean {
  const has = l.values.has(c.key) || l.numbers.has(c.key);
  switch (c.op) {
    case 'has':
      return has;
    case 'not':
      return !has;
    case '=':
    case '!=': {
      const n = l.numbers.get(c.key);
      const numeric = c.value !== undefined && /^\d+(\.\d+)?$/.test(c.value);
      const equal = (l.values.get(c.key)?.has(c.value!) ?? false) || (n !== undefined && numeric && n === Number(c.value));
      return c.op === '=' ? equal : !equal;
    }
    default: {
      const n = l.numbers.get(c.key);
      if (n === undefined || c.number === undefined) return false;
      if (c.op === '>=') return n >= c.number;
      if (c.op === '<=') return n <= c.number;
      if (c.op === '>') return n > c.number;
      return n < c.number;
    }
  }
}

/** A constraint turned into a test, with its value read once (a decision applies it to thousands of machines). */
export function compile(c: Constraint): (l: Labels) => boolean {
  const { key, value } = c;
  switch (c.op) {
    case 'has':
      return (l) => l.values.has(key) || l.numbers.has(key);
    case 'not':
      return (l) => !l.values.has(key) && !l.numbers.has(key);
    case '=':
    case '!=': {
      const n = value !== undefined && /^\d+(\.\d+)?$/.test(value) ? Number(value) : undefined;
      const equal = (l: Labels) => l.values.get(key)?.has(value!) === true || (n !== undefined && l.numbers.get(key) === n);
      return c.op === '=' ? equal : (l) => !equal(l);
    }
    default: {
      const limit = c.number;
      if (limit === undefined) return () => false;
      const cmp = c.op === '>=' ? (x: number) => x >= limit : c.op === '<=' ? (x: number) => x <= limit : c.op === '>' ? (x: number) => x > limit : (x: number) => x < limit;
      return (l) => {
        const x = l.numbers.get(key);
        return x !== undefined && cmp(x);
      };
    }
  }
}

/** The constraints a machine misses (empty: it qualifies). */
export function missed(constraints: readonly Constraint[], l: Labels): Constraint[] {
  return constraints.filter((c) => !holds(c, l));
}

/** How many constraints a machine misses, without building a list (the hot path of a decision). */
export function missCount(constraints: readonly Constraint[], l: Labels): number {
  let n = 0;
  for (const c of constraints) if (!holds(c, l)) n++;
  return n;
}

/** Why one constraint fails for a machine, in a few words: "no gpu", "os=darwin", "gpu.mem=8". */
export function whyNot(c: Constraint, l: Labels): string {
  if (c.op === 'not') return `has ${c.key}`;
  const vals = l.values.get(c.key);
  const n = l.numbers.get(c.key);
  if (n !== undefined) return `${c.key}=${n}`;
  if (vals && vals.size > 0) {
    const shown = [...vals].slice(0, 3);
    return `${c.key}=${shown.join('|')}${vals.size > 3 ? '|…' : ''}`;
  }
  if (vals) return `${c.key} is not ${c.value}`;
  return `no ${c.key}`;
}

/** Labels PIA itself computes: never "unknown", even in a fleet where no machine has one (no GPU anywhere yet). */
export const BUILTIN_KEYS: ReadonlySet<string> = new Set(['os', 'arch', 'cpus', 'ram', 'ram.free', 'disk.free', 'gpu', 'gpu.count', 'gpu.mem', 'agent', 'repo']);

/**
 * Refuses a constraint whose label no machine of the fleet has (a typo, `any[gpux]`): a clear error that names the
 * nearest label, instead of "nothing fits". Negations are exempt (`any[!gpu]` in a fleet without GPUs is fine).
 */
export function checkKnownKeys(constraints: readonly Constraint[], known: ReadonlySet<string>): void {
  for (const c of constraints) {
    if (c.op === 'not' || known.has(c.key) || BUILTIN_KEYS.has(c.key)) continue;
    const all = [...new Set([...BUILTIN_KEYS, ...known])];
    const near = closestNames(c.key, all, 2);
    throw new PiaError(
      'label_unknown',
      `No machine has a label "${c.key}".${near.length ? ` Did you mean ${near.map((n) => `"${n}"`).join(' or ')}?` : ''} Labels: ${all.sort().slice(0, 40).join(', ')}.`,
    );
  }
}
