/** Writes a progress line to stderr (stdout is kept for the results). */
export function progress(line: string): void {
  process.stderr.write(`[approvals] ${line}\n`);
}

/** The message of anything thrown. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
