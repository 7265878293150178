import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';

/** Unix socket paths are limited to about 104-108 bytes; past this a short path in the temp dir is used. */
const MAX_SOCKET_PATH = 100;

/**
 * Where a worker listens for its agents: `agent.sock` in its state dir (only its user can reach it), a short
 * path in the temp dir when that is too long for a Unix socket, or a named pipe on Windows.
 */
export function agentSocketPath(stateDir: string, platform: NodeJS.Platform = process.platform): string {
  const id = createHash('sha256').update(path.resolve(stateDir)).digest('hex').slice(0, 16);
  if (platform === 'win32') return `\\\\.\\pipe\\pia-agent-${id}`;
  const inState = path.join(stateDir, 'agent.sock');
  return Buffer.byteLength(inState) <= MAX_SOCKET_PATH ? inState : path.join(os.tmpdir(), `pia-agent-${id}.sock`);
}
