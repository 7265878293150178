import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { projectRoot } from '../../common/version.js';
import { installService, planService, type InstallServiceDeps } from '../../worker/service/install.js';
import { createLogger } from '../../common/logger.js';
import { loadWorkerConfig, type WorkerFlags } from '../../worker/config.js';
import { createWorker } from '../../worker/worker.js';

/** `pia worker install-service`: run the worker as a login service (systemd user unit, launchd agent, scheduled task). */
function installServiceCommand(): Command {
  return new Command('install-service')
    .description('install and start the worker as a service that starts at login and restarts when it dies')
    .requiredOption('--hub <url>', 'hub link URL, ws:// or wss://')
    .option('--state-dir <dir>', 'where the machine secret is kept (enrol first with pia worker --join)')
    .option('--dry-run', 'print the file it would write and the commands it would run, and do nothing')
    .action(async (opts: { hub: string; stateDir?: string; dryRun?: boolean }) => {
      const config = loadWorkerConfig({ hub: opts.hub, stateDir: opts.stateDir });
      const spec: Omit<InstallServiceDeps, 'writeFile' | 'run'> = {
        platform: process.platform,
        home: os.homedir(),
        uid: process.getuid?.() ?? 0,
        execPath: process.execPath,
        cliPath: path.join(projectRoot, 'bin', 'pia.js'),
        hubUrl: config.hub,
        stateDir: config.stateDir,
        // Services start with a minimal PATH; keep this one so the worker finds the coding agents.
        ...(process.platform !== 'win32' ? { env: { PATH: process.env.PATH ?? '' } } : {}),
      };
      if (opts.dryRun) {
        const plan = planService(spec);
        const commands = plan.commands.map((c) => `Would run: ${c.argv.join(' ')}\n`).join('');
        process.stdout.write(`Would write ${plan.file}:\n${plan.text.endsWith('\n') ? plan.text : `${plan.text}\n`}\n${commands}`);
        return;
      }
      const result = await installService({
        ...spec,
        writeFile: async (file, text) => {
          await mkdir(path.dirname(file), { recursive: true });
          await writeFile(file, text);
        },
        run: (argv) =>
          new Promise((resolve) =>
            execFile(argv[0]!, argv.slice(1), (err, _stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stderr: stderr || (err?.message ?? '') })),
          ),
      });
      process.stdout.write(`Wrote ${result.files.join(', ')}\n${result.commands.map((c) => `ran: ${c.join(' ')}`).join('\n')}\n${result.hint}\n`);
    });
}

/** `pia worker`: link this machine to a hub. */
export function workerCommand(): Command {
  return (
    new Command('worker')
      .addCommand(installServiceCommand())
      // `pia worker install-service --hub X`: without this, the worker's own --hub would take X and install-service
      // would miss its required --hub. The worker's options now go before a subcommand's name, as for `pia` itself.
      .enablePositionalOptions()
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
      })
  );
}
