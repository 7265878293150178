/** What the service runs: `<execPath> <cliPath> worker --hub <hubUrl> --state-dir <stateDir>`, with `env` set. */
export interface WorkerServiceSpec {
  /** The node binary (process.execPath). */
  execPath: string;
  /** PIA's bin/pia.js. */
  cliPath: string;
  hubUrl: string;
  stateDir: string;
  /**
   * Extra environment for the worker (e.g. PATH, so it finds the coding agents the login shell would). Written into
   * the systemd unit and the launchd plist; a Windows task cannot carry it (see installService).
   */
  env?: Record<string, string>;
}

/** One step after the file is written; `mayFail` marks a clean-up whose failure just means there was nothing to clean. */
export interface ServiceCommand {
  argv: string[];
  mayFail?: boolean;
}
