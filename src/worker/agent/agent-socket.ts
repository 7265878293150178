import { chmodSync, rmSync } from 'node:fs';
import net from 'node:net';
import { errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { AgentRequest, type AgentReply } from './agent-request.js';
import type { Answer, MailRequests } from './mail-requests.js';

/** A request line longer than this is refused: the largest valid one (a 100,000-character text, escaped) is smaller. */
const MAX_LINE_BYTES = 1024 * 1024;

/** The worker's local socket for its agents' requests (`pia mail`). */
export interface AgentSocket {
  path: string;
  close(): Promise<void>;
}

/**
 * The worker's local socket for its agents: `pia mail` in a task connects here (PIA_WORKER_SOCKET), names its task
 * by the task's token (PIA_TASK_TOKEN) and gets JSON lines back. Only the worker's user can open it (mode 0600),
 * and only a running task's token is accepted.
 */
export async function startAgentSocket(deps: {
  path: string;
  mail: MailRequests;
  /** The running task a token belongs to. */
  taskOfToken: (token: string) => string | undefined;
  log: Logger;
}): Promise<AgentSocket> {
  const { log } = deps;
  const server = net.createServer((socket) => {
    let buffer = '';
    let busy = false;
    const stops: Array<() => void> = [];
    const reply = (r: AgentReply) => socket.write(JSON.stringify(r) + '\n');
    const fail = (message: string) => {
      reply({ type: 'error', message });
      socket.end();
    };
    socket.setEncoding('utf8');
    socket.on('error', () => undefined); // the agent went away; nothing to tell it
    socket.on('close', () => stops.forEach((stop) => stop()));
    socket.on('data', (data: string) => {
      if (busy) return;
      buffer += data;
      if (Buffer.byteLength(buffer) > MAX_LINE_BYTES) return fail('request too large');
      const nl = buffer.indexOf('\n');
      if (nl < 0) return;
      busy = true; // one request per connection
      let parsed;
      try {
        parsed = AgentRequest.safeParse(JSON.parse(buffer.slice(0, nl)));
      } catch {
        return fail('not a JSON request');
      }
      if (!parsed.success) return fail(`bad request: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; ')}`);
      const req = parsed.data;
      const taskId = deps.taskOfToken(req.token);
      if (!taskId) return fail('PIA_TASK_TOKEN does not belong to a running task on this worker');
      const onAnswer = req.wait
        ? (answer: Answer) => {
            reply({ type: 'answer', ...answer });
            socket.end();
          }
        : undefined;
      deps.mail
        .send({ taskId, to: req.to, subject: req.subject, text: req.text }, onAnswer)
        .then((sent) => {
          reply({ type: 'sent', messageId: sent.messageId, address: sent.address });
          if (!req.wait) return socket.end();
          stops.push(sent.stopWaiting);
          log.info({ taskId, messageId: sent.messageId }, 'agent waits for the answer to its mail');
        })
        .catch((err: unknown) => fail(errorMessage(err)));
    });
  });
  if (process.platform !== 'win32') rmSync(deps.path, { force: true }); // a socket file left by a worker that died
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(deps.path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  if (process.platform !== 'win32') chmodSync(deps.path, 0o600);
  server.on('error', (err) => log.warn({ err: errorMessage(err) }, 'agent socket error'));
  return {
    path: deps.path,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        if (process.platform !== 'win32') rmSync(deps.path, { force: true });
      }),
  };
}
