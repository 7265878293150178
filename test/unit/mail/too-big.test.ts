import { describe, expect, it } from 'vitest';
import { formatBytes, HEADER_MAX_BYTES, headerBlock, tooBigText } from '../../../src/mail/too-big.js';

describe('over-size mail', () => {
  it('is judged by its header block alone, bounded however long the header', () => {
    expect(headerBlock(Buffer.from('From: a@example.com\r\nSubject: x\r\n\r\nbody\r\n\r\nmore')).toString()).toBe('From: a@example.com\r\nSubject: x\r\n\r\n');
    expect(headerBlock(Buffer.from('From: a@example.com\n\nbody')).toString()).toBe('From: a@example.com\n\n');
    expect(headerBlock(Buffer.alloc(HEADER_MAX_BYTES * 2, 'X-A: b\r\n')).length).toBe(HEADER_MAX_BYTES);
  });

  it('tells the sender both sizes in words', () => {
    expect([formatBytes(900), formatBytes(64 * 1024), formatBytes(10 * 1024 * 1024), formatBytes(12.5 * 1024 * 1024)]).toEqual(['900 bytes', '64 KB', '10 MB', '12.5 MB']);
    expect(tooBigText(25 * 1024 * 1024, 10 * 1024 * 1024)).toBe(
      'Your mail was not read: it is 25 MB, and PIA reads mail up to 10 MB (PIA_MAIL_MAX_BYTES). Send it again without the large attachments.\n',
    );
  });
});
