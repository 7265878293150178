import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { projectRoot } from '../../common/version.js';
import { installService } from '../../worker/service/install.js';
import { prepareServiceInstall } from '../../worker/service/prepare.js';
import { createLogger } from '../../common/logger.js';
import { loadWorkerConfig, type WorkerFlags } from '../../worker/config.js';
import { createWorker } from '../../worker/worker.js';

/**
 * `pia worker install-service`: run the worker as a service that restarts when it dies: a login service of the
 * installing user (systemd user unit, launchd agent, scheduled task), or with --user a system-level one run as that
 * account. On the hub's own host it refuses to run as the hub's user unless --same-user accepts that.
 */
function installServiceCommand(): Command {
  return new Command('install-service')
    .description('install and start the worker as a service that restarts when it dies (a login service, or with --user a system service run as that user)')
    .requiredOption('--hub <url>', 'hub link URL, ws:// or wss://')
    .option('--state-dir <dir>', 'where the machine secret is kept (enrol first with pia worker --join)')
    .option('--user <name>', 'run the worker as this user, from boot (a system service; run as root)')
    .option('--same-user', "on the hub's host: run the worker as the hub's user anyway (its agents can read the hub's secrets)")
    .option('--dry-run', 'print the file it would write and the commands it would run, and do nothing')
    .action(async (opts: { hub: string; stateDir?: string; user?: string; sameUser?: boolean; dryRun?: boolean }) => {
      const config = loadWorkerConfig({ hub: opts.hub, stateDir: opts.stateDir });
      const { spec, plan, notes } = await prepareServiceInstall(
        { hubUrl: config.hub, stateDir: opts.stateDir ? config.stateDir : undefined, defaultStateDir: config.stateDir, ...(opts.user ? { user: opts.user } : {}), sameUser: opts.sameUser === true, dryRun: opts.dryRun === true },
        { platform: process.platform, env: process.env, cwd: process.cwd(), root: projectRoot, execPath: process.execPath },
      );
      const noted = notes.map((n) => `${n}\n`).join('');
      if (opts.dryRun) {
        const commands = plan.commands.map((c) => `Would run: ${c.argv.join(' ')}\n`).join('');
        process.stdout.write(`Would write ${plan.file}:\n${plan.text.endsWith('\n') ? plan.text : `${plan.text}\n`}\n${commands}${noted}`);
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
      process.stdout.write(`Wrote ${result.files.join(', ')}\n${result.commands.map((c) => `ran: ${c.join(' ')}`).join('\n')}\n${result.hint}\n${noted}`);
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
