import { Command } from 'commander';
import { errorMessage, PiaError } from '../common/errors.js';
import { version } from '../common/version.js';
import { createApiClient } from './api-client.js';
import { auditCommand } from './commands/audit.js';
import { approvalCommands } from './commands/approvals.js';
import { startCommand } from './commands/start.js';
import { machinesCommand } from './commands/machines.js';
import { statusCommand } from './commands/status.js';
import { taskCommands } from './commands/tasks.js';
import { powerCommands } from './commands/power.js';
import { usersCommand } from './commands/users.js';
import { discordCommand } from './commands/discord.js';
import { doCommand } from './commands/do.js';
import { dashboardCommand } from './commands/dashboard.js';
import { mailCommand } from './commands/mail.js';
import { workerCommand } from './commands/worker.js';
import { scheduleCommand } from './commands/schedule.js';
import { apiTarget } from './target.js';

/** Builds the `pia` program. */
export function buildProgram(): Command {
  const api = () => createApiClient(apiTarget());
  const program = new Command('pia')
    .description('PIA: drive a fleet of your own machines from chat, mail or this terminal')
    .version(version)
    .showHelpAfterError('(run pia --help for usage)')
    .enablePositionalOptions();
  program.addCommand(startCommand());
  program.addCommand(workerCommand());
  program.addCommand(machinesCommand(api, () => apiTarget().url));
  program.addCommand(statusCommand(api, () => apiTarget().url));
  for (const cmd of taskCommands(api)) program.addCommand(cmd);
  for (const cmd of approvalCommands(api)) program.addCommand(cmd);
  for (const cmd of powerCommands(api, apiTarget)) program.addCommand(cmd);
  program.addCommand(usersCommand(api));
  program.addCommand(discordCommand());
  program.addCommand(doCommand(api));
  program.addCommand(dashboardCommand(api));
  program.addCommand(auditCommand(api));
  program.addCommand(scheduleCommand(api));
  program.addCommand(mailCommand());
  return program;
}

/** Runs the CLI; any error ends the process with one line that says what to do. */
export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    const message = err instanceof PiaError ? err.message : errorMessage(err);
    process.stderr.write(`pia: ${message}\n`);
    process.exitCode = 1;
  }
}
