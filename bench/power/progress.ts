/** Writes a progress line to stderr (stdout is kept for the results). */
export function progress(line: string): void {
  process.stderr.write(`[power] ${line}\n`);
}
