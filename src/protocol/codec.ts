import type { z } from 'zod';
import { CloseCode } from './close-codes.js';
import { HubMessage, PROTOCOL_VERSION, WorkerMessage, hubMessageTypes, workerMessageTypes } from './messages.js';

/** The result of decoding one frame: the message, or the close code and reason to end the link with. */
export type Decoded<T> = { ok: true; message: T } | { ok: false; code: number; reason: string };

/**
 * Parses one text frame. Each kind of failure gets its own close code: not JSON, no or unknown `type`,
 * a hello in another protocol version, a known type with a wrong shape. Reasons stay under the 123 bytes
 * a close frame can carry.
 */
function decode<S extends z.ZodType>(raw: string, schema: S, known: ReadonlySet<string>): Decoded<z.infer<S>> {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { ok: false, code: CloseCode.invalidJson, reason: 'frame is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, code: CloseCode.invalidMessage, reason: 'frame must be a JSON object' };
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string' || !known.has(type)) {
    return { ok: false, code: CloseCode.unknownType, reason: clip(`unknown message type ${JSON.stringify(type)}`) };
  }
  const protocol = (value as { protocol?: unknown }).protocol;
  if ((type === 'hello' || type === 'welcome') && protocol !== PROTOCOL_VERSION) {
    return {
      ok: false,
      code: CloseCode.unsupportedVersion,
      reason: clip(`protocol ${JSON.stringify(protocol)} not supported; this side speaks ${PROTOCOL_VERSION}`),
    };
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : type;
    return { ok: false, code: CloseCode.invalidMessage, reason: clip(`invalid ${type}: ${where}: ${issue?.message ?? 'bad shape'}`) };
  }
  return { ok: true, message: parsed.data };
}

/** Decodes a frame a worker sent. */
export function decodeWorkerMessage(raw: string): Decoded<WorkerMessage> {
  return decode(raw, WorkerMessage, workerMessageTypes);
}

/** Decodes a frame the hub sent. */
export function decodeHubMessage(raw: string): Decoded<HubMessage> {
  return decode(raw, HubMessage, hubMessageTypes);
}

/** Encodes a message for the wire. */
export function encode(message: z.input<typeof WorkerMessage> | z.input<typeof HubMessage>): string {
  return JSON.stringify(message);
}

/** Close reasons are limited to 123 bytes by RFC 6455. */
export function clip(reason: string): string {
  const buf = Buffer.from(reason);
  if (buf.length <= 123) return reason;
  return buf.subarray(0, 120).toString('utf8').replace(/\uFFFD$/, '') + '...';
}
