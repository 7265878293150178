import type { SweepResult } from './probe-phase.js';
import type { WakeResult } from './wake-phase.js';
import type { WolResult } from './wol-phase.js';

/** The naive sweep: measured on all machines, or on the first `machines` of them and scaled up. */
export interface BaselineResult extends SweepResult {
  /** Machines in the full fleet. */
  fullMachines: number;
  /** True when only a fraction was swept and `estimatedFullMs` is scaled up from it. */
  extrapolated: boolean;
  /** The sweep's time for the full fleet: measured, or `ms * fullMachines / machines`. */
  estimatedFullMs: number;
}

/** The probe phase: the ports set up and both sweeps. */
export interface ProbePhase {
  ports: { open: number; refused: number; silent: number; silentUnfilled: number };
  probeTimeoutMs: number;
  sweep: SweepResult;
  baseline: BaselineResult | null;
}

/** Everything one run measured; a phase that could not be measured is null, with its error in `errors`. */
export interface PowerResult {
  probe: ProbePhase | null;
  /** One hub run per registry size. */
  wake: WakeResult[];
  wol: WolResult | null;
  errors: string[];
}
