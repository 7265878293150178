import { PiaError } from '../../common/errors.js';
import { tokenize } from '../../commands/tokenize.js';
import type { ApprovalQuestion } from '../../protocol/approvals.js';

/** One question's answer from what a person typed: "2", "1,3", a label, or their own words. */
function answerOne(q: ApprovalQuestion, text: string, code: string): string {
  const words = text.trim();
  if (/^\d+(\s*,\s*\d+)*$/.test(words)) {
    const picks = [...new Set(words.split(',').map((n) => Number(n.trim())))];
    if (picks.length > 1 && !q.multiSelect) throw new PiaError('approval_invalid', `"${q.question.slice(0, 80)}" takes one choice; answer ${code} with one number.`);
    const labels = picks.map((n) => {
      const option = q.options[n - 1];
      if (!option) throw new PiaError('approval_invalid', `There is no choice ${n} for "${q.question.slice(0, 80)}"; pick 1 to ${q.options.length}.`);
      return option.label;
    });
    return labels.join(', ');
  }
  const label = q.options.find((o) => o.label.toLowerCase() === words.toLowerCase());
  // Anything else is the person's own answer: AskUserQuestion takes free text too.
  return label ? label.label : words;
}

/**
 * The answers to an agent's questions, keyed by question text as AskUserQuestion reads them. With one question the
 * whole text answers it; with several, one word (or quoted phrase) per question, in order.
 */
export function answersFor(questions: ApprovalQuestion[], text: string, code: string): Record<string, string> {
  if (questions.length === 0) throw new PiaError('approval_invalid', `Approval ${code} asks no question; approve or deny it.`);
  const parts = questions.length === 1 ? [text] : tokenize(text).map((t) => t.value);
  if (parts.length !== questions.length) {
    throw new PiaError('approval_invalid', `The agent asks ${questions.length} questions: answer each, in order, e.g. answer ${code} ${questions.map(() => '1').join(' ')}`);
  }
  const answers: Record<string, string> = {};
  questions.forEach((q, i) => {
    const a = answerOne(q, parts[i]!, code);
    if (!a) throw new PiaError('approval_invalid', `Give an answer to "${q.question.slice(0, 80)}".`);
    answers[q.question] = a.slice(0, 2000);
  });
  return answers;
}
