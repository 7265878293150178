/** Edit distance counting a swap of two neighbours as one edit (optimal string alignment); small inputs only. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[(i - 1) * cols + j]! + 1, d[i * cols + j - 1]! + 1, d[(i - 1) * cols + j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[(i - 2) * cols + j - 2]! + 1);
      d[i * cols + j] = v;
    }
  }
  return d[rows * cols - 1]!;
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
