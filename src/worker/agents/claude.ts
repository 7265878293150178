import { parseClaudeLine } from '../tasks/claude-stream.js';
import type { AgentAdapter } from './adapter.js';

/** Claude Code's permission modes for PIA's task modes. */
export const claudeModes = { plan: 'plan', ask: 'default', edits: 'acceptEdits', full: 'bypassPermissions' } as const;

/**
 * Claude Code over its control protocol (src/worker/tasks/claude-control.ts): the prompt is a user message on its
 * stdin, never an argument, and what it asks permission for becomes an approval. The session goes inside
 * `--resume=`, so an id starting with "-" cannot be read as an option. Its stream-json is parsed by claude-stream.ts.
 */
export const claudeAdapter: AgentAdapter = {
  name: 'claude',
  modes: ['plan', 'ask', 'edits', 'full'],
  argv(run) {
    return [
      run.program,
      '-p',
      '--input-format',
      'stream-json',
      '--output-format',
      'stream-json',
      '--verbose',
      '--permission-prompt-tool',
      'stdio',
      `--permission-mode=${claudeModes[run.mode]}`,
      ...(run.session ? [`--resume=${run.session}`] : []),
    ];
  },
  parser(ctx) {
    return { line: (raw) => parseClaudeLine(raw, ctx.refusals), end: () => [] };
  },
};
