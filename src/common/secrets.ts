import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new random token with a readable prefix (`pia_j_...`), 256 bits of entropy by default. */
export function newToken(prefix: string, bytes = 32): string {
  return `${prefix}${randomBytes(bytes).toString('base64url')}`;
}

/**
 * SHA-256 of a token, hex. Tokens are random with >= 192 bits of entropy, so a fast hash is the right tool:
 * a slow password hash would only slow the reconnect storm without adding any safety.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Constant-time comparison of two strings of any length. */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}
