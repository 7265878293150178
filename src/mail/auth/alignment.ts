/** The domain of an address (after the last "@"), lowercased and without a trailing dot; undefined without one. */
export function domainOf(address: string): string | undefined {
  const at = address.lastIndexOf('@');
  const domain = address.slice(at + 1).trim().toLowerCase().replace(/\.$/, '');
  return at >= 0 && /^[a-z0-9-]+(?:\.[a-z0-9-]+)+$/.test(domain) ? domain : undefined;
}

/**
 * Relaxed identifier alignment (RFC 7489, 3.1.1) for a DKIM signing domain and the From domain: the same domain, or
 * one a subdomain of the other (`mail.example.com` signing for `example.com`, or the other way round), and never
 * through a bare top-level domain.
 *
 * DMARC compares organisational domains, which needs the Public Suffix List. Taking the last two labels as the
 * organisational domain instead would align `attacker.co.uk` with `victim.co.uk`, so this asks for a parent/child
 * relation: stricter than DMARC for siblings (`a.example.com` signing for `b.example.com` is not aligned here), never
 * looser. A From domain with a DMARC record is judged by the receiving server's `dmarc=` result anyway.
 */
export function aligned(signingDomain: string, fromDomain: string): boolean {
  const d = signingDomain.toLowerCase().replace(/\.$/, '');
  const f = fromDomain.toLowerCase().replace(/\.$/, '');
  if (d === '' || f === '') return false;
  if (d === f) return true;
  const [shorter, longer] = d.length < f.length ? [d, f] : [f, d];
  return shorter.includes('.') && longer.endsWith(`.${shorter}`);
}
