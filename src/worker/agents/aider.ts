import type { AgentEvent } from '../../protocol/agent-events.js';
import type { AgentAdapter, AgentParser } from './adapter.js';
import { finalText, oneLine, textEvent } from './parse-helpers.js';

/** "3.1k" -> 3100, "1.2M" -> 1200000: Aider abbreviates its token counts. */
function count(text: string): number {
  const m = /^([\d.,]+)([kKmM]?)$/.exec(text);
  if (!m) return 0;
  const n = Number(m[1]!.replace(/,/g, ''));
  return Math.round(n * (m[2] === 'k' || m[2] === 'K' ? 1e3 : m[2] === 'm' || m[2] === 'M' ? 1e6 : 1));
}

const banner = /^(Aider v\d|Weak model:|Editor model:|Git repo:|Repo-map:|Added .* to the chat\.$|Restored previous conversation history\.$|Use \/help)/;
const model = /^(?:Main model|Model): (\S+)/;
const tokens = /^Tokens: (\S+) sent.*?, (\S+) received\.(?: Cost: \$(\S+) message, \$(\S+) session\.)?/;
const applied = /^Applied edit to (.+)$/;
const notApplied = /^Did not apply edit to (.+?)(?: \((.+)\))?$/;
const commit = /^Commit ([0-9a-f]{7,40}) (.*)$/;
const running = /^Running (.+)$/;
const failedMatch = /^# \d+ SEARCH\/REPLACE blocks? failed to match!/;
/** A model call that failed: a litellm exception, or one of Aider's own explanations of one. */
/** The first characters of every line the patterns above match: any other line is reply text, without a regex. */
const special = new Set([...'AMWEGRUTDC#l'].map((c) => c.charCodeAt(0)));
const apiError = /^(litellm\.\w+(Error|Exception)\b|The API provider is not able to authenticate you|The API provider's servers are down|The API provider has rate limited you|Model .* not found|API key .*not set)/;

function parser(agent: string, session: string): AgentParser {
  let announced = false;
  let inBlock = false;
  let reply = '';
  let error: string | undefined;
  let cost: number | undefined;
  /** Reply lines not yet shown: one text event per paragraph, not one per line. */
  let pending = '';

  function flush(): AgentEvent[] {
    if (!pending) return [];
    const text = pending;
    reply += text;
    pending = '';
    return [textEvent(text)];
  }

  function announce(modelName?: string): AgentEvent[] {
    if (announced) return [];
    announced = true;
    return [{ kind: 'session', sessionId: session, agent, ...(modelName ? { model: modelName } : {}) }];
  }

  return {
    line(raw) {
      // Most lines are reply text: they cost a look at their first character, not a regex each.
      const line = raw.length > 0 && raw.charCodeAt(raw.length - 1) <= 32 ? raw.trimEnd() : raw;
      const first = line.charCodeAt(0);
      if (inBlock) {
        if (first === 62 /* > */ && line.startsWith('>>>>>>> REPLACE')) inBlock = false;
        return [];
      }
      if (first === 60 /* < */ && line.startsWith('<<<<<<< SEARCH')) {
        inBlock = true;
        return [];
      }
      const own = special.has(first) ? aiderLine(line) : undefined;
      if (own === undefined) {
        // Reply text: gathered into a paragraph.
        if (line.length === 0) return flush();
        pending += line + '\n';
        return [];
      }
      const before = flush();
      return before.length ? [...before, ...own] : own;
    },
    end() {
      const last = flush();
      // Aider exits 0 even when the model call failed: what it printed says whether it did.
      const text = error ?? (reply.trim() || 'Aider gave no reply.');
      const isError = error !== undefined || !reply.trim();
      return [...last, ...announce(), { kind: 'result', text: finalText(text.trim()), isError, ...(cost !== undefined && Number.isFinite(cost) ? { costUsd: cost } : {}), sessionId: session }];
    },
  };

  /** The events of one of Aider's own lines (its banner, an edit, a commit, usage, an error); undefined for reply text. */
  function aiderLine(line: string): AgentEvent[] | undefined {
    let x: RegExpExecArray | null;
    // By first character, so a reply line is matched only against the patterns that could be it.
    switch (line[0]) {
      case 'M':
        if ((x = model.exec(line))) return announce(x[1]);
        break;
      case 'A':
        if (banner.test(line)) return [];
        if ((x = applied.exec(line))) return [{ kind: 'tool', tool: 'edit', detail: oneLine(x[1]!) }, { kind: 'tool_done', tool: 'edit', detail: oneLine(x[1]!), ok: true }];
        break;
      case 'W':
      case 'E':
      case 'G':
      case 'U':
        if (banner.test(line)) return [];
        break;
      case 'R':
        if (banner.test(line)) return [];
        if ((x = running.exec(line))) return [{ kind: 'tool', tool: 'shell', detail: oneLine(x[1]!) }];
        break;
      case 'T':
        if ((x = tokens.exec(line))) {
          cost = x[4] !== undefined ? Number(x[4]) : undefined;
          return [{ kind: 'usage', inputTokens: count(x[1]!), outputTokens: count(x[2]!), ...(cost !== undefined && Number.isFinite(cost) ? { costUsd: cost } : {}) }];
        }
        break;
      case 'D':
        if ((x = notApplied.exec(line))) return [{ kind: 'tool', tool: 'edit', detail: oneLine(x[1]!) }, { kind: 'tool_done', tool: 'edit', detail: oneLine(x[1]!), ok: false, error: x[2] ?? 'not applied' }];
        break;
      case 'C':
        if ((x = commit.exec(line))) return [{ kind: 'tool', tool: 'commit', detail: oneLine(`${x[1]} ${x[2]}`) }];
        break;
      case '#':
        if (failedMatch.test(line)) return [textEvent(`⚠ ${line}`)];
        break;
      default:
        break;
    }
    if (apiError.test(line)) {
      error = error ? `${error}\n${line}` : line;
      return [textEvent(line)];
    }
    return undefined;
  }
}

/** A chat history file per session, in the workspace: what continues an Aider "session". */
const historyFile = (session: string) => `.aider.${session}.chat.history.md`;

/**
 * Aider: `aider --message=<p> --yes-always --no-pretty` (text, no JSON mode). It has no session ids: each PIA
 * session is its own chat history file in the workspace (`.aider.pia-<task>.chat.history.md`), and a follow-up
 * restores it. `--yes-always` never runs the shell commands it suggests. Plan mode is its ask chat mode, with
 * `--dry-run` so nothing is written.
 */
export const aiderAdapter: AgentAdapter = {
  name: 'aider',
  modes: ['plan', 'edits', 'full'],
  argv(run) {
    const session = run.session ?? aiderAdapter.newSession!(run.taskId);
    return [
      run.program,
      `--message=${run.prompt}`,
      ...(run.mode === 'plan' ? ['--chat-mode=ask', '--dry-run'] : ['--yes-always']),
      '--no-pretty',
      '--no-stream',
      '--no-check-update',
      '--no-show-release-notes',
      '--analytics-disable',
      '--no-fancy-input',
      `--chat-history-file=${historyFile(session)}`,
      `--input-history-file=.aider.${session}.input.history`,
      ...(run.session ? ['--restore-chat-history'] : []),
    ];
  },
  env: () => ({ NO_COLOR: '1', COLUMNS: '1000' }),
  newSession: (taskId) => `pia-${taskId}`,
  parser: (ctx) => parser(ctx.agent, ctx.resumeSession ?? `pia-${ctx.taskId}`),
};
