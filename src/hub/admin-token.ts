import { closeSync, fchmodSync, openSync, readFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { newToken } from '../common/secrets.js';
import { ensurePrivateDir, stderrNotice, tightenIfPresent, type Notice } from './db/private-files.js';

/** Where a generated admin token is kept. */
export function adminTokenFile(dataDir: string): string {
  return path.join(dataDir, 'admin-token');
}

/** The admin token kept in the data dir, if any. */
export function readStoredAdminToken(dataDir: string): string | undefined {
  try {
    const token = readFileSync(adminTokenFile(dataDir), 'utf8').trim();
    return token || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The admin token to use: the configured one, else the one kept in the data dir, else a new one written there.
 * `created` tells the caller to show it once. The data dir is made (or tightened to) 0700 and the token file 0600,
 * whatever the umask; `onNotice` says what was tightened (default: a line on stderr).
 */
export function resolveAdminToken(configured: string | undefined, dataDir: string, onNotice: Notice = stderrNotice): { token: string; created: boolean } {
  if (configured) return { token: configured, created: false };
  ensurePrivateDir(dataDir, onNotice);
  const file = adminTokenFile(dataDir);
  const stored = readStoredAdminToken(dataDir);
  if (stored) {
    tightenIfPresent(file, onNotice);
    return { token: stored, created: false };
  }
  const token = newToken('pia_a_', 32);
  const fd = openSync(file, 'wx', 0o600);
  try {
    fchmodSync(fd, 0o600);
    writeSync(fd, token + '\n');
  } finally {
    closeSync(fd);
  }
  return { token, created: true };
}
