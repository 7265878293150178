import net from 'node:net';
import { PiaError } from '../common/errors.js';
import type { AgentReply, AgentRequest } from '../worker/agent/agent-request.js';

/**
 * Sends one request to the worker that runs this task (over PIA_WORKER_SOCKET) and calls `onReply` for each
 * JSON line it answers, until it hangs up. Only works inside a task: the worker put both variables in its
 * agent's environment.
 */
export function askWorker(env: NodeJS.ProcessEnv, request: Omit<AgentRequest, 'token'>, onReply: (reply: AgentReply) => void): Promise<void> {
  const socketPath = env.PIA_WORKER_SOCKET;
  const token = env.PIA_TASK_TOKEN;
  if (!socketPath || !token) {
    throw new PiaError(
      'task_not_running',
      'pia mail works inside a task a PIA worker runs (it needs PIA_WORKER_SOCKET and PIA_TASK_TOKEN). From anywhere else, mail the machine\'s address or use pia run.',
    );
  }
  return new Promise((resolve, reject) => {
    const socket = net.createConnection(socketPath);
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(JSON.stringify({ ...request, token }) + '\n'));
    socket.on('data', (data: string) => {
      buffer += data;
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.trim()) onReply(JSON.parse(line) as AgentReply);
      }
    });
    socket.on('error', (err) => reject(new PiaError('worker_unreachable', `Cannot reach this machine's PIA worker at ${socketPath}: ${err.message}`)));
    socket.on('close', () => resolve());
  });
}
