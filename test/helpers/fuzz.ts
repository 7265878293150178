/** A small deterministic PRNG (mulberry32): the same seed gives the same frames, so a failure can be replayed. */
export interface Rng {
  seed: number;
  next(): number;
  int(n: number): number;
  pick<T>(xs: readonly T[]): T;
  chance(p: number): boolean;
  text(maxLen: number): string;
}

/** Creates the generator. */
export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const alphabet = ['a', 'Z', '0', ' ', '\n', '\t', '"', '\\', '{', '}', '\u0000', '\u001b[31m', 'é', '漢', '🙂', '\u202e', '$(id)', '`', "'", '%s'];
  const rng: Rng = {
    seed,
    next,
    int: (n) => Math.floor(next() * n),
    pick: (xs) => xs[Math.floor(next() * xs.length)]!,
    chance: (p) => next() < p,
    text(maxLen) {
      const len = rng.int(maxLen + 1);
      let s = '';
      while (s.length < len) s += rng.pick(alphabet);
      return s;
    },
  };
  return rng;
}

/** Replaces one value somewhere inside `value` (a parsed message) with `replacement(rng)`; returns a copy. */
export function mutateOne(rng: Rng, value: unknown, replacement: (rng: Rng) => unknown): unknown {
  if (value === null || typeof value !== 'object') return replacement(rng);
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [...value] : { ...(value as Record<string, unknown>) };
  const keys = Object.keys(copy);
  if (keys.length === 0 || rng.chance(0.2)) return replacement(rng);
  const key = rng.pick(keys);
  (copy as Record<string, unknown>)[key] = mutateOne(rng, (copy as Record<string, unknown>)[key], replacement);
  return copy;
}
