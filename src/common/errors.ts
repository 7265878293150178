/**
 * Errors that cross a module boundary carry a stable `code`; each front end has one place that turns them
 * into words (HTTP status + JSON body, a CLI line, a chat reply).
 */
export class PiaError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'PiaError';
  }
}

/** Compile-time exhaustiveness check for discriminated unions. */
export function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${JSON.stringify(value)}`);
}

/** The message of anything thrown, for logs and replies. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
