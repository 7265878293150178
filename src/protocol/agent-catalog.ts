/**
 * The coding agents PIA drives out of the box, with what each can do. The worker's adapters (src/worker/agents)
 * implement them; the hub reads this table to refuse what an agent cannot do before a task is queued (ask mode on an
 * agent that cannot ask) and to suggest a name for a typo.
 */

/** What an agent CLI supports, as PIA drives it. */
export interface AgentCapabilities {
  /** It can stop and ask a person (PIA turns the question into an approval): the only kind allowed in `ask` mode. */
  approvals: boolean;
  /** A follow-up continues its session. */
  resume: boolean;
  /** It reports what a run cost. */
  cost: boolean;
  /** It reports tokens. */
  tokens: boolean;
}

/** A built-in agent. */
export interface CatalogAgent {
  name: string;
  title: string;
  /** Program names, in the order tried on PATH. */
  programs: string[];
  capabilities: AgentCapabilities;
  /** How to install it. */
  install: string;
}

/** The built-in agents, by name. */
export const AGENT_CATALOG: readonly CatalogAgent[] = [
  { name: 'claude', title: 'Claude Code', programs: ['claude'], capabilities: { approvals: true, resume: true, cost: true, tokens: true }, install: 'npm install -g @anthropic-ai/claude-code' },
  { name: 'codex', title: 'OpenAI Codex', programs: ['codex'], capabilities: { approvals: false, resume: true, cost: false, tokens: true }, install: 'npm install -g @openai/codex' },
  { name: 'gemini', title: 'Gemini CLI', programs: ['gemini'], capabilities: { approvals: false, resume: true, cost: false, tokens: true }, install: 'npm install -g @google/gemini-cli' },
  { name: 'opencode', title: 'opencode', programs: ['opencode'], capabilities: { approvals: false, resume: true, cost: true, tokens: true }, install: 'npm install -g opencode-ai' },
  { name: 'cursor', title: 'Cursor CLI', programs: ['cursor-agent', 'agent'], capabilities: { approvals: false, resume: true, cost: false, tokens: false }, install: 'curl https://cursor.com/install -fsS | bash' },
  { name: 'aider', title: 'Aider', programs: ['aider'], capabilities: { approvals: false, resume: true, cost: true, tokens: true }, install: 'python -m pip install aider-install && aider-install' },
];

/** A built-in agent by name. */
export function catalogAgent(name: string): CatalogAgent | undefined {
  return AGENT_CATALOG.find((a) => a.name === name);
}

/** The built-in agents that can ask a person (the ones `ask` mode runs on). */
export function agentsThatAsk(): string[] {
  return AGENT_CATALOG.filter((a) => a.capabilities.approvals).map((a) => a.name);
}

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const next = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = row[j]!;
      row[j] = next;
    }
  }
  return row[b.length]!;
}

/** The closest of `names` to a mistyped `name` (a prefix, or at most a third of its letters off), if any. */
export function closestName(name: string, names: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  const prefix = names.find((n) => n.startsWith(lower) || lower.startsWith(n));
  if (prefix && lower.length >= 2) return prefix;
  let best: { n: string; d: number } | undefined;
  for (const n of names) {
    const d = distance(lower, n);
    if (d <= Math.max(1, Math.floor(n.length / 3)) && (!best || d < best.d)) best = { n, d };
  }
  return best?.n;
}
