import { createHmac } from 'node:crypto';
import http from 'node:http';

/** A slash command as Slack posts it to the Request URL: the form fields Bolt and PIA read, plus a few. */
export function commandBody(fields: { text: string; channel: string; user: string; trigger: string }): string {
  return new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: 'TBENCH',
    team_domain: 'bench',
    channel_id: fields.channel,
    channel_name: 'bench',
    user_id: fields.user,
    user_name: 'ada',
    command: '/pia',
    text: fields.text,
    api_app_id: 'APIA',
    response_url: 'http://127.0.0.1:9/response/unused',
    trigger_id: fields.trigger,
  }).toString();
}

/** Slack's request signature: `v0=` + hex HMAC-SHA256(secret, `v0:<timestamp>:<raw body>`). */
export function slackSignatureHeaders(secret: string, rawBody: string, nowS = Math.floor(Date.now() / 1000)): Record<string, string> {
  const ts = String(nowS);
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${ts}:${rawBody}`).digest('hex')}`;
  return { 'x-slack-signature': signature, 'x-slack-request-timestamp': ts };
}

/**
 * POSTs a signed, form-encoded body and resolves with the status and the time until the whole answer was read
 * (Slack's clock for the 3-second acknowledgement). `agent` keeps the connection open between commands, as
 * Slack's own senders do.
 */
export function postSigned(url: string, secret: string, rawBody: string, agent: http.Agent, timeoutMs: number): Promise<{ status: number; ms: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers = { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(rawBody)), ...slackSignatureHeaders(secret, rawBody) };
    const t0 = performance.now();
    const req = http.request(url, { method: 'POST', headers, agent, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(rawBody);
  });
}
