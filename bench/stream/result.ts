/** Resident memory of the hub over phase A, in MB. */
export interface RssSeries {
  startMb: number;
  /** The reading 2 s after the last task started (every stream open): the baseline for "flat". */
  baselineMb: number;
  middleMb: number;
  endMb: number;
  maxMb: number;
  maxOverBaseline: number;
  /** Peak of the second half of the run over the peak of the first half (> 1: still climbing). */
  lateGrowth: number;
  /** Max within 1.5x of the baseline and late growth within 1.15x, while gigabytes of output went through. */
  flat: boolean;
  /** Every reading, for a plot: [seconds since the tasks were created, MB]. */
  series: [number, number][];
}

/** CPU over a window, as % of one core (user + system, and system alone); the machine as % of all its cores. */
export interface CpuFigures {
  seconds: number;
  hubPct: number;
  hubSysPct: number;
  workersPct: number;
  workersSysPct: number;
  /** This benchmark process (polling the API and /metrics, sampling /proc). */
  benchPct: number;
  machineBusyPct: number;
}

/** Phase A: PIA's stored output throughput, latency, memory and losslessness. */
export interface PiaResult {
  tasks: number;
  workers: number;
  seconds: number;
  /** Bytes the hub stored (all streams: agent stdout plus PIA's own progress events). */
  storedBytes: number;
  /** What the agents wrote by their own count, and what the hub stored of it (stdout). */
  agentBytes: number;
  storedStdoutBytes: number;
  /** Stored bytes / (first task started .. last task recorded as finished), MB/s (1 MB = 10^6 bytes). */
  overallMBps: number;
  overallWindowS: number;
  /** Rate of pia_output_bytes_total while every agent was writing (2 s after the start until the agents stopped). */
  steadyMBps: number;
  steadyWindowS: number;
  /** pia_output_bytes_total as sampled: [seconds since the tasks were created, MB stored]. */
  storedSeries: [number, number][];
  /** From the worker reading output to the hub publishing it, estimated from the histogram buckets. */
  latency: {
    p50Ms: number;
    p50Beyond: boolean;
    p99Ms: number;
    p99Beyond: boolean;
    meanMs: number;
    chunks: number;
    /** The same over the steady window only (every agent writing). */
    steadyP50Ms: number;
    steadyP99Ms: number;
  };
  rss: RssSeries;
  /**
   * % of one core (100 = one core busy) for the hub and all workers together, and % of the whole machine: over
   * the phase (with the agents, by their own count), while the agents wrote, and while the hub drained the rest.
   */
  cpu: {
    cores: number;
    agentsPct: number;
    /**
     * Over the whole phase: the machine's busy time less the hub, workers, agents and this benchmark, as % of one
     * core. Kernel threads (disk writeback) and anything else running on the machine; high values skew the run.
     */
    otherPct: number;
    whole: CpuFigures | null;
    writing: CpuFigures | null;
    draining: CpuFigures | null;
  };
  /** Creating the tasks: the POSTs, sent at once, until the last answered. */
  createMs: number;
  /** The hub's longest event-loop stall during the phase (pia_event_loop_delay_max_seconds, 10 ms resolution). */
  loopDelayMaxMs: number;
  /** From the first task's start to the last one's (the hub's startedAt): how "concurrent" the tasks were. */
  startSpreadS: number;
  /** From the last agent's exit (its worker's report) to the hub recording the last task: the hub's backlog. */
  drainS: number;
  states: Record<string, number>;
  /** The machine's 1-minute load average when the phase began (others' work skews every figure). */
  loadAtStart: number;
  /** The hub's SQLite file and its WAL against the output stored (1 MB = 10^6 bytes). */
  disk: {
    /** At the end (every task final, the hub still running) and the largest size seen during the run. */
    endMb: number;
    peakMb: number;
    /** Database + WAL over the output stored: at the end, and the worst of any moment (see pia-summary). */
    endRatio: number;
    peakRatio: number;
    /** [seconds since the tasks were created, MB of database + WAL]. */
    series: [number, number][];
  };
  mismatches: string[];
  hubLog: Record<string, number>;
  workerLog: Record<string, number>;
  errors: string[];
}

/** Phase B: the same flood through a bare ws forwarder to a sink that discards it. */
export interface RawResult {
  forwarders: number;
  agents: number;
  seconds: number;
  /** Payload bytes of the frames the sink received (JSON escapes and framing add about 0.8 %). */
  bytes: number;
  /** Agent bytes inside them, by the forwarders' count (the throughput counts these), and the agents' own count. */
  dataBytes: number;
  agentBytes: number;
  overallMBps: number;
  overallWindowS: number;
  steadyMBps: number;
  steadyWindowS: number;
  /** The sink's count as sampled: [seconds since the start message, MB of frames received]. */
  receivedSeries: [number, number][];
  /** % of one core; the machine as % of all cores; other: the machine's busy time less all of these (see PiaResult). */
  cpu: { forwardersPct: number; sinkPct: number; agentsPct: number; benchPct: number; otherPct: number; machineBusyPct: number };
  mismatches: string[];
  errors: string[];
}

/** Phase C: one deploy to many linked machines. */
export interface FanoutResult {
  machines: number;
  /** Time for the simulated machines to link (setup, not a target). */
  linkMs: number;
  /** The POST /api/tasks itself, timed to the last byte of its reply. */
  postMs: number;
  /** From just before the POST to the first and to the last task.assign a machine received. */
  firstAssignMs: number;
  lastAssignMs: number;
  assigns: number;
  hubCpuPct: number;
  errors: string[];
}

/** One run: the raw baseline and PIA, measured one after the other (a phase not run, or failed, is null). */
export interface RunResult {
  pia: PiaResult | null;
  raw: RawResult | null;
}

/** Everything the benchmark measured; a phase that could not run at all is null with its error in `failures`. */
export interface StreamResults {
  runs: RunResult[];
  fanout: FanoutResult | null;
  failures: { run?: number; phase: string; error: string }[];
}
