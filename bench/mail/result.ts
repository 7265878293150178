import type { DrainResult } from './drain-phase.js';
import type { IdleResult } from './idle-phase.js';
import type { RawDrainResult } from './raw-drain.js';
import type { RawIdleResult } from './raw-idle.js';

/** The drain phase: PIA and the two plain-IMAP baselines on the same backlog. */
export interface DrainPhase {
  pia: DrainResult | null;
  rawBatch: RawDrainResult | null;
  rawSerial: RawDrainResult | null;
}

/** The idle phase: PIA with a worker, and the raw IDLE notification. */
export interface IdlePhase {
  pia: IdleResult | null;
  raw: RawIdleResult | null;
}

/** Everything one run measured; a part that could not be measured is null, with its error in `errors`. */
export interface MailResults {
  drain: DrainPhase | null;
  idle: IdlePhase | null;
  errors: string[];
}
