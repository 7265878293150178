import os from 'node:os';
import { createLogger, type Logger } from '../common/logger.js';
import { adminTokenFile, resolveAdminToken } from '../hub/admin-token.js';
import { DEFAULT_AGENT_NAMES, findAgentsOnPath } from '../worker/facts/installed-agents.js';
import { loadPiaConfig } from './config.js';
import { createPia } from './create-pia.js';
import { createTerminalLog } from './terminal-log.js';

/** What a person with no agent installed reads at start: which agents PIA drives, how to get one, what works without. */
export const NO_AGENT_HINT =
  `No coding agent is installed on this machine (PIA looks for ${DEFAULT_AGENT_NAMES.join(', ')} on PATH).\n` +
  '  Install one, e.g. Claude Code: npm install -g @anthropic-ai/claude-code (then sign in with `claude`), and restart.\n' +
  '  Without one, commands still work: sh local -- uname -a, status, machines, wake <m>.';

/**
 * `pia start`: the hub (and, unless PIA_LOCAL_WORKER=0, a worker for this machine) until SIGINT or SIGTERM. On a
 * terminal it opens the console chat and keeps its prompt readable: logs go to `<data dir>/pia.log`, and only
 * warnings and errors are shown, above the prompt.
 */
export async function runHub(): Promise<void> {
  const config = loadPiaConfig();
  const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true && config.chat.console;
  const terminalLog = interactive ? createTerminalLog(config.hub.dataDir, config.hub.logLevel) : undefined;
  const log: Logger = terminalLog?.log ?? createLogger({ level: config.hub.logLevel, format: config.hub.logFormat });
  const { token, created } = resolveAdminToken(config.hub.adminToken, config.hub.dataDir, (text) => log.warn(text));
  const pia = await createPia({
    config,
    adminToken: token,
    log,
    ...(interactive ? { terminal: { input: process.stdin, output: process.stdout, user: `console:${os.userInfo().username}`, notices: terminalLog!.notices } } : {}),
  });
  const { httpUrl } = await pia.start();

  const lines = [`PIA hub is running at ${httpUrl}`];
  // The dashboard is on the same port; this link signs the person at this terminal in once (pia dashboard makes more).
  const link = pia.web?.link({ identity: 'admin-token', by: 'pia start' });
  if (link) lines.push(`Dashboard: ${httpUrl}/\n  one-time sign-in link (${Math.round((Date.parse(link.expiresAt) - Date.now()) / 60_000)} min): ${link.url}`);
  if (created) {
    lines.push(
      `Admin token (shown once; kept in ${adminTokenFile(config.hub.dataDir)}):\n  ${token}`,
      `Next, in another terminal in this directory:\n  npx pia status`,
      `From elsewhere: export PIA_URL=${httpUrl} PIA_ADMIN_TOKEN=<the token above>`,
    );
  }
  if (terminalLog) lines.push(`Logs: ${terminalLog.file} (warnings and errors also show here)`);
  if (config.hub.localWorker && (await findAgentsOnPath(DEFAULT_AGENT_NAMES)).length === 0) lines.push(NO_AGENT_HINT);
  const banner = `\n${lines.join('\n')}\n\n`;
  if (terminalLog) terminalLog.notices.show(banner);
  else process.stdout.write(banner);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    await pia.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}
