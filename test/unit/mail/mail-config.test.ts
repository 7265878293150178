import { describe, expect, it } from 'vitest';
import { loadMailConfig } from '../../../src/mail/config.js';

const base = {
  PIA_MAIL_ADDRESS: 'pia@example.com',
  PIA_IMAP_HOST: 'imap.example.com',
  PIA_IMAP_USER: 'pia@example.com',
  PIA_IMAP_PASS: 'x',
  PIA_SMTP_HOST: 'smtp.example.com',
};

describe('mail configuration', () => {
  it('authenticates senders by default, answers strangers with silence and caps a message at 10 MB', () => {
    const cfg = loadMailConfig({ ...base, PIA_MAIL_AUTHSERV_ID: 'MX.Example.com, mx2.example.com' })!;
    expect(cfg).toMatchObject({ requireAuth: true, authservIds: ['mx.example.com', 'mx2.example.com'], unknownSenders: 'silent', maxBytes: 10 * 1024 * 1024 });
  });

  it('without the receiving server\'s authserv-id, authentication cannot work: a clear error', () => {
    expect(() => loadMailConfig(base)).toThrow(/^PIA_MAIL_AUTHSERV_ID must be set while mail authentication is on \(PIA_MAIL_REQUIRE_AUTH=1, the default\)/);
  });

  it('turning authentication off is an explicit choice that needs no authserv-id', () => {
    expect(loadMailConfig({ ...base, PIA_MAIL_REQUIRE_AUTH: '0' })).toMatchObject({ requireAuth: false, authservIds: [] });
  });

  it('refuses an authserv-id that no server could write, and a size that is no size', () => {
    expect(() => loadMailConfig({ ...base, PIA_MAIL_AUTHSERV_ID: 'mx.example.com; dmarc=pass' })).toThrow(/PIA_MAIL_AUTHSERV_ID must be authserv-ids/);
    expect(() => loadMailConfig({ ...base, PIA_MAIL_AUTHSERV_ID: 'mx.example.com', PIA_MAIL_MAX_BYTES: '10MB' })).toThrow("PIA_MAIL_MAX_BYTES must be a positive whole number, got '10MB'");
  });
});
