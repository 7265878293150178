import type { App, Receiver, ReceiverEvent } from '@slack/bolt';
import { z } from 'zod';
import { errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { checkSlackSignature, headerValue, type RequestHeaders } from './verify-signature.js';

/**
 * A Bolt receiver for Slack's HTTP mode that owns no server: the hub's own HTTP server hands each request to
 * {@link SlackHttpReceiver.handleRequest} (raw body and headers in, status and body out). It verifies the
 * signature, answers Slack's URL check, and replies as soon as a listener acknowledges, while the listener goes
 * on with the work.
 */

/** What to send back to Slack. */
export interface SlackHttpResponse {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

/** Serves one Slack request: the raw body exactly as received (the signature covers its bytes) and the headers. */
export type SlackRequestHandler = (rawBody: string, headers: RequestHeaders) => Promise<SlackHttpResponse>;

/** A Bolt receiver driven by the hub's HTTP server. */
export interface SlackHttpReceiver extends Receiver {
  handleRequest: SlackRequestHandler;
}

/** Dependencies of {@link createSlackHttpReceiver}. */
export interface SlackHttpReceiverDeps {
  signingSecret: string;
  log: Logger;
  /** The clock the signature's timestamp is checked against. */
  now?: () => number;
  /** How long to wait for a listener's acknowledgement; Slack gives up after 3 s. */
  ackTimeoutMs?: number;
}

const JsonObject = z.record(z.string(), z.unknown());
type JsonObject = z.infer<typeof JsonObject>;

const text = (status: number, body = ''): SlackHttpResponse => ({ status, headers: { 'content-type': 'text/plain' }, body });
const json = (value: unknown): SlackHttpResponse => ({
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(value),
});

/** Slash commands arrive form-encoded, interactions as a form field `payload` holding JSON, events as JSON. */
function parseBody(rawBody: string, formEncoded: boolean): JsonObject {
  if (!formEncoded) return JsonObject.parse(JSON.parse(rawBody));
  const form = new URLSearchParams(rawBody);
  const payload = form.get('payload');
  if (payload !== null) return JsonObject.parse(JSON.parse(payload));
  return Object.fromEntries(form.entries());
}

/** What an `ack(response)` from a listener becomes on the wire. */
function ackResponse(response: unknown): SlackHttpResponse {
  if (response === undefined || response === '') return text(200);
  if (typeof response === 'string') return text(200, response);
  return json(response);
}

/** Creates the receiver; pass it to `new App({ receiver })`, then mount `handleRequest` on POST /slack/events. */
export function createSlackHttpReceiver(deps: SlackHttpReceiverDeps): SlackHttpReceiver {
  const now = deps.now ?? Date.now;
  const ackTimeoutMs = deps.ackTimeoutMs ?? 2_500;
  const log = deps.log;
  let app: App | undefined;
  let running = false;
  const inFlight = new Set<Promise<unknown>>();

  /** Hands a verified body to Bolt; resolves with the HTTP answer as soon as a listener acknowledges. */
  function dispatch(bolt: App, body: JsonObject, headers: RequestHeaders): Promise<SlackHttpResponse> {
    return new Promise((resolve) => {
      let answered = false;
      const answer = (response: SlackHttpResponse): void => {
        if (answered) return;
        answered = true;
        clearTimeout(timer);
        resolve(response);
      };
      const timer = setTimeout(() => {
        log.warn({ type: body.type }, 'no Slack listener acknowledged in time; Slack will show an error or retry');
        answer(text(503, 'not acknowledged in time'));
      }, ackTimeoutMs);

      let acked = false;
      const retryNum = Number(headerValue(headers, 'x-slack-retry-num'));
      const retryReason = headerValue(headers, 'x-slack-retry-reason');
      const event: ReceiverEvent = {
        body,
        ...(Number.isInteger(retryNum) ? { retryNum } : {}),
        ...(retryReason !== undefined ? { retryReason } : {}),
        ack: async (response?: unknown): Promise<void> => {
          if (acked) throw new Error('Slack request acknowledged twice');
          acked = true;
          answer(ackResponse(response));
        },
      };

      const work = bolt
        .processEvent(event)
        .then(() => {
          // Every listener finished and none acknowledged: nothing here handles this kind of request.
          if (!acked) answer(text(404, 'no handler'));
        })
        .catch((err: unknown) => {
          log.error({ err: errorMessage(err), type: body.type }, 'Slack request failed in Bolt');
          answer(text(500));
        })
        .finally(() => inFlight.delete(work));
      inFlight.add(work);
    });
  }

  return {
    init(bolt: App): void {
      app = bolt;
    },

    async start(): Promise<void> {
      running = true;
    },

    /** Refuses new requests, then waits for the ones being handled. */
    async stop(): Promise<void> {
      running = false;
      await Promise.allSettled([...inFlight]);
    },

    async handleRequest(rawBody: string, headers: RequestHeaders): Promise<SlackHttpResponse> {
      if (!running || app === undefined) return text(503, 'PIA is not ready for Slack yet');
      const formEncoded = (headerValue(headers, 'content-type') ?? '').startsWith('application/x-www-form-urlencoded');
      // Slack's SSL check comes unsigned and wants only a 200; nothing in it is trusted or processed.
      if (formEncoded && new URLSearchParams(rawBody).get('ssl_check') === '1') return text(200);

      const check = checkSlackSignature(deps.signingSecret, rawBody, headers, now());
      if (!check.ok) {
        log.warn({ reason: check.reason }, 'refused a Slack request with a bad signature');
        return text(401, 'invalid signature');
      }

      let body: JsonObject;
      try {
        body = parseBody(rawBody, formEncoded);
      } catch (err) {
        log.warn({ err: errorMessage(err) }, 'refused a signed Slack request whose body does not parse');
        return text(400, 'unreadable body');
      }
      // The one-time check when the Request URL is saved in the app settings.
      if (body.type === 'url_verification') return json({ challenge: body.challenge });
      return dispatch(app, body, headers);
    },
  };
}
