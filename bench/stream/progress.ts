/** Writes a progress line to stderr (stdout is kept for the results). */
export function progress(line: string): void {
  process.stderr.write(`[stream] ${line}\n`);
}

/** Bytes per second as MB/s (1 MB = 10^6 bytes, as network and disk rates are usually given). */
export function mbps(bytes: number, seconds: number): number {
  return seconds > 0 ? bytes / 1e6 / seconds : NaN;
}

/** The message of anything thrown. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
