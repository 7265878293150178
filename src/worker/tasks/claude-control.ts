import { randomBytes } from 'node:crypto';

/**
 * Claude Code's stdin/stdout control protocol (`-p --input-format stream-json --output-format stream-json
 * --permission-prompt-tool stdio`), as the Agent SDKs speak it: we write user messages and control requests on its
 * stdin, one JSON object a line; it writes its events on stdout, among them `control_request`s it waits on (a tool it
 * needs permission for) and `control_cancel_request`s that withdraw one. The SDKs' source is the reference for the
 * shapes (claude-agent-sdk-python, `_internal/query.py`).
 */

/** A tool use Claude Code asks permission for (`can_use_tool`). */
export interface PermissionRequest {
  /** The CLI's id for the request: the answer must carry it. */
  requestId: string;
  tool: string;
  input: Record<string, unknown>;
  toolUseId?: string;
  /** Rules the CLI offers to remember (PermissionUpdate objects, passed back as they are). */
  suggestions: Array<Record<string, unknown>>;
  /** Why it asks (a hook's reason, a rule). */
  reason?: string;
}

/** How the session's owner hears of what the CLI writes. */
export interface ControlHandlers {
  /** Every stdout line that is not part of the protocol itself (events: init, assistant, user, result...). */
  onEvent(line: string): void;
  onPermission(request: PermissionRequest): void;
  /** The CLI withdrew a request (interrupted): it no longer reads an answer to it. */
  onCancel(requestId: string): void;
  /** A `result` line: the turn ended. */
  onResult(): void;
}

/** Where the session writes: the CLI's stdin. */
export interface ControlInput {
  write(line: string): void;
  end(): void;
}

/** One Claude Code process driven over its control protocol. */
export interface ClaudeControl {
  /** Feeds one stdout line. */
  line(raw: string): void;
  /** Sends a user message (the prompt). */
  sendUser(text: string): void;
  allow(requestId: string, updatedInput: Record<string, unknown>, updatedPermissions?: Array<Record<string, unknown>>): void;
  deny(requestId: string, message: string): void;
  /** Asks the CLI to stop the current turn (cancel): it withdraws pending requests and ends the turn with a result. */
  interrupt(): void;
  /** Closes its stdin: after a result the CLI exits; while it waits on a request it would deny that request. */
  endInput(): void;
  readonly inputEnded: boolean;
}

const obj = (v: unknown): Record<string, unknown> | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Creates a session over a CLI's stdin; feed it the CLI's stdout lines. */
export function createClaudeControl(input: ControlInput, handlers: ControlHandlers): ClaudeControl {
  let ended = false;
  let counter = 0;

  function send(message: unknown): void {
    if (ended) return;
    input.write(JSON.stringify(message) + '\n');
  }

  function respond(requestId: string, response: Record<string, unknown>): void {
    send({ type: 'control_response', response: { subtype: 'success', request_id: requestId, response } });
  }

  function onControlRequest(requestId: string, request: Record<string, unknown>): void {
    if (request.subtype === 'can_use_tool') {
      const suggestions = Array.isArray(request.permission_suggestions) ? request.permission_suggestions.map(obj).filter((s) => s !== undefined) : [];
      const reason = str(request.decision_reason);
      const toolUseId = str(request.tool_use_id);
      handlers.onPermission({
        requestId,
        tool: str(request.tool_name) ?? 'tool',
        input: obj(request.input) ?? {},
        suggestions,
        ...(toolUseId ? { toolUseId } : {}),
        ...(reason ? { reason } : {}),
      });
      return;
    }
    // Hooks and SDK MCP servers are never registered by PIA: say so rather than leave the CLI waiting.
    send({ type: 'control_response', response: { subtype: 'error', request_id: requestId, error: `PIA does not handle ${String(request.subtype)} requests` } });
  }

  return {
    line(raw) {
      let msg: Record<string, unknown> | undefined;
      try {
        msg = obj(JSON.parse(raw));
      } catch {
        msg = undefined;
      }
      if (!msg) return handlers.onEvent(raw);
      switch (msg.type) {
        case 'control_request': {
          const requestId = str(msg.request_id);
          const request = obj(msg.request);
          if (requestId && request) onControlRequest(requestId, request);
          return;
        }
        case 'control_cancel_request': {
          const requestId = str(msg.request_id);
          if (requestId) handlers.onCancel(requestId);
          return;
        }
        case 'control_response':
          return; // the answer to our interrupt: nothing waits on it
        case 'result':
          handlers.onEvent(raw);
          return handlers.onResult();
        default:
          return handlers.onEvent(raw);
      }
    },
    sendUser(text) {
      send({ type: 'user', message: { role: 'user', content: text }, parent_tool_use_id: null, session_id: '' });
    },
    allow(requestId, updatedInput, updatedPermissions) {
      respond(requestId, { behavior: 'allow', updatedInput, ...(updatedPermissions?.length ? { updatedPermissions } : {}) });
    },
    deny(requestId, message) {
      // Without `interrupt`: with it the CLI replaces the message by its stock text, and the agent should learn why.
      respond(requestId, { behavior: 'deny', message });
    },
    interrupt() {
      send({ type: 'control_request', request_id: `req_${++counter}_${randomBytes(4).toString('hex')}`, request: { subtype: 'interrupt' } });
    },
    endInput() {
      if (ended) return;
      ended = true;
      input.end();
    },
    get inputEnded() {
      return ended;
    },
  };
}
