/** One permission prompt, as the stand-in agent timed it (its own clock). */
export interface Stamp {
  n: number;
  asked: number;
  answered: number;
  behavior: string;
}

/** The stamps and duplicate answers in a stand-in's output (stream-json lines or PIA's rendered text). */
export function readStamps(text: string): { stamps: Stamp[]; duplicates: number } {
  const stamps: Stamp[] = [];
  for (const m of text.matchAll(/stamp (\d+) asked=(\d+) answered=(\d+) behavior=([\w ]+)/g)) {
    stamps.push({ n: Number(m[1]), asked: Number(m[2]), answered: Number(m[3]), behavior: m[4]! });
  }
  return { stamps, duplicates: [...text.matchAll(/duplicate [\w-]+/g)].length };
}
