import { silentLogger } from '../../src/common/logger.js';
import { loadWorkerConfig } from '../../src/worker/config.js';
import { createWorker, type Worker } from '../../src/worker/worker.js';
import { tempDir } from './tmp.js';

/** A real worker daemon in this process, with its own state dir, linking over loopback. */
export function testWorker(opts: { hub: string; join?: string; name?: string; stateDir?: string }): Worker & { stateDir: string } {
  const stateDir = opts.stateDir ?? tempDir('pia-worker-').dir;
  const config = loadWorkerConfig(
    { hub: opts.hub, join: opts.join, name: opts.name, stateDir },
    { PIA_REPO_ROOTS: stateDir, PIA_AGENT_NAMES: 'pia-no-such-agent' },
  );
  const worker = createWorker({ config, log: silentLogger() });
  return Object.assign(worker, { stateDir });
}
