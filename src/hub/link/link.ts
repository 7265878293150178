import type { WebSocket } from 'ws';
import { encode } from '../../protocol/codec.js';
import type { HubMessage } from '../../protocol/messages.js';

/** One authenticated worker link. */
export interface Link {
  machineId: number;
  machine: string;
  /** Remote address of the socket, for logs and relay decisions. */
  address: string | null;
  linkedAt: number;
  /** How many tasks the worker runs at once (from its hello). */
  maxTasks: number;
  /** Last heartbeat (or any frame), epoch ms: what people are shown. */
  lastSeenMs: number;
  /** The same moment on the monotonic clock: what liveness is judged by, so a wall-clock step cannot fake silence. */
  heardMonoMs: number;
  send(message: HubMessage): void;
  /** Closes the link; nothing the worker sends afterwards is handled. */
  close(code: number, reason: string): void;
}

/** Wraps a socket as a {@link Link}; `close` ends the connection (the link server's guard). */
export function createLink(
  ws: WebSocket,
  machineId: number,
  machine: string,
  address: string | null,
  nowMs: number,
  monoMs: number,
  maxTasks: number,
  close: (code: number, reason: string) => void,
): Link {
  return {
    machineId,
    machine,
    address,
    maxTasks,
    linkedAt: nowMs,
    lastSeenMs: nowMs,
    heardMonoMs: monoMs,
    send(message) {
      if (ws.readyState === ws.OPEN) ws.send(encode(message));
    },
    close,
  };
}
