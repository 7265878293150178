import { inertText } from '../../common/inert-text.js';
import type { ApprovalKind, ApprovalQuestion } from '../../protocol/approvals.js';

/** What a person is shown of a tool use the agent asks for. */
export interface ToolSummary {
  kind: ApprovalKind;
  /** One line: the command, the file, the URL, the first question. Inert and short. */
  summary: string;
  /** A short diff, the file's first lines, the plan, the agent's reason. Inert and short. */
  detail?: string;
  questions?: ApprovalQuestion[];
}

const SUMMARY_CHARS = 300;
const DETAIL_CHARS = 3000;
const DIFF_LINES = 12;

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const obj = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** The first `n` lines of text, each prefixed; "… N more lines" when there are more. */
function lines(text: string, prefix: string, n = DIFF_LINES): string[] {
  const all = text.split('\n');
  const shown = all.slice(0, n).map((l) => `${prefix}${l}`);
  if (all.length > n) shown.push(`  … ${all.length - n} more lines`);
  return shown;
}

function questionsOf(input: Record<string, unknown>): ApprovalQuestion[] {
  const raw = Array.isArray(input.questions) ? input.questions.slice(0, 4) : [];
  // The agent's input is parsed, not trusted: a question or an option that is not an object counts as empty.
  return raw.map(obj).map((q) => ({
    question: inertText(str(q.question), 500),
    ...(str(q.header) ? { header: inertText(str(q.header), 60, { oneLine: true }) } : {}),
    options: (Array.isArray(q.options) ? q.options.slice(0, 8) : []).map(obj).map((o) => ({
      label: inertText(str(o.label), 100, { oneLine: true }),
      ...(str(o.description) ? { description: inertText(str(o.description), 300, { oneLine: true }) } : {}),
    })),
    multiSelect: q.multiSelect === true,
  }));
}

/**
 * Describes a tool use for a person: the command line for Bash, the file and a short diff for an edit, the file and
 * its first lines for a write, the URL for a fetch, the questions for AskUserQuestion, the plan for ExitPlanMode.
 * Everything is made inert and cut (see {@link inertText}): a 1 MB command is shown as its start.
 */
export function summarizeToolUse(tool: string, input: Record<string, unknown>, reason?: string): ToolSummary {
  const one = (text: string) => inertText(text, SUMMARY_CHARS, { oneLine: true });
  const block = (text: string) => inertText(text, DETAIL_CHARS);
  const why = reason ? [`Why it asks: ${reason}`] : [];
  const file = str(input.file_path) || str(input.notebook_path) || str(input.path);
  switch (tool) {
    case 'AskUserQuestion': {
      const questions = questionsOf(input);
      return { kind: 'question', summary: one(questions[0]?.question ?? 'a question'), questions };
    }
    case 'ExitPlanMode': {
      const plan = str(input.plan);
      const first = plan.split('\n').find((l) => l.trim()) ?? 'its plan';
      return { kind: 'plan', summary: one(first.replace(/^#+\s*/, '')), ...(plan ? { detail: block(plan) } : {}) };
    }
    case 'Bash': {
      const description = str(input.description);
      const detail = [...(description ? [`(${description})`] : []), ...why].join('\n');
      return { kind: 'tool', summary: one(str(input.command)), ...(detail ? { detail: block(detail) } : {}) };
    }
    case 'Edit': {
      const diff = [...lines(str(input.old_string), '- '), ...lines(str(input.new_string), '+ ')];
      return { kind: 'tool', summary: one(file), detail: block([...diff, ...why].join('\n')) };
    }
    case 'MultiEdit': {
      const edits = Array.isArray(input.edits) ? (input.edits as Array<Record<string, unknown>>) : [];
      const diff = edits.slice(0, 3).flatMap((e) => [...lines(str(e.old_string), '- ', 4), ...lines(str(e.new_string), '+ ', 4)]);
      const more = edits.length > 3 ? [`  … ${edits.length - 3} more edits`] : [];
      return { kind: 'tool', summary: one(`${file} (${edits.length} edits)`), detail: block([...diff, ...more, ...why].join('\n')) };
    }
    case 'Write':
      return { kind: 'tool', summary: one(file), detail: block([...lines(str(input.content), '+ '), ...why].join('\n')) };
    case 'NotebookEdit':
      return { kind: 'tool', summary: one(file), detail: block([...lines(str(input.new_source), '+ '), ...why].join('\n')) };
    case 'WebFetch':
      return { kind: 'tool', summary: one(str(input.url)), ...(why.length || str(input.prompt) ? { detail: block([str(input.prompt), ...why].filter(Boolean).join('\n')) } : {}) };
    case 'WebSearch':
      return { kind: 'tool', summary: one(str(input.query)), ...(why.length ? { detail: block(why.join('\n')) } : {}) };
    default: {
      // An unknown tool (an MCP server's): its input as JSON is the honest summary.
      let json = '';
      try {
        json = JSON.stringify(input) ?? '';
      } catch {
        json = '(input not shown)';
      }
      return { kind: 'tool', summary: one(file || json), ...(why.length ? { detail: block(why.join('\n')) } : {}) };
    }
  }
}
