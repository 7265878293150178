import { spawn } from 'node:child_process';
import type { Cleanup } from '../fleet/cleanup.js';
import { killTree } from '../stream/proc.js';
import type { ApprovalArgs } from './args.js';
import { progress } from './progress.js';
import type { PhaseResult } from './result.js';
import { ASKING_AGENT, controlFlags, lowerLikeAnAgent } from './stand-in.js';
import { readStamps } from './stamps.js';

/**
 * The baseline: the same number of stand-ins at once, each answered by this process as soon as its request arrives,
 * with no hub, worker or chat in between. What is left is the stand-ins' own time and the pipes.
 */
export async function runBaselinePhase(args: ApprovalArgs, cleanup: Cleanup): Promise<PhaseResult> {
  const visibleMs: number[] = [];
  const unblockedMs: number[] = [];
  const problems: string[] = [];
  let answeredTwice = 0;
  let answered = 0;
  let failedTasks = 0;
  const started = Date.now();
  progress(`baseline: ${args.tasks} stand-ins at once, ${args.asks} prompts each`);

  const runs = Array.from({ length: args.tasks }, (_, i) =>
    new Promise<void>((resolve) => {
      const child = spawn(process.execPath, [ASKING_AGENT, ...controlFlags], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
      lowerLikeAnAgent(child.pid);
      const forget = cleanup.add(() => killTree(child.pid));
      const sentAt = new Map<string, number>();
      let text = '';
      let buffer = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (data: string) => {
        buffer += data;
        for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          text += line + '\n';
          const msg = JSON.parse(line) as { type: string; request_id?: string; request?: { input?: { command?: string } } };
          if (msg.type === 'control_request' && msg.request_id && msg.request) {
            // Answered at once, as the parent of a CLI would (an SDK's can_use_tool returning allow).
            const n = /file-(\d+)/.exec(msg.request.input?.command ?? '')?.[1] ?? '?';
            sentAt.set(n, Date.now());
            child.stdin.write(JSON.stringify({ type: 'control_response', response: { subtype: 'success', request_id: msg.request_id, response: { behavior: 'allow', updatedInput: msg.request.input } } }) + '\n');
          } else if (msg.type === 'result') {
            child.stdin.end();
          }
        }
      });
      child.stderr.on('data', (d: Buffer) => problems.length < 5 && problems.push(`stand-in ${i}: ${d.toString().trim().slice(0, 200)}`));
      child.on('exit', (code) => {
        forget();
        if (code !== 0) failedTasks++;
        const { stamps, duplicates } = readStamps(text);
        answeredTwice += duplicates;
        for (const s of stamps) {
          if (s.behavior !== 'allow') continue;
          answered++;
          const sent = sentAt.get(String(s.n));
          // The request is seen when the answer is sent (at once): asked -> sent is the way there.
          if (sent !== undefined) {
            visibleMs.push(sent - s.asked);
            unblockedMs.push(s.answered - sent);
          }
        }
        resolve();
      });
      child.stdin.write(JSON.stringify({ type: 'user', message: { role: 'user', content: `asks=${args.asks}` }, parent_tool_use_id: null, session_id: '' }) + '\n');
    }),
  );
  await Promise.all(runs);
  const asked = args.tasks * args.asks;
  return { asked, answered, lost: asked - answered, answeredTwice, visibleMs, unblockedMs, wallS: (Date.now() - started) / 1000, failedTasks, problems };
}
