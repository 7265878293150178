import type { TestDovecot } from '../../test/helpers/dovecot.js';
import { TEST_AUTHSERV_ID } from '../../test/helpers/mail-env.js';
import type { TestSmtp } from '../../test/helpers/smtp-sink.js';
import type { Cleanup } from '../fleet/cleanup.js';
import { freePort, startHub, type HubProcess } from '../fleet/hub-process.js';
import { FLEET_ADDRESS, SENDER } from './bench-mail.js';
import { PASSWORD } from './mail-servers.js';

/** Where the hub reads and sends mail: the IMAP account it watches and the SMTP sink its answers go to. */
export interface MailWiring {
  dovecot: TestDovecot;
  account: string;
  smtp: TestSmtp;
  /** PIA_MAIL_POLL_S: the fallback poll, beside IDLE. */
  pollS: number;
}

/** The mail gateway's settings, as an operator would write them, pointing at the loopback servers. */
export function mailEnv(w: MailWiring): Record<string, string> {
  return {
    PIA_MAIL_ADDRESS: FLEET_ADDRESS,
    PIA_IMAP_HOST: w.dovecot.host,
    PIA_IMAP_PORT: String(w.dovecot.imapPort),
    PIA_IMAP_USER: w.account,
    PIA_IMAP_PASS: PASSWORD,
    PIA_IMAP_TLS: '0',
    PIA_MAIL_POLL_S: String(w.pollS),
    PIA_SMTP_HOST: w.smtp.host,
    PIA_SMTP_PORT: String(w.smtp.port),
    PIA_SMTP_TLS: 'none',
    // The bench delivers straight over LMTP and writes the receiving server's verdict itself (benchMails).
    PIA_MAIL_AUTHSERV_ID: TEST_AUTHSERV_ID,
    PIA_OPERATORS: `email:${SENDER}`,
  };
}

/**
 * Starts `node bin/pia.js hub` (as the other benchmarks do: own process, no local worker, warnings only), in
 * loopback-only mode, with the mail gateway on when `mail` is given.
 */
export async function startMailHub(opts: { dataDir: string; port?: number; token: string; mail?: MailWiring; cleanup: Cleanup }): Promise<HubProcess> {
  return startHub({
    dataDir: opts.dataDir,
    port: opts.port ?? (await freePort()),
    token: opts.token,
    timeoutMs: 30_000,
    cleanup: opts.cleanup,
    env: { PIA_NET_LOOPBACK_ONLY: '1', ...(opts.mail ? mailEnv(opts.mail) : {}) },
  });
}
