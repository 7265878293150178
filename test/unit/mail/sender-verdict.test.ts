import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { aligned } from '../../../src/mail/auth/alignment.js';
import { senderVerdict, type SenderMail } from '../../../src/mail/auth/sender-verdict.js';
import { parseMail } from '../../../src/mail/parse/parse-mail.js';

const policy = { requireAuth: true, authservIds: ['mx.pia.example.com'] };
const mail = (authenticationResults: string[], from = 'ada@example.com'): SenderMail => ({
  from: { address: from, name: '' },
  fromCount: 1,
  headers: { authenticationResults, fromFields: 1 },
});
const ours = (results: string) => `mx.pia.example.com; ${results}`;

describe('senderVerdict', () => {
  it('a real Gmail reply through our server: DMARC pass, the forged header below ignored', async () => {
    const gmail = await parseMail(readFileSync(path.join(import.meta.dirname, '../../fixtures/mail/gmail-reply.eml')));
    expect(senderVerdict(gmail, policy)).toEqual({ trusted: true, address: 'ada.lovelace@example.com', via: 'dmarc' });
    expect(senderVerdict(gmail, { ...policy, authservIds: ['mx.elsewhere.example'] })).toEqual({ trusted: false, reason: 'no Authentication-Results from mx.elsewhere.example' });
  });

  it('trusts any of several configured servers, case aside', () => {
    expect(senderVerdict(mail(['MX2.Pia.Example.com; dmarc=pass header.from=example.com']), { ...policy, authservIds: ['mx.pia.example.com', 'mx2.pia.example.com'] })).toMatchObject({ trusted: true });
  });

  it('DKIM pass counts when aligned and uncontradicted; SPF never does', () => {
    expect(senderVerdict(mail([ours('dkim=pass header.d=example.com; dmarc=none header.from=example.com')]), policy)).toMatchObject({ trusted: true, via: 'dkim' });
    expect(senderVerdict(mail([ours('dkim=pass header.i=@mail.example.com')]), policy)).toMatchObject({ trusted: true, via: 'dkim' });
    expect(senderVerdict(mail([ours('spf=pass smtp.mailfrom=ada@example.com')]), policy)).toMatchObject({ trusted: false });
    expect(senderVerdict(mail([ours('dkim=pass header.d=co.uk')], 'ada@victim.co.uk'), policy)).toMatchObject({ trusted: true }); // nobody signs as co.uk
    expect(senderVerdict(mail([ours('dkim=pass header.d=attacker.co.uk')], 'ada@victim.co.uk'), policy)).toMatchObject({ trusted: false });
  });

  it('a pass written in below the server\'s own verdict loses to it', () => {
    const cases = [
      [ours('dkim=none'), ours('dkim=pass header.d=example.com')],
      [ours('dkim=fail header.d=example.com'), ours('dkim=pass header.d=example.com')],
      [ours('dmarc=fail header.from=example.com'), ours('dmarc=pass header.from=example.com')],
      [ours('dmarc=fail header.from=example.com'), ours('dkim=pass header.d=example.com')],
    ];
    for (const headers of cases) expect(senderVerdict(mail(headers), policy), headers.join(' / ')).toMatchObject({ trusted: false });
  });

  it('an unreadable header that may be the server\'s own is no verdict; another server\'s is skipped', () => {
    expect(senderVerdict(mail([ours('dmarc=pass header.from=example.com'), 'mx.pia.example.com; dkim=pass (unclosed']), policy)).toEqual({
      trusted: false,
      reason: 'unreadable Authentication-Results (unclosed comment at character 41)',
    });
    expect(senderVerdict(mail([ours('dmarc=pass header.from=example.com'), 'elsewhere.example; dkim=pass (unclosed']), policy)).toMatchObject({ trusted: true });
  });

  it('no From, two From addresses, or a From without a domain: not authenticated', () => {
    expect(senderVerdict({ ...mail([]), from: null }, policy)).toEqual({ trusted: false, reason: 'no From address' });
    expect(senderVerdict({ ...mail([ours('dmarc=pass header.from=example.com')]), fromCount: 2 }, policy)).toEqual({ trusted: false, reason: 'more than one From address' });
    const twoFields = mail([ours('dmarc=pass header.from=example.com')]);
    expect(senderVerdict({ ...twoFields, headers: { ...twoFields.headers, fromFields: 2 } }, policy)).toMatchObject({ trusted: false });
    expect(senderVerdict(mail([ours('dmarc=pass header.from=localhost')], 'root@localhost'), policy)).toMatchObject({ trusted: false });
  });

  it('with authentication off, From is taken as it stands (never Reply-To)', () => {
    expect(senderVerdict(mail([]), { requireAuth: false, authservIds: [] })).toEqual({ trusted: true, address: 'ada@example.com', via: 'unchecked' });
  });
});

describe('aligned', () => {
  it.each([
    ['example.com', 'example.com', true],
    ['mail.example.com', 'example.com', true],
    ['example.com', 'eu.example.com', true],
    ['a.example.com', 'b.example.com', false],
    ['notexample.com', 'example.com', false],
    ['com', 'example.com', false],
    ['attacker.co.uk', 'victim.co.uk', false],
  ])('%s signing for %s: %s', (d, from, expected) => {
    expect(aligned(d, from)).toBe(expected);
  });
});
