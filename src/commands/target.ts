/**
 * The placement target of the command language: `any`, `any[gpu]`, `any[os=linux,repo=acme/app]`, `any[gpu]x3`, or
 * one bare comparison such as `gpu.mem>=24`. Only the grammar lives here; what a label means is the hub's business
 * (src/hub/placement). A mistake is reported with the character it was found at.
 */

/** How a constraint compares a label: present, absent, equal, different, or a numeric comparison. */
export type ConstraintOp = 'has' | 'not' | '=' | '!=' | '>=' | '<=' | '>' | '<';

/** One hard constraint of a target: every one must hold for a machine to qualify. */
export interface Constraint {
  /** The label's name, lowercase: `os`, `gpu.mem`, `repo`, a tag. */
  key: string;
  op: ConstraintOp;
  /** The value as written (lowercase), for `=` and `!=`, and for comparisons. */
  value?: string;
  /** The value as a number (in GB for sizes written `24g`, `1tb`), for comparisons. */
  number?: number;
}

/** "Pick the best machine(s) that meet these constraints." */
export interface AnyTarget {
  kind: 'any';
  constraints: Constraint[];
  /** How many distinct machines (`x3`); 1 unless said. */
  count: number;
  /** The target as written, for replies. */
  text: string;
}

/** A target that could not be read, and the 0-based character it went wrong at. */
export class TargetError extends Error {
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message);
  }
}

/** The most machines one target may ask for. */
export const MAX_TARGET_COUNT = 100;

const KEY = /[a-z0-9_.-]/;
const VALUE = /[a-z0-9_.:/@+-]/;
const OPS = ['>=', '<=', '!=', '=', '>', '<'] as const;
const SIZE_UNITS: Record<string, number> = { '': 1, g: 1, gb: 1, gib: 1, t: 1024, tb: 1024, tib: 1024, m: 1 / 1024, mb: 1 / 1024, mib: 1 / 1024 };

/** Whether a machine word is a target rather than a name: `any...`, or a comparison like `gpu.mem>=24`. */
export function looksLikeTarget(word: string): boolean {
  return /^any(?:$|\[|x\d)/i.test(word) || /[=<>]/.test(word);
}

/** Reads a target; throws a {@link TargetError} pointing at the first character that does not fit. */
export function parseTarget(input: string): AnyTarget {
  const src = input.toLowerCase();
  let i = 0;
  const constraints: Constraint[] = [];
  let count = 1;
  const fail = (message: string, at = i): never => {
    throw new TargetError(message, Math.min(at, src.length));
  };
  const spaces = () => {
    while (src[i] === ' ') i++;
  };

  function constraint(inList: boolean): Constraint {
    spaces();
    const negated = src[i] === '!';
    if (negated) i++;
    const keyStart = i;
    while (i < src.length && KEY.test(src[i]!)) i++;
    const key = src.slice(keyStart, i);
    if (!key) fail(src[i] === undefined || src[i] === ']' || src[i] === ',' ? 'a label name is missing here' : `"${src[i]}" cannot start a label name (letters, digits, _ . -)`);
    if (!/^[a-z0-9]/.test(key)) fail('a label name starts with a letter or a digit', keyStart);
    spaces();
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) {
      const end = i >= src.length || (inList && (src[i] === ',' || src[i] === ']'));
      if (!end) fail(`"${src[i]}" is not expected here; write a comparison (= != >= <= > <)${inList ? ', "," or "]"' : ''}`);
      return { key, op: negated ? 'not' : 'has' };
    }
    if (negated) fail('"!" negates a bare label (any[!gpu]); to compare, write key!=value', keyStart - 1);
    i += op.length;
    spaces();
    const valueStart = i;
    while (i < src.length && VALUE.test(src[i]!)) i++;
    const value = src.slice(valueStart, i);
    if (!value) fail(src[i] === undefined || src[i] === ']' || src[i] === ',' ? `a value is missing after "${op}"` : `"${src[i]}" is not allowed in a value`);
    spaces();
    if (op === '=' || op === '!=') return { key, op, value };
    const size = /^(\d+(?:\.\d+)?)([a-z]*)$/.exec(value);
    const unit = size ? SIZE_UNITS[size[2]!] : undefined;
    if (!size || unit === undefined) fail(`"${op}" compares numbers; "${value}" is not a number (sizes in GB: 24, 24g, 1tb)`, valueStart);
    return { key, op, value, number: Number(size![1]) * unit! };
  }

  if (src.startsWith('any')) {
    i = 3;
    if (src[i] === '[') {
      i++;
      spaces();
      if (src[i] === ']') fail('the list is empty: drop the brackets for any machine, or name a label');
      for (;;) {
        constraints.push(constraint(true));
        if (src[i] === ',') {
          i++;
          continue;
        }
        if (src[i] === ']') {
          i++;
          break;
        }
        fail(i >= src.length ? 'the list is not closed: "]" is missing' : `"${src[i]}" is not expected here; write "," or "]"`);
      }
    }
    if (src[i] === 'x') {
      const at = i;
      i++;
      const digits = /^\d+/.exec(src.slice(i))?.[0];
      if (!digits) fail('a count follows "x", e.g. any[gpu]x3');
      count = Number(digits);
      i += digits!.length;
      if (count < 1 || count > MAX_TARGET_COUNT) fail(`the count must be 1 to ${MAX_TARGET_COUNT}`, at + 1);
    }
    if (i < src.length) fail(`"${src[i]}" is not expected after the target`);
  } else {
    constraints.push(constraint(false));
    if (i < src.length) fail(`"${src[i]}" is not expected here`);
    if (constraints[0]!.op === 'has' || constraints[0]!.op === 'not') fail('a bare label is a machine name; write any[label] to pick by label', 0);
  }
  return { kind: 'any', constraints, count, text: input.trim() };
}

/** A target error as a person reads it: the message, the target, and a caret under the character. */
export function describeTargetError(input: string, err: TargetError): string {
  return `Cannot read the target at character ${err.at + 1}: ${err.message}.\n  ${input}\n  ${' '.repeat(err.at)}^`;
}

/** One constraint as written. */
export function formatConstraint(c: Constraint): string {
  if (c.op === 'has') return c.key;
  if (c.op === 'not') return `!${c.key}`;
  return `${c.key}${c.op}${c.value}`;
}

/**
 * Splits a list of machine words at the commas outside brackets: `m2,any[os=linux,gpu]x2` is two words. Each part
 * keeps its offset in the text, so an error inside it can still point at the character.
 */
export function splitTargets(text: string): Array<{ word: string; at: number }> {
  const parts: Array<{ word: string; at: number }> = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    const ch = text[i];
    if (ch === '[') depth++;
    else if (ch === ']') depth = Math.max(0, depth - 1);
    else if ((ch === ',' && depth === 0) || i === text.length) {
      if (i > start) parts.push({ word: text.slice(start, i), at: start });
      start = i + 1;
    }
  }
  return parts;
}
