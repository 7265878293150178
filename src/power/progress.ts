/** One step of a wake or bootstrap, as chat, mail, the CLI and the web page stream it (`power.progress`). */
export interface PowerProgress {
  machine: string;
  operation: string;
  kind: 'wake' | 'bootstrap';
  /** Position of this step in its operation (0, 1, 2...): lets a late listener skip what it has shown. */
  index: number;
  step: 'start' | 'wake' | 'wait_awake' | 'bootstrap' | 'wait_online' | 'done';
  state: 'running' | 'succeeded' | 'failed' | 'cancelled';
  message: string;
  /** 0-100. */
  progress: number;
  error?: string;
}
