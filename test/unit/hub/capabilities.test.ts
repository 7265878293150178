import { describe, expect, it } from 'vitest';
import { Capabilities, CapabilitiesPatch, mergeCapabilities } from '../../../src/hub/registry/capabilities.js';
import { closestNames } from '../../../src/common/suggest.js';

describe('capabilities', () => {
  it('normalises and merges; null removes a key', () => {
    const current = Capabilities.parse({ mac: 'AABBCCDDEEFF', tags: ['gpu'], sshPort: 22 });
    expect(current.mac).toBe('aa:bb:cc:dd:ee:ff');
    const patch = CapabilitiesPatch.parse({ tags: null, ip: '::1', sshUser: 'pia' });
    expect(mergeCapabilities(current, patch)).toEqual({ mac: 'aa:bb:cc:dd:ee:ff', sshPort: 22, ip: '::1', sshUser: 'pia' });
  });

  it.each([
    [{ ip: '999.1.1.1' }, /ip/],
    [{ sshPort: 0 }, /sshPort/],
    [{ sshHostKey: 'MD5:aa' }, /fingerprint/],
    [{ tags: ['Has Space'] }, /tag/],
    [{ sshUser: 'root; rm -rf /' }, /user name/],
    [{ unknown: 1 }, /unknown/i],
  ])('refuses %o', (caps, message) => {
    const r = Capabilities.safeParse(caps);
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toMatch(message);
  });
});

describe('did you mean', () => {
  it('finds near names and prefixes, not far ones', () => {
    expect(closestNames('m3', ['m2', 'm3x', 'laptop'])).toEqual(['m2', 'm3x']);
    expect(closestNames('latop', ['m2', 'laptop'])).toEqual(['laptop']);
    expect(closestNames('zzzzzz', ['m2', 'laptop'])).toEqual([]);
  });
});
