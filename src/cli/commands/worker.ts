import { Command } from 'commander';
import { createLogger } from '../../common/logger.js';
import { loadWorkerConfig, type WorkerFlags } from '../../worker/config.js';
import { createWorker } from '../../worker/worker.js';

/** `pia worker`: link this machine to a hub. */
export function workerCommand(): Command {
  return new Command('worker')
    .description('run the worker daemon that links this machine to a hub')
    .option('--hub <url>', 'hub link URL, ws:// or wss:// (env PIA_HUB)')
    .option('--join <token>', 'single-use join token from `pia machines add` (first start only)')
    .option('--name <name>', 'the machine name the token was issued for (checked by the hub)')
    .option('--state-dir <dir>', 'where the machine secret is kept (env PIA_STATE_DIR, default ~/.local/state/pia-worker)')
    .option('--ca <file>', 'PEM CA certificate to trust for wss:// (env PIA_HUB_CA)')
    .action(async (flags: WorkerFlags) => {
      const config = loadWorkerConfig(flags);
      const log = createLogger({ level: process.env.PIA_LOG_LEVEL ?? 'info' });
      const worker = createWorker({ config, log });
      const stop = () => void worker.stop().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      await worker.run();
    });
}
