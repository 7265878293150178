import { Command } from 'commander';

/** `pia start` (also `pia hub`): run the hub, with a worker for this machine and the console chat on a terminal. */
export function startCommand(): Command {
  return new Command('start')
    .alias('hub')
    .description('run the hub with a worker for this machine (PIA_LOCAL_WORKER=0: the hub alone)')
    .action(async () => {
      // Loaded on demand: the hub brings Slack, Discord and mail libraries that every other command can do without.
      const { runHub } = await import('../../app/run-hub.js');
      await runHub();
    });
}
