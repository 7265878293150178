/**
 * WebSocket close codes the hub uses on a worker link. 4000-4999 are private-use codes (RFC 6455 7.4.2); each
 * failure has its own so a worker (and a person reading its log) knows exactly why the link ended.
 */
export const CloseCode = {
  /** The frame was not valid JSON. */
  invalidJson: 4000,
  /** The frame's `type` is not one this side knows. */
  unknownType: 4001,
  /** The hello spoke a protocol version this hub does not. */
  unsupportedVersion: 4002,
  /** The frame had a known type but a wrong shape. */
  invalidMessage: 4003,
  /** A binary frame where only JSON may come: before the hello (and, to a worker, anything binary from the hub). */
  binaryFrame: 4004,
  /** A binary output frame that does not decode (see output-frame.ts). */
  invalidOutputFrame: 4006,
  /** A message arrived out of order (anything before hello, a second hello). */
  protocolViolation: 4005,
  /** No hello within the handshake deadline. */
  helloTimeout: 4008,
  /** No heartbeat within the offline deadline. */
  heartbeatTimeout: 4010,
  /** The credential was unknown, used, expired or revoked. */
  authRefused: 4401,
  /** The machine was removed or its credentials revoked while linked. */
  revoked: 4403,
  /** The same machine linked again; the older link is closed. */
  replaced: 4409,
  /** The hub holds too much output it could not store yet (a full disk): reconnect later and replay. */
  tryAgainLater: 1013,
  /** The hub is shutting down. */
  hubShutdown: 1001,
  /** Frame over the size limit (set by the ws library itself). */
  tooBig: 1009,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** Close codes after which reconnecting with the same credential cannot succeed. */
export const fatalCloseCodes: ReadonlySet<number> = new Set([
  CloseCode.authRefused,
  CloseCode.revoked,
  CloseCode.unsupportedVersion,
]);
