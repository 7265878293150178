import type { ParsedMail } from '../parse/parse-mail.js';
import { aligned, domainOf } from './alignment.js';
import { parseAuthenticationResults, propertyOf, type AuthResult } from './authentication-results.js';

/** How mail senders are authenticated (from the mail configuration). */
export interface SenderPolicy {
  requireAuth: boolean;
  /** The authserv-ids of the fleet's own receiving server(s), lowercased. */
  authservIds: readonly string[];
}

/**
 * Whether a mail's From can be believed. `address` is the only address PIA may answer: never Reply-To, which the
 * sender writes freely, so a forged mail cannot have the answers sent to its author.
 */
export type SenderVerdict =
  | { trusted: true; address: string; via: 'dmarc' | 'dkim' | 'unchecked' }
  | { trusted: false; reason: string };

/** The mail fields a verdict reads. */
export type SenderMail = Pick<ParsedMail, 'from' | 'fromCount'> & { headers: Pick<ParsedMail['headers'], 'authenticationResults' | 'fromFields'> };

const domainIn = (r: AuthResult, name: string): string | undefined => {
  const v = propertyOf(r, name);
  return v === undefined ? undefined : domainOf(v.includes('@') ? v : `@${v}`);
};

/**
 * Judges the sender of a mail from the Authentication-Results its own receiving server wrote.
 *
 * Only headers whose authserv-id is one of `policy.authservIds` count: anyone may write such headers into the mail
 * they send, below the receiving server's. The From domain is authenticated by a DMARC pass for it (`header.from`),
 * or by a DKIM pass whose signing domain (`header.d`) is aligned with it. SPF alone never is: it vouches for the
 * envelope sender, which need not be From. A DMARC fail, or trusted headers that contradict each other (a pass and a
 * fail or "none" for the same method), mean no: a forged pass that the receiving server failed to remove must not
 * outvote the server's own verdict.
 */
export function senderVerdict(mail: SenderMail, policy: SenderPolicy): SenderVerdict {
  if (!mail.from) return { trusted: false, reason: 'no From address' };
  if (mail.headers.fromFields !== 1 || mail.fromCount !== 1) return { trusted: false, reason: 'more than one From address' };
  const address = mail.from.address;
  if (!policy.requireAuth) return { trusted: true, address, via: 'unchecked' };
  const fromDomain = domainOf(address);
  if (!fromDomain) return { trusted: false, reason: `From ${address} has no domain that could be checked` };

  const results: AuthResult[] = [];
  for (const text of mail.headers.authenticationResults) {
    const parsed = parseAuthenticationResults(text);
    if (parsed.ok && !policy.authservIds.includes(parsed.value.authservId)) continue;
    // An unreadable header that may be the server's own is a verdict that cannot be read: no.
    if (!parsed.ok) {
      const id = /^\s*("?)([^\s;()"]+)\1/.exec(text)?.[2]?.toLowerCase();
      if (id === undefined || policy.authservIds.includes(id)) return { trusted: false, reason: `unreadable Authentication-Results (${parsed.error})` };
      continue;
    }
    results.push(...parsed.value.results);
  }
  const servers = policy.authservIds.join(', ');
  if (results.length === 0) return { trusted: false, reason: `no Authentication-Results from ${servers}` };

  const dmarc = results.filter((r) => r.method === 'dmarc');
  const dkim = results.filter((r) => r.method === 'dkim');
  const failed = dmarc.find((r) => r.result === 'fail');
  if (failed) return { trusted: false, reason: `DMARC fail for ${domainIn(failed, 'header.from') ?? 'the From domain'}` };
  const dmarcPass = dmarc.some((r) => r.result === 'pass' && domainIn(r, 'header.from') === fromDomain);
  if (dmarcPass && dmarc.every((r) => r.result === 'pass')) return { trusted: true, address, via: 'dmarc' };

  const signer = (r: AuthResult) => domainIn(r, 'header.d') ?? domainIn(r, 'header.i');
  const alignedDkim = dkim.filter((r) => {
    const d = signer(r);
    return d !== undefined && aligned(d, fromDomain);
  });
  const dkimPass = alignedDkim.some((r) => r.result === 'pass');
  // A pass beside the server's own "no signature" or a failing signature of the same domain is a pass that was
  // written in, not found.
  const contradicted = alignedDkim.some((r) => r.result !== 'pass') || dkim.some((r) => r.result === 'none');
  if (dkimPass && !contradicted) return { trusted: true, address, via: 'dkim' };
  if (dkimPass || dmarcPass) return { trusted: false, reason: `contradicting Authentication-Results from ${servers}` };
  return { trusted: false, reason: `no DMARC pass and no DKIM pass aligned with ${fromDomain} from ${servers}` };
}
