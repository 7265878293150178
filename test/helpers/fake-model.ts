import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A scripted stand-in for Anthropic's Messages API on 127.0.0.1, for driving the real Claude Code CLI offline
 * (ANTHROPIC_BASE_URL points at it). Each main-loop request (one that carries `tools`) is answered by the script
 * with Anthropic's streaming SSE events; requests without tools get a short text. The CLI calls
 * `/v1/messages?beta=true` and sends `role: "system"` entries in `messages`: both are accepted.
 */

/** A content block the model "says". */
export type ModelBlock = { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

/** What the script returns for one request. */
export interface ModelReply {
  blocks: ModelBlock[];
}

/** A request as the CLI sent it. */
export interface ModelRequest {
  path: string;
  body: { messages?: Array<{ role: string; content: unknown }>; tools?: unknown[]; model?: string; stream?: boolean };
}

/** The tool results in the newest user message of a request (what the CLI reports back after a tool use). */
export function toolResults(body: ModelRequest['body']): Array<{ tool_use_id: string; content: unknown; is_error?: boolean }> {
  for (const m of [...(body.messages ?? [])].reverse()) {
    if (m.role === 'assistant') return [];
    if (Array.isArray(m.content) && m.content.some((c: { type?: string }) => c.type === 'tool_result')) {
      return (m.content as Array<{ type: string; tool_use_id: string; content: unknown; is_error?: boolean }>).filter((c) => c.type === 'tool_result');
    }
  }
  return [];
}

/** The text of a tool result's content (a string, or text blocks). */
export function resultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((c: { text?: string }) => c.text ?? '').join('');
  return '';
}

/** The fake model: where it listens, what it was asked. */
export interface FakeModel {
  url: string;
  /** Main-loop requests (with tools), in order. */
  requests: ModelRequest[];
  close(): Promise<void>;
}

function sse(res: http.ServerResponse, type: string, data: object): void {
  res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
}

/** Starts the fake model; `script(body, n)` answers the n-th main-loop request (0-based). */
export async function startFakeModel(script: (body: ModelRequest['body'], n: number) => ModelReply): Promise<FakeModel> {
  const requests: ModelRequest[] = [];
  const server = http.createServer(async (req, res) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    let body: ModelRequest['body'] = {};
    try {
      body = raw ? (JSON.parse(raw) as ModelRequest['body']) : {};
    } catch {
      body = {};
    }
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === '/v1/messages/count_tokens') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ input_tokens: 42 }));
    }
    if (path !== '/v1/messages' || req.method !== 'POST') {
      res.writeHead(404, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ type: 'error', error: { type: 'not_found_error', message: 'not here' } }));
    }
    const main = Array.isArray(body.tools) && body.tools.length > 0;
    if (main) requests.push({ path, body });
    const reply = main ? script(body, requests.length - 1) : { blocks: [{ type: 'text' as const, text: 'side reply' }] };
    const stop = reply.blocks.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn';
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    sse(res, 'message_start', {
      message: { id: `msg_${requests.length}`, type: 'message', role: 'assistant', model: body.model ?? 'claude-fake', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 10, output_tokens: 1 } },
    });
    reply.blocks.forEach((b, index) => {
      if (b.type === 'text') {
        sse(res, 'content_block_start', { index, content_block: { type: 'text', text: '' } });
        sse(res, 'content_block_delta', { index, delta: { type: 'text_delta', text: b.text } });
      } else {
        sse(res, 'content_block_start', { index, content_block: { type: 'tool_use', id: b.id, name: b.name, input: {} } });
        sse(res, 'content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(b.input) } });
      }
      sse(res, 'content_block_stop', { index });
    });
    sse(res, 'message_delta', { delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: 5 } });
    sse(res, 'message_stop', {});
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
