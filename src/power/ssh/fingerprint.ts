import { createHash } from 'node:crypto';

/**
 * The OpenSSH-style fingerprint of a public key blob (the SSH wire encoding, as in the base64 field of a `.pub`
 * file): `SHA256:` and the unpadded base64 of its SHA-256 — exactly what `ssh-keygen -lf key.pub` prints, so an
 * operator can compare it with what the machine's console shows before trusting it.
 */
export function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/**
 * A pinned fingerprint in canonical form, or undefined if `text` is not one. Tolerates the padding and surrounding
 * whitespace people paste; the algorithm prefix is case-insensitive because `sha256:` is an obvious typo to forgive.
 */
export function normalizeFingerprint(text: string): string | undefined {
  const m = /^sha256:([A-Za-z0-9+/]{43})=?$/i.exec(text.trim());
  return m ? `SHA256:${m[1]}` : undefined;
}
