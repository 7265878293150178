import type { IncomingMessage } from 'node:http';
import { safeEqual } from '../../common/secrets.js';

/**
 * Does the request carry the admin token, as `Authorization: Bearer <token>` (or, for WebSocket clients in a
 * browser that cannot set headers, `?token=`)?
 */
export function hasAdminToken(req: Pick<IncomingMessage, 'headers' | 'url'>, adminToken: string, allowQuery = false): boolean {
  const header = req.headers.authorization;
  if (typeof header === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return m !== null && safeEqual(m[1]!, adminToken);
  }
  if (allowQuery && req.url) {
    const token = new URL(req.url, 'http://hub').searchParams.get('token');
    return token !== null && safeEqual(token, adminToken);
  }
  return false;
}
