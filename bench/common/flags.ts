/** Readers for a benchmark's numeric and list flags; each error names the flag, what it takes, and the usage. */
export function flagReaders<P extends string>(usage: string, phaseNames: readonly P[]) {
  return {
    positiveInt(name: string, raw: string): number {
      const n = Number(raw);
      if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive whole number, got '${raw}'\n${usage}`);
      return n;
    },
    wholeNumber(name: string, raw: string): number {
      const n = Number(raw);
      if (!Number.isInteger(n) || n < 0 || raw.trim() === '') throw new Error(`--${name} must be a whole number (0 or more), got '${raw}'\n${usage}`);
      return n;
    },
    positiveNumber(name: string, raw: string): number {
      const n = Number(raw);
      if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got '${raw}'\n${usage}`);
      return n;
    },
    /** A comma-separated list of phase names, each once, in the order given. */
    parsePhases(raw: string): P[] {
      const out: P[] = [];
      for (const part of raw.split(',').map((s) => s.trim())) {
        const phase = phaseNames.find((p) => p === part);
        if (!phase) throw new Error(`--phases takes a list of ${phaseNames.join(', ')}, got '${part}'\n${usage}`);
        if (!out.includes(phase)) out.push(phase);
      }
      return out;
    },
  };
}
