import type { AgentAdapter } from './adapter.js';
import { aiderAdapter } from './aider.js';
import { claudeAdapter } from './claude.js';
import { codexAdapter } from './codex.js';
import { cursorAdapter } from './cursor.js';
import { geminiAdapter } from './gemini.js';
import { opencodeAdapter } from './opencode.js';

/** Every built-in adapter, by name (the names of AGENT_CATALOG in src/protocol/agent-catalog.ts). */
export const ADAPTERS: ReadonlyMap<string, AgentAdapter> = new Map(
  [claudeAdapter, codexAdapter, geminiAdapter, opencodeAdapter, cursorAdapter, aiderAdapter].map((a) => [a.name, a]),
);

/** The adapter of a built-in agent or output format. */
export function adapterOf(name: string): AgentAdapter | undefined {
  return ADAPTERS.get(name);
}
