/**
 * The benchmark's stand-in agent: it speaks Claude Code's control protocol as the real CLI does (the prompt is the
 * first user message on stdin; each tool use that needs permission is a `control_request` / `can_use_tool` it waits
 * on; it exits when stdin ends after its result), without a model or a 370 MB binary, so 200 of them fit on two cores.
 * `asks=N` in the prompt: N permission prompts, one after the other. For each it prints when it asked and when the
 * answer came (its own clock): `stamp <n> asked=<ms> answered=<ms> behavior=<allow|deny>`; an answer to a request it
 * no longer waits on prints `duplicate <id>`.
 */
import { randomUUID } from 'node:crypto';

const out = (obj: unknown) => process.stdout.write(JSON.stringify(obj) + '\n');
const say = (text: string) => out({ type: 'assistant', message: { content: [{ type: 'text', text }] } });

const waiting = new Map<string, (answer: { behavior?: string }) => void>();
let onPrompt: (text: string) => void = () => undefined;
const prompt = new Promise<string>((resolve) => (onPrompt = resolve));
let onEnd: () => void = () => undefined;
const ended = new Promise<void>((resolve) => (onEnd = resolve));

let buffer = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (data: string) => {
  buffer += data;
  for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
    const line = buffer.slice(0, i);
    buffer = buffer.slice(i + 1);
    let msg: { type?: string; message?: { content?: unknown }; response?: { request_id?: string; response?: { behavior?: string } } };
    try {
      msg = JSON.parse(line) as typeof msg;
    } catch {
      continue;
    }
    if (msg.type === 'user') onPrompt(String(msg.message?.content ?? ''));
    if (msg.type === 'control_response') {
      const id = msg.response?.request_id ?? '';
      const resolve = waiting.get(id);
      if (!resolve) say(`duplicate ${id}`);
      waiting.delete(id);
      resolve?.(msg.response?.response ?? {});
    }
  }
});
process.stdin.on('end', () => {
  for (const resolve of waiting.values()) resolve({ behavior: 'stream closed' });
  onEnd();
});

const text = await prompt;
const session = randomUUID();
out({ type: 'system', subtype: 'init', session_id: session });
const asks = Number(/asks=(\d+)/.exec(text)?.[1] ?? 0);
for (let n = 1; n <= asks; n++) {
  const requestId = randomUUID();
  const input = { command: `touch file-${n}.txt`, description: `step ${n}` };
  out({ type: 'assistant', message: { content: [{ type: 'tool_use', id: `toolu_${n}`, name: 'Bash', input }] } });
  const answer = new Promise<{ behavior?: string }>((resolve) => waiting.set(requestId, resolve));
  const asked = Date.now();
  out({
    type: 'control_request',
    request_id: requestId,
    request: { subtype: 'can_use_tool', tool_name: 'Bash', input, tool_use_id: `toolu_${n}`, permission_suggestions: [{ type: 'addRules', rules: [{ toolName: 'Bash', ruleContent: input.command }], behavior: 'allow', destination: 'localSettings' }] },
  });
  const a = await answer;
  say(`stamp ${n} asked=${asked} answered=${Date.now()} behavior=${a.behavior ?? '?'}`);
}
out({ type: 'result', subtype: 'success', is_error: false, result: `asked ${asks} times`, session_id: session, num_turns: asks + 1 });
await ended;
