import { boolField, enumField, listField, parseEnv, portField, positiveIntField, secondsField, textField } from '../common/env.js';
import { PiaError } from '../common/errors.js';
import { plusPattern } from './addresses.js';

/** The email gateway's settings; absent when PIA_MAIL_ADDRESS (or PIA_MAIL_PATTERN) is not set. */
export interface MailConfig {
  /** `pia+{machine}@example.com` or `{machine}@fleet.example.com`. */
  pattern: string;
  imap: { host: string; port: number; user: string; pass: string; tls: boolean; mailbox: string; doneFolder: string; pollS: number };
  smtp: { host: string; port: number; user: string | undefined; pass: string | undefined; tls: 'tls' | 'starttls' | 'none' };
  /**
   * Take only mail whose From domain the receiving server vouches for: DMARC pass, or a DKIM pass aligned with From,
   * in Authentication-Results written by one of `authservIds`. On unless turned off on purpose.
   */
  requireAuth: boolean;
  /** The authserv-ids of the fleet's own receiving server(s), lowercased; empty only when `requireAuth` is off. */
  authservIds: readonly string[];
  /** Authenticated senders without the role a mail needs: one short refusal a day (capped for the hub), or nothing. */
  unknownSenders: 'refuse' | 'silent';
  /** Largest message read whole, in bytes; a bigger one is judged on its header alone and not acted on. */
  maxBytes: number;
  /** Least minutes between progress digests of a long task. */
  digestMinutes: number;
}

/** Reads the PIA_MAIL_*, PIA_IMAP_* and PIA_SMTP_* variables; a missing or bad one names itself. */
export function loadMailConfig(env: NodeJS.ProcessEnv): Readonly<MailConfig> | undefined {
  const e = parseEnv(env, {
    PIA_MAIL_ADDRESS: [textField, undefined],
    PIA_MAIL_PATTERN: [textField, undefined],
    PIA_IMAP_HOST: [textField, undefined],
    PIA_IMAP_PORT: [portField, '993'],
    PIA_IMAP_USER: [textField, undefined],
    PIA_IMAP_PASS: [textField, undefined],
    PIA_IMAP_TLS: [boolField, '1'],
    PIA_IMAP_MAILBOX: [textField, 'INBOX'],
    PIA_MAIL_DONE_FOLDER: [textField, 'PIA/Done'],
    PIA_MAIL_POLL_S: [secondsField, '60'],
    PIA_SMTP_HOST: [textField, undefined],
    PIA_SMTP_PORT: [portField, '587'],
    PIA_SMTP_USER: [textField, undefined],
    PIA_SMTP_PASS: [textField, undefined],
    PIA_SMTP_TLS: [enumField(['tls', 'starttls', 'none']), 'starttls'],
    PIA_MAIL_REQUIRE_AUTH: [boolField, '1'],
    PIA_MAIL_AUTHSERV_ID: [listField, ''],
    PIA_MAIL_UNKNOWN_SENDERS: [enumField(['refuse', 'silent']), 'silent'],
    PIA_MAIL_MAX_BYTES: [positiveIntField, String(10 * 1024 * 1024)],
    PIA_MAIL_DIGEST_MIN: [secondsField, '30'],
  });
  if (!e.PIA_MAIL_ADDRESS && !e.PIA_MAIL_PATTERN) return undefined;
  const need = (name: string, value: string | undefined): string => {
    if (value === undefined) throw new PiaError('config_invalid', `${name} must be set when mail is on (PIA_MAIL_ADDRESS or PIA_MAIL_PATTERN is set)`);
    return value;
  };
  const authservIds = e.PIA_MAIL_AUTHSERV_ID.map((id) => id.toLowerCase());
  const badId = authservIds.find((id) => /[\s;()"\\]/.test(id));
  if (badId !== undefined) throw new PiaError('config_invalid', `PIA_MAIL_AUTHSERV_ID must be authserv-ids as your mail server writes them (e.g. mx.example.com), got '${badId}'`);
  if (e.PIA_MAIL_REQUIRE_AUTH && authservIds.length === 0) {
    throw new PiaError(
      'config_invalid',
      'PIA_MAIL_AUTHSERV_ID must be set while mail authentication is on (PIA_MAIL_REQUIRE_AUTH=1, the default): the name your receiving mail server writes first in its Authentication-Results headers (e.g. mx.example.com; look at a mail it delivered). Only its verdicts are trusted.',
    );
  }
  return Object.freeze({
    pattern: e.PIA_MAIL_PATTERN ?? plusPattern(e.PIA_MAIL_ADDRESS!),
    imap: {
      host: need('PIA_IMAP_HOST', e.PIA_IMAP_HOST),
      port: e.PIA_IMAP_PORT,
      user: need('PIA_IMAP_USER', e.PIA_IMAP_USER),
      pass: need('PIA_IMAP_PASS', e.PIA_IMAP_PASS),
      tls: e.PIA_IMAP_TLS,
      mailbox: e.PIA_IMAP_MAILBOX,
      doneFolder: e.PIA_MAIL_DONE_FOLDER,
      pollS: e.PIA_MAIL_POLL_S,
    },
    smtp: { host: need('PIA_SMTP_HOST', e.PIA_SMTP_HOST), port: e.PIA_SMTP_PORT, user: e.PIA_SMTP_USER, pass: e.PIA_SMTP_PASS, tls: e.PIA_SMTP_TLS },
    requireAuth: e.PIA_MAIL_REQUIRE_AUTH,
    authservIds: Object.freeze(authservIds),
    unknownSenders: e.PIA_MAIL_UNKNOWN_SENDERS,
    maxBytes: e.PIA_MAIL_MAX_BYTES,
    digestMinutes: e.PIA_MAIL_DIGEST_MIN,
  });
}
