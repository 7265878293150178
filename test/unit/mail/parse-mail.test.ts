import { describe, expect, it } from 'vitest';
import { parseMail } from '../../../src/mail/parse/parse-mail.js';

/** A raw message from header lines and a body, with the CRLF line endings of the wire. */
const raw = (headers: string[], body: string): string => `${headers.join('\r\n')}\r\n\r\n${body.replace(/\n/g, '\r\n')}`;

describe('parseMail', () => {
  it('returns PIA types only: plain strings, lowercased addresses, group members flattened', async () => {
    const mail = await parseMail(
      raw(
        [
          'From: "Ada L." <Ada@Example.COM>',
          'To: m2@PIA.example.com, Ops Team: Bob <BOB@example.com>, carol@example.com;',
          'Cc: undisclosed-recipients:;',
          'Reply-To: <Replies@Example.com>',
          'Subject: =?UTF-8?Q?Caf=C3=A9_menu?=',
          'Date: Tue, 24 Nov 2026 10:02:00 +0100',
          'Message-ID: <one@example.com>',
          'Content-Type: text/plain; charset=utf-8',
        ],
        'hello\n',
      ),
    );
    expect(mail).toEqual({
      messageId: '<one@example.com>',
      inReplyTo: null,
      references: [],
      from: { address: 'ada@example.com', name: 'Ada L.' },
      fromCount: 1,
      to: ['m2@pia.example.com', 'bob@example.com', 'carol@example.com'],
      cc: [],
      replyTo: ['replies@example.com'],
      subject: 'Café menu',
      date: '2026-11-24T09:02:00.000Z',
      text: 'hello\n',
      attachments: [],
      headers: { autoSubmitted: null, precedence: null, listId: null, returnPath: null, authenticationResults: [], fromFields: 1 },
    });
  });

  it('gives null, not the time of parsing, for a missing or unreadable Date', async () => {
    const body = 'x';
    expect((await parseMail(raw(['From: a@example.com', 'Subject: s'], body))).date).toBeNull();
    expect((await parseMail(raw(['From: a@example.com', 'Date: yesterday-ish'], body))).date).toBeNull();
  });

  it('copes with a mail that has no From, no Subject and no body', async () => {
    const mail = await parseMail('To: m2@pia.example.com\n\n');
    expect(mail.from).toBeNull();
    expect(mail.subject).toBe('');
    expect(mail.text).toBe('');
  });

  it('decodes Windows-1252 quoted-printable and ISO-8859-1 8bit bodies', async () => {
    const cp1252 = await parseMail(
      raw(['From: a@example.com', 'Content-Type: text/plain; charset=windows-1252', 'Content-Transfer-Encoding: quoted-printable'], 'It=92s =93done=94 =96 =80 5\n'),
    );
    expect(cp1252.text).toBe('It’s “done” – € 5\n');
    const latin1 = await parseMail(
      Buffer.concat([Buffer.from('From: a@example.com\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'), Buffer.from('Grüße, Ørsted\r\n', 'latin1')]),
    );
    expect(latin1.text).toBe('Grüße, Ørsted\n');
  });

  it('falls back to the HTML part when the text part is empty, and removes its quoted part', async () => {
    const mail = await parseMail(
      raw(
        ['From: a@example.com', 'Content-Type: multipart/alternative; boundary="b"'],
        [
          '--b',
          'Content-Type: text/plain; charset=utf-8',
          '',
          ' ',
          '--b',
          'Content-Type: text/html; charset=utf-8',
          '',
          '<div>Deploy it.</div><div class="gmail_quote">On Tue, Ada wrote:<blockquote class="gmail_quote">old</blockquote></div>',
          '--b--',
          '',
        ].join('\n'),
      ),
    );
    expect(mail.text).toBe('Deploy it.');
  });

  it('reads List-Id without angle brackets whole, and the Return-Path address lowercased', async () => {
    const mail = await parseMail(raw(['From: a@example.com', 'List-Id: dev.lists.example.com', 'Return-Path: <Bounces@Lists.Example.com>'], 'x'));
    expect(mail.headers.listId).toBe('dev.lists.example.com');
    expect(mail.headers.returnPath).toBe('bounces@lists.example.com');
  });

  it('unfolds a folded Authentication-Results and keeps all of them, topmost first', async () => {
    const mail = await parseMail(
      raw(['Authentication-Results: mx.pia.example.com;', '\tspf=fail smtp.mailfrom=example.com', 'Authentication-Results: evil.example; spf=pass', 'From: a@example.com'], 'x'),
    );
    expect(mail.headers.authenticationResults).toEqual(['mx.pia.example.com; spf=fail smtp.mailfrom=example.com', 'evil.example; spf=pass']);
  });

  it('counts From fields and From addresses, so a mail from two senders can be told', async () => {
    const two = await parseMail(raw(['From: a@example.com', 'From: b@example.net'], 'x'));
    expect([two.headers.fromFields, two.fromCount]).toEqual([2, 1]);
    const list = await parseMail(raw(['From: a@example.com, b@example.net'], 'x'));
    expect([list.headers.fromFields, list.fromCount, list.from?.address]).toEqual([1, 2, 'a@example.com']);
  });
});
