import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { clip } from '../../protocol/codec.js';

/** Ends one worker connection (a bad frame, or the hub closing the link) so that nothing it sends afterwards costs the hub. */
export interface ConnectionGuard {
  /** True once the connection has failed: frames still arriving must not be handled. */
  readonly failed: boolean;
  /**
   * Fails the connection: stops reading, sends a close frame with `code` and `reason`, ends the hub's side, and
   * destroys the socket if it lingers past the deadline. Returns false when it had already failed (so a fault is
   * logged and counted once per connection).
   */
  fail(code: number, reason: string): boolean;
  /** The ws library failed the connection itself (frame too big, invalid UTF-8): bound how long it lingers. */
  failedByLibrary(): boolean;
  /** Clears the deadline (the socket closed). */
  dispose(): void;
}

/**
 * Guards a connection as RFC 6455 7.1.7 ("Fail the WebSocket Connection") asks: after a fault the hub processes
 * no further data from the peer. ws would otherwise go on parsing and emitting frames until the peer answers the
 * close, which a hostile peer never does, and each frame would be refused, logged and counted again. The socket
 * is paused (the kernel's window then throttles the peer), our side is ended after the close frame so a
 * well-behaved peer sees the close at once, and whatever remains is destroyed after `deadlineMs`.
 */
export function guardConnection(ws: WebSocket, socket: Duplex, deadlineMs: number): ConnectionGuard {
  let failed = false;
  let deadline: NodeJS.Timeout | undefined;

  function linger(): void {
    deadline = setTimeout(() => ws.terminate(), deadlineMs);
    deadline.unref();
  }

  return {
    get failed() {
      return failed;
    },
    fail(code, reason) {
      if (failed) return false;
      failed = true;
      ws.pause();
      if (ws.readyState === ws.OPEN) {
        ws.close(code, clip(reason));
        // The close frame is written synchronously (no compression on this server); FIN follows it.
        if (!socket.writableEnded) socket.end();
      }
      linger();
      return true;
    },
    failedByLibrary() {
      if (failed) return false;
      failed = true;
      // ws has already sent its close frame and ends its side once that is written; it keeps draining the socket,
      // so only the deadline is ours to set.
      linger();
      return true;
    },
    dispose() {
      if (deadline) clearTimeout(deadline);
    },
  };
}
