import path from 'node:path';
import { readStoredAdminToken } from '../hub/admin-token.js';
import type { ApiTarget } from './api-client.js';

/**
 * Where the CLI finds the hub: `PIA_URL` (default http://127.0.0.1:3000) and `PIA_ADMIN_TOKEN`, falling back to
 * the token a local hub generated in its data dir, so `npx pia ...` works right after `npm start`.
 */
export function apiTarget(env: NodeJS.ProcessEnv = process.env): ApiTarget {
  const url = env.PIA_URL?.trim() || 'http://127.0.0.1:3000';
  const token = env.PIA_ADMIN_TOKEN?.trim() || readStoredAdminToken(path.resolve(env.PIA_DATA_DIR?.trim() || './data'));
  return { url, token };
}
