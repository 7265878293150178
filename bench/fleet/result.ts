/** What one fleet size measured. Times in ms, memory in MB, CPU in % of one core; null: the phase failed. */
export interface SizeResult {
  workers: number;
  processes: number;
  /** Creating the machines and secrets in SQLite before the hub starts (setup, not a target). */
  enrollMs: number;
  /** From the start message to the simulated workers until the hub counted all of them linked. */
  registerMs: number | null;
  registeredLinked: number;
  /** Connections the kernel dropped at a full listen queue while registering (null: not readable). */
  registerListenDrops: number | null;
  /** CPU while registering: the hub alone, and all simulated-worker processes together. */
  registerHubCpuPct: number;
  registerSimCpuPct: number;
  /** Hub VmRSS right after all registered. */
  hubRssMb: number;
  /** Hub VmHWM (peak RSS) right after all registered: the registration burst's high-water mark. */
  hubPeakAtRegisterMb: number;
  /** Hub VmHWM before the restart, after the GET /api/machines calls as well. */
  hubPeakRssMb: number;
  /** Hub CPU over the steady window, heartbeats only. */
  steadyCpuPct: number;
  steadyWindowS: number;
  machinesMedianMs: number;
  machinesP99Ms: number;
  /** Size of one GET /api/machines response body. */
  machinesBytes: number;
  /** What GET /api/machines returned on the first call (all machines, all online expected). */
  machinesListed: number;
  machinesOnline: number;
  restart: RestartResult;
  /** Credentials the hub refused for good, as the simulated workers saw it (should be 0). */
  refused: number;
  /** The hub's warning and error log lines over both lives, by message. */
  hubLog: Record<string, number>;
  errors: string[];
}

/** The reconnect storm after a hub restart. */
export interface RestartResult {
  /** SIGTERM until the old hub process exited. */
  stopMs: number;
  /** The old hub had to be killed: it did not exit within the grace period. */
  killed: boolean;
  /** Spawn of the new hub until its health endpoint answered. */
  startMs: number;
  /** SIGTERM of the old hub until every worker was linked to the new one. */
  backMs: number | null;
  /** The same, counted from the new hub answering health checks. */
  backAfterStartMs: number | null;
  linked: number;
  /** Connections the kernel dropped at a full listen queue during the storm (null: not readable). */
  listenDrops: number | null;
  hubRssMb: number;
  /** Hub CPU (one core = 100) from its start until all were back. */
  hubCpuPct: number;
}
