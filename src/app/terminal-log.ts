import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { logOptions } from '../common/logger.js';

/** Where log lines that concern the person at the terminal are shown: above the console's prompt. */
export interface TerminalNotices {
  /** Shows text above the prompt (stdout until the console has attached). */
  show(text: string): void;
  /** The console attaches its printer, which redraws the prompt after the text. */
  attach(print: (text: string) => void): void;
  detach(): void;
}

/** The hub's logger when a person uses the console chat: everything to a file, warnings and errors on screen. */
export interface TerminalLog {
  log: Logger;
  file: string;
  notices: TerminalNotices;
}

/**
 * Keeps the `pia>` prompt readable: log lines go to `<data dir>/pia.log` (JSON, one per line), and only warnings and
 * errors are also shown at the terminal, once each, as one short line above the prompt.
 */
export function createTerminalLog(dataDir: string, level: string): TerminalLog {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, 'pia.log');
  let print: ((text: string) => void) | undefined;
  const screen = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        const text = noticeText(line);
        if (print) print(text);
        else process.stderr.write(text);
      }
      done();
    },
  });
  const streams = pino.multistream([
    { level: level as pino.Level, stream: pino.destination({ dest: file, mkdir: true, sync: false, mode: 0o600 }) },
    { level: 'warn', stream: screen },
  ]);
  return {
    log: pino({ ...logOptions(), level }, streams),
    file,
    notices: {
      show: (text) => (print ? print(text) : void process.stdout.write(text)),
      attach: (p) => void (print = p),
      detach: () => void (print = undefined),
    },
  };
}

/** One log record as a line for a person: "⚠ <message> (<component>)". */
function noticeText(json: string): string {
  try {
    const r = JSON.parse(json) as { level?: number; msg?: string; component?: string; err?: { message?: string } | string };
    const mark = (r.level ?? 40) >= 50 ? '✖' : '⚠';
    const err = typeof r.err === 'string' ? r.err : r.err?.message;
    return `${mark} ${r.msg ?? ''}${err ? `: ${err}` : ''}${r.component ? ` (${r.component})` : ''}\n`;
  } catch {
    return json + '\n';
  }
}
