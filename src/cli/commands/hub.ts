import { Command } from 'commander';
import { errorMessage } from '../../common/errors.js';
import { createLogger } from '../../common/logger.js';
import { adminTokenFile, resolveAdminToken } from '../../hub/admin-token.js';
import { loadHubConfig } from '../../hub/config.js';
import { createHub } from '../../hub/hub.js';
import { startLocalWorker } from '../local-worker.js';
import { loadChatConfig } from '../../bot/chat-config.js';
import { prepareChat } from '../chat-gateways.js';

/** Runs the hub (and, unless PIA_LOCAL_WORKER=0, a worker for this machine) until SIGINT or SIGTERM. */
export async function runHub(): Promise<void> {
  const config = loadHubConfig();
  const log = createLogger({ level: config.logLevel, format: config.logFormat });
  const { token, created } = resolveAdminToken(config.adminToken, config.dataDir);
  const chatConfig = loadChatConfig(process.env);
  const hub = createHub({ config, adminToken: token, log });
  const chat = await prepareChat(hub, chatConfig, log, { interactive: process.stdin.isTTY === true });
  const { httpUrl, linkUrl } = await hub.start();

  const worker = config.localWorker
    ? startLocalWorker({ hub, name: config.localWorkerName, dataDir: config.dataDir, linkUrl, tlsCert: config.tls?.cert, log })
    : undefined;
  worker?.run().catch((err) => log.error({ err: errorMessage(err) }, 'local worker stopped'));

  if (created) {
    process.stdout.write(
      `\nPIA hub is running at ${httpUrl}\n` +
        `Admin token (shown once; kept in ${adminTokenFile(config.dataDir)}):\n  ${token}\n` +
        `Next, in another terminal in this directory:\n  npx pia status\n` +
        `From elsewhere: export PIA_URL=${httpUrl} PIA_ADMIN_TOKEN=<the token above>\n\n`,
    );
  }

  await chat.start();

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    await chat.stop();
    await worker?.stop();
    await hub.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

/** `pia hub` (also `pia start`). */
export function hubCommand(): Command {
  return new Command('hub')
    .alias('start')
    .description('run the hub with a worker for this machine (PIA_LOCAL_WORKER=0: the hub alone)')
    .action(runHub);
}
