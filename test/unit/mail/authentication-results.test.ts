import { describe, expect, it } from 'vitest';
import { parseAuthenticationResults, propertyOf, type AuthenticationResults } from '../../../src/mail/auth/authentication-results.js';

function parsed(text: string): AuthenticationResults {
  const p = parseAuthenticationResults(text);
  if (!p.ok) throw new Error(p.error);
  return p.value;
}

describe('Authentication-Results: the examples of RFC 8601, appendix B', () => {
  it('B.2: service provided, nothing authenticated ("none", with a version)', () => {
    expect(parsed('example.org 1; none')).toEqual({ authservId: 'example.org', version: 1, results: [] });
  });

  it('B.3: one SPF result', () => {
    expect(parsed('example.com;\r\n                  spf=pass smtp.mailfrom=example.net')).toEqual({
      authservId: 'example.com',
      results: [{ method: 'spf', result: 'pass', properties: [{ ptype: 'smtp', property: 'mailfrom', value: 'example.net' }] }],
    });
  });

  it('B.4: several results, a comment and an address', () => {
    const r = parsed('example.com;\r\n              auth=pass (cram-md5) smtp.auth=sender@example.net;\r\n              spf=pass smtp.mailfrom=example.net');
    expect(r.results.map((x) => [x.method, x.result, propertyOf(x, 'smtp.auth') ?? propertyOf(x, 'smtp.mailfrom')])).toEqual([
      ['auth', 'pass', 'sender@example.net'],
      ['spf', 'pass', 'example.net'],
    ]);
    expect(parsed('example.com; iprev=pass\r\n              policy.iprev=192.0.2.200').results[0]).toEqual({
      method: 'iprev',
      result: 'pass',
      properties: [{ ptype: 'policy', property: 'iprev', value: '192.0.2.200' }],
    });
  });

  it('B.6: quoted reasons and header.i with only a domain', () => {
    const r = parsed('example.com;\r\n    dkim=pass reason="good signature"\r\n      header.i=@mail-router.example.net;\r\n    dkim=fail reason="bad signature"\r\n      header.i=@newyork.example.com');
    expect(r.results).toEqual([
      { method: 'dkim', result: 'pass', reason: 'good signature', properties: [{ ptype: 'header', property: 'i', value: '@mail-router.example.net' }] },
      { method: 'dkim', result: 'fail', reason: 'bad signature', properties: [{ ptype: 'header', property: 'i', value: '@newyork.example.com' }] },
    ]);
  });

  it('B.7: comments everywhere, a method version', () => {
    const r = parsed(
      'foo.example.net (foobar) 1 (baz);\r\n    dkim (Because I like it) / 1 (One yay) = (wait for it) fail\r\n      policy (A dot can go here) . (like that) expired\r\n      (this surprised me) = (as I wasn\'t expecting it) 1362471462',
    );
    expect(r).toEqual({
      authservId: 'foo.example.net',
      version: 1,
      results: [{ method: 'dkim', methodVersion: 1, result: 'fail', properties: [{ ptype: 'policy', property: 'expired', value: '1362471462' }] }],
    });
  });
});

describe('Authentication-Results as servers write them', () => {
  it('Gmail: header.b with "=" and "/", long comments', () => {
    const r = parsed(
      'mx.google.com;\r\n       dkim=pass header.i=@example.com header.s=20230601 header.b=Ab+c/d=;\r\n       spf=pass (google.com: domain of ada@example.com designates 192.0.2.1 as permitted sender) smtp.mailfrom=ada@example.com;\r\n       dmarc=pass (p=NONE sp=QUARANTINE dis=NONE) header.from=example.com',
    );
    expect(r.results.map((x) => x.method)).toEqual(['dkim', 'spf', 'dmarc']);
    expect(propertyOf(r.results[0]!, 'header.b')).toBe('Ab+c/d=');
    expect(propertyOf(r.results[2]!, 'header.from')).toBe('example.com');
  });

  it('Microsoft: bare key=value pairs (action=none) are read past, and no ";" space', () => {
    const r = parsed('spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=example.com; dkim=pass (signature was verified) header.d=example.com;dmarc=pass action=none header.from=example.com;compauth=pass reason=100'.replace(/^/, 'mx.microsoft.example; '));
    expect(r.results.map((x) => [x.method, x.result])).toEqual([['spf', 'pass'], ['dkim', 'pass'], ['dmarc', 'pass'], ['compauth', 'pass']]);
    expect(r.results[3]!.reason).toBe('100');
  });

  it('a trailing ";" and upper case', () => {
    expect(parsed('MX.Example.COM; DMARC=PASS Header.From=Example.COM;').results).toEqual([
      { method: 'dmarc', result: 'pass', properties: [{ ptype: 'header', property: 'from', value: 'Example.COM' }] },
    ]);
  });
});

describe('Authentication-Results against hostile text', () => {
  it('a comment that says spf=pass is a comment', () => {
    const r = parsed('mx.example; spf=fail (spf=pass dkim=pass (nested (deeper) dmarc=pass)) smtp.mailfrom=example.com');
    expect(r.results).toEqual([{ method: 'spf', result: 'fail', properties: [{ ptype: 'smtp', property: 'mailfrom', value: 'example.com' }] }]);
  });

  it('an envelope sender whose local part is "spf=pass" is an address', () => {
    const r = parsed('mx.example; spf=none smtp.mailfrom=spf=pass@attacker.example');
    expect(r.results).toHaveLength(1);
    expect(r.results[0]).toMatchObject({ method: 'spf', result: 'none' });
    expect(propertyOf(r.results[0]!, 'smtp.mailfrom')).toBe('spf=pass@attacker.example');
  });

  it('a quoted value with ";" and "dmarc=pass" in it is one value', () => {
    const r = parsed('mx.example; spf=none smtp.mailfrom="a; dmarc=pass header.from=victim.example"@attacker.example; dkim=none');
    expect(r.results.map((x) => `${x.method}=${x.result}`)).toEqual(['spf=none', 'dkim=none']);
    expect(propertyOf(r.results[0]!, 'smtp.mailfrom')).toBe('a; dmarc=pass header.from=victim.example@attacker.example');
  });

  it('a property given twice with different values is no value at all', () => {
    const r = parsed('mx.example; dkim=pass header.d=victim.example header.d=attacker.example');
    expect(propertyOf(r.results[0]!, 'header.d')).toBeUndefined();
  });

  it.each([
    ['', /authserv-id/],
    ['mx.example', /expected ";" and results/],
    ['mx.example; spf', /expected "=" after the method "spf"/],
    ['mx.example; spf=pass (unclosed', /unclosed comment/],
    ['mx.example; spf=pass smtp.mailfrom="unclosed', /unclosed quoted string/],
    ['mx.example; spf=pass smtp.mailfrom=', /expected a property value/],
    ['mx.example; none; spf=pass', /"none" together with results/],
    ['mx.example; dkim/x=pass', /expected a version/],
    ['mx.example; spf=pass smtp mailfrom', /expected "." or "="/],
  ])('refuses %j', (text, error) => {
    const p = parseAuthenticationResults(text);
    expect(p.ok).toBe(false);
    expect(!p.ok && p.error).toMatch(error);
  });
});
