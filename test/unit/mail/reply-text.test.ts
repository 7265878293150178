import { describe, expect, it } from 'vitest';
import { newText } from '../../../src/mail/parse/reply-text.js';

const lines = (...l: string[]): string => l.join('\n');

describe('newText: Gmail, Apple Mail and Thunderbird attributions', () => {
  it('cuts "On ... wrote:" and the quote below it', () => {
    expect(newText(lines('Go ahead.', '', 'On Tue, 24 Nov 2026 at 10:02, Ada <ada@example.com> wrote:', '', '> Shall I?', '>'))).toBe('Go ahead.');
  });

  it('cuts an attribution Gmail wrapped over two lines, and over three', () => {
    expect(newText(lines('Go ahead.', '', 'On Tue, 24 Nov 2026 at 10:02, Ada Lovelace <ada.lovelace@example.com>', 'wrote:', '', '> Shall I?'))).toBe('Go ahead.');
    expect(newText(lines('Go ahead.', 'On Tue, 24 Nov 2026 at 10:02, Ada Augusta King, Countess of', 'Lovelace <ada.lovelace@example.com>', 'wrote:', '> Shall I?'))).toBe('Go ahead.');
  });

  it.each([
    ['German', 'Am Di., 24. Nov. 2026 um 10:02 Uhr schrieb Ada <ada@example.com>:'],
    ['French', 'Le mar. 24 nov. 2026 à 10:02, Ada <ada@example.com> a écrit :'],
    ['Spanish', 'El mar, 24 nov 2026 a las 10:02, Ada (<ada@example.com>) escribió:'],
    ['Italian', 'Il giorno mar 24 nov 2026 alle ore 10:02 Ada <ada@example.com> ha scritto:'],
    ['Dutch', 'Op di 24 nov 2026 om 10:02 schreef Ada <ada@example.com>:'],
    ['Portuguese', 'Em ter., 24 de nov. de 2026 às 10:02, Ada <ada@example.com> escreveu:'],
    ['Swedish', 'Den tis 24 nov. 2026 kl 10:02 skrev Ada <ada@example.com>:'],
    ['Polish', 'W dniu 24.11.2026 o 10:02, Ada <ada@example.com> napisał:'],
    ['Japanese', '2026年11月24日(火) 10:02 Ada <ada@example.com>:'],
  ])('cuts the %s attribution', (_lang, attribution) => {
    expect(newText(lines('Bitte deployen.', '', attribution, '', '> Soll ich?'))).toBe('Bitte deployen.');
  });

  it('cuts an Apple Mail attribution (desktop, unquoted) and a Thunderbird one without an address above a quote', () => {
    expect(newText(lines('Yes.', '', 'On 24 Nov 2026, at 10:02, Ada <ada@example.com> wrote:', '', '> Merge?'))).toBe('Yes.');
    expect(newText(lines('Yes.', '', 'On 11/24/26 10:02, Ada Lovelace wrote:', '> Merge?'))).toBe('Yes.');
  });

  it('cuts an attribution with an address even when the old message below is not quoted', () => {
    expect(newText(lines('Yes.', '', 'On Tue, 24 Nov 2026 at 10:02, Ada <ada@example.com> wrote:', '', 'Merge?'))).toBe('Yes.');
  });

  it('keeps a sentence that only looks like an attribution', () => {
    const text = lines('On Monday the nightly job wrote:', '    ENOSPC: no space left on device', 'Please free some space on m2.');
    expect(newText(text)).toBe(text);
    const dated = lines('On 24 Nov the deploy job wrote:', '    error: EACCES', 'Fix the permissions.');
    expect(newText(dated)).toBe(dated);
  });
});

describe('newText: Outlook', () => {
  it('cuts at -----Original Message-----', () => {
    expect(newText(lines('Please restart nginx.', '', '-----Original Message-----', 'From: Ada', 'Old text'))).toBe('Please restart nginx.');
  });

  it('cuts a From/Sent/To/Subject block, with or without the rule above it, and in German', () => {
    const block = ['From: Ada Lovelace <ada@example.com>', 'Sent: Tuesday, November 24, 2026 10:02 AM', 'To: m2 <m2@pia.example.com>', 'Subject: Migration', '', 'Old'];
    expect(newText(lines('Run it.', '', 'Thanks,', 'Grace', '', ...block))).toBe('Run it.\n\nThanks,\nGrace');
    expect(newText(lines('Run it.', '________________________________', ...block))).toBe('Run it.');
    expect(newText(lines('Run it.', '', 'Von: Ada <ada@example.com>', 'Gesendet: Dienstag, 24. November 2026 10:02', 'An: m2', 'Betreff: Migration', '', 'Alt'))).toBe('Run it.');
    expect(newText(lines('Run it.', '', '*From:* Ada <ada@example.com>', '*Sent:* Tuesday', '*To:* m2', '*Subject:* Migration'))).toBe('Run it.');
  });

  it('keeps a "From:" line that is not a header block, and an underscore rule above content', () => {
    const text = lines('From: the logs on m2 it looks like a disk issue.', 'Subject to your approval, wipe /tmp.', '', '______________________', 'Checklist below');
    expect(newText(text)).toBe(text);
  });

  it('keeps a forward the sender marked as one', () => {
    const text = lines(
      'Can you fix this? See below.',
      '',
      '---------- Forwarded message ---------',
      'From: Customer <c@example.net>',
      'Date: Tue, 24 Nov 2026 at 09:00',
      'Subject: Login broken',
      'To: <support@example.com>',
      '',
      'I cannot log in since this morning.',
    );
    expect(newText(text)).toBe(text);
  });
});

