/** Levenshtein distance, small inputs only (names, command words). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

/** The known names closest to `input` (at most `limit`), for "did you mean". */
export function closestNames(input: string, known: readonly string[], limit = 2): string[] {
  const needle = input.toLowerCase().slice(0, 64);
  const max = Math.max(1, Math.floor(needle.length / 3));
  return known
    .map((name) => ({ name, d: editDistance(needle, name.toLowerCase()) }))
    .filter((c) => c.d <= max || c.name.startsWith(needle))
    .sort((a, b) => a.d - b.d || a.name.localeCompare(b.name))
    .slice(0, limit)
    .map((c) => c.name);
}
