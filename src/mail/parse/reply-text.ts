import {
  ATTRIBUTION_START,
  ATTRIBUTIONS,
  DEVICE_SIGNATURES,
  FORWARD_MARKER,
  HEADER_FROM,
  HEADER_SENT,
  HEADER_SUBJECT,
  LIST_FOOTER,
  ORIGINAL_MESSAGE,
  OUTLOOK_RULE,
  QUOTED,
  SHORT_SIGNATURE_LINES,
  SIGNATURE,
  SIGNATURE_TRIMMED,
} from './reply-markers.js';
import { fencedLines, isBlank, joinTidy, splitLines } from './text-lines.js';

/** How far below "From:" Outlook's "Sent:" and "Subject:" may be (a long "To:" list wraps over several lines). */
const HEADER_BLOCK_LINES = 8;

/** The most lines Gmail wraps an attribution over. */
const ATTRIBUTION_LINES = 3;

/**
 * Only what the sender wrote in this mail.
 *
 * Cut, with everything after them: a quoted reply introduced by Gmail's, Apple Mail's or Thunderbird's "On ...
 * wrote:" (also wrapped over lines, and in other languages: "Am ... schrieb ...:", "Le ... a écrit :", ...),
 * Outlook's "-----Original Message-----", its "From: / Sent: / Subject:" block and the `____` rule above it, a
 * mailing list's footer, and a signature below the standard `-- ` line.
 *
 * Dropped where they stand: lines quoted with `>` (so answers written between quotes are kept) and "Sent from my
 * iPhone"-style lines.
 *
 * Kept: a sign-off such as "Thanks, Ada" (it cannot be told from content, and only what is surely not the task is
 * cut), and a forward the sender marked as one ("---------- Forwarded message ---------"), as it is usually what the
 * task is about. Code fences are never looked into, and kept lines keep their indentation; blank lines are trimmed
 * at both ends and runs of them collapsed.
 */
export function newText(text: string): string {
  const lines = splitLines(text);
  const fenced = fencedLines(lines);
  const attributions = new Set<number>();
  const end = signatureEnd(lines, fenced, cutIndex(lines, fenced, attributions));
  const kept: string[] = [];
  const keptFenced: boolean[] = [];
  for (let i = 0; i < end; i++) {
    const line = lines[i]!;
    if (!fenced[i] && (attributions.has(i) || QUOTED.test(line) || isDeviceSignature(line))) continue;
    kept.push(line);
    keptFenced.push(fenced[i]!);
  }
  return joinTidy(kept, keptFenced);
}

/**
 * The first line of what is not the sender's (or the line count when all is). Attribution lines that introduce a
 * `>` quote rather than end the text are added to `attributions`, to be dropped along with the quote.
 */
function cutIndex(lines: readonly string[], fenced: readonly boolean[], attributions: Set<number>): number {
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    if (fenced[i] || QUOTED.test(raw)) continue;
    if (SIGNATURE.test(raw)) return i;
    const line = raw.trim();
    if (ORIGINAL_MESSAGE.test(line)) return i;
    if (OUTLOOK_RULE.test(line)) {
      const next = nextContent(lines, i + 1);
      if (next !== undefined && (isHeaderBlock(lines, next) || LIST_FOOTER.test(lines[next]!.trim()))) return i;
      continue;
    }
    if (isHeaderBlock(lines, i) && !isForwarded(lines, i)) return i;
    const span = attributionSpan(lines, fenced, i);
    if (span === 0) continue;
    const next = nextContent(lines, i + span);
    if (next !== undefined && QUOTED.test(lines[next]!)) {
      // An attribution above a `>` quote: drop both, but keep reading, since answers may follow between quotes.
      for (let k = i; k < i + span; k++) attributions.add(k);
      i += span - 1;
      continue;
    }
    // Not followed by a quote (Outlook-style unquoted original below): only trusted when it names an address.
    if (lines.slice(i, i + span).some((l) => l.includes('@'))) return i;
  }
  return lines.length;
}

/**
 * Moves the end up to a bare "--" line when only a few lines follow it: clients that trim trailing spaces turn the
 * "-- " delimiter into that, but a lone "--" above real content is left alone. Walks up from the end once, so a
 * mail of many "--" lines costs no more than one of few.
 */
function signatureEnd(lines: readonly string[], fenced: readonly boolean[], end: number): number {
  let found = end;
  let content = 0;
  for (let i = end - 1; i >= 0 && content <= SHORT_SIGNATURE_LINES; i--) {
    const line = lines[i]!;
    if (fenced[i]) break;
    if (SIGNATURE_TRIMMED.test(line)) found = i;
    if (!isBlank(line) && !QUOTED.test(line)) content++;
  }
  return found;
}

/** How many lines (1 to 3) form an attribution starting at `i`, or 0 if none does. */
function attributionSpan(lines: readonly string[], fenced: readonly boolean[], i: number): number {
  if (!ATTRIBUTION_START.test(lines[i]!.trim())) return 0;
  const parts: string[] = [];
  for (let k = 0; k < ATTRIBUTION_LINES && i + k < lines.length; k++) {
    const line = lines[i + k]!;
    if (fenced[i + k] || isBlank(line) || QUOTED.test(line)) return 0;
    parts.push(line.trim());
    const joined = parts.join(' ');
    if (joined.length > 500) return 0;
    if (/\d/.test(joined) && ATTRIBUTIONS.some((re) => re.test(joined))) return k + 1;
  }
  return 0;
}

/** Whether an Outlook-style header block ("From:", then "Sent:" and "Subject:") starts at line `i`. */
function isHeaderBlock(lines: readonly string[], i: number): boolean {
  if (!HEADER_FROM.test(lines[i]!.trim())) return false;
  const below = lines.slice(i + 1, i + 1 + HEADER_BLOCK_LINES).map((l) => l.trim());
  return below.some((l) => HEADER_SENT.test(l)) && below.some((l) => HEADER_SUBJECT.test(l));
}

/** Whether the header block at `i` sits under a forward marker. */
function isForwarded(lines: readonly string[], i: number): boolean {
  for (let k = i - 1; k >= 0; k--) {
    if (!isBlank(lines[k]!)) return FORWARD_MARKER.test(lines[k]!.trim());
  }
  return false;
}

/** The index of the next non-blank line from `from`, if any. */
function nextContent(lines: readonly string[], from: number): number | undefined {
  for (let k = from; k < lines.length; k++) if (!isBlank(lines[k]!)) return k;
  return undefined;
}

function isDeviceSignature(line: string): boolean {
  const t = line.trim();
  return DEVICE_SIGNATURES.some((re) => re.test(t));
}