describe('newText: quotes', () => {
  it('drops a trailing quote and interleaved quotes, keeping the answers between them', () => {
    const text = lines(
      'On Mon, 23 Nov 2026 at 22:10, Bob <bob@example.com> wrote:',
      '> Should we bump the timeout?',
      '',
      'Yes, to 30s.',
      '',
      '>> older',
      '> And retry?',
      'Twice, with backoff.',
      '',
      '> Anything else?',
      '>',
    );
    expect(newText(text)).toBe('Yes, to 30s.\n\nTwice, with backoff.');
  });

  it('returns the empty string when everything was quoted', () => {
    expect(newText(lines('> a', '> b', ''))).toBe('');
    expect(newText('')).toBe('');
  });
});

describe('newText: signatures', () => {
  it('cuts below the "-- " delimiter', () => {
    expect(newText(lines('Do it.', '', '-- ', 'Ada Lovelace', 'Staff Engineer', '+44 20 7946 0000'))).toBe('Do it.');
  });

  it('cuts below a trimmed "--" only when a short block follows', () => {
    expect(newText(lines('Do it.', '--', 'Ada'))).toBe('Do it.');
    const long = lines('Do it.', '--', '1', '2', '3', '4', '5', '6', '7');
    expect(newText(long)).toBe(long);
  });

  it('drops device lines where they stand', () => {
    expect(newText(lines('Reboot m2.', '', 'Sent from my iPhone'))).toBe('Reboot m2.');
    expect(newText(lines('Reboot m2.', '', 'Sent from my iPad'))).toBe('Reboot m2.');
    expect(newText(lines('Reboot m2.', '', 'Sent from Mail for Windows'))).toBe('Reboot m2.');
    expect(newText(lines('Reboot m2.', '', 'Get Outlook for iOS<https://aka.ms/o0ukef>'))).toBe('Reboot m2.');
    expect(newText(lines('Reboot m2.', '', 'Get Outlook for Android', '________________________________', 'From: Ada <ada@example.com>', 'Sent: Tuesday', 'To: m2', 'Subject: x'))).toBe('Reboot m2.');
  });

  it('keeps a sign-off: names are content', () => {
    expect(newText(lines('Restart the worker.', '', 'Best regards,', 'Ada Lovelace', 'Example Inc.'))).toBe('Restart the worker.\n\nBest regards,\nAda Lovelace\nExample Inc.');
  });
});

describe('newText: what it leaves alone', () => {
  it('never looks into a code fence, and keeps indentation and blank lines there', () => {
    const text = lines(
      'Apply this patch:',
      '',
      '```diff',
      '-- old line',
      '> not a quote',
      '',
      '',
      'On Tue, 24 Nov 2026 at 10:02, Ada <ada@example.com> wrote:',
      '    indented',
      '```',
      '',
      'Then run the tests.',
    );
    expect(newText(text)).toBe(text);
  });

  it('keeps indented code and a mid-line " -- "', () => {
    const text = lines('Run:', '', '    npm test -- --grep login', '\tmake -j4', '', 'and report.');
    expect(newText(text)).toBe(text);
  });

  it('trims blank lines at both ends, collapses runs, and reads CRLF text', () => {
    expect(newText('\r\n\r\n  \r\nFirst\r\n\r\n\r\n\r\nSecond\r\n\r\n')).toBe('First\n\nSecond');
  });

  it('stays linear on a flood of "--" lines', () => {
    const started = Date.now();
    // Only the last "--" lines have few enough lines below them to be a signature delimiter.
    expect(newText('--\n'.repeat(50_000)).split('\n')).toHaveLength(50_000 - 7);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('is idempotent', () => {
    const once = newText(lines('Go.', '', 'On Tue, 24 Nov 2026 at 10:02, Ada <ada@example.com> wrote:', '> x'));
    expect(newText(once)).toBe(once);
  });
});
