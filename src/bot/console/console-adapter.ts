import { clearLine, createInterface, cursorTo, type Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { toTerminal } from '../../present/markup.js';
import type { BotCore, Button, ChatPort, OutMessage, PostedMessage, ThreadRef } from '../port.js';

/** The console chat: commands typed at a prompt, threads rendered as indented live lines. */
export interface ConsoleAdapter {
  port: ChatPort;
  start(): void;
  stop(): void;
}

/** Text from elsewhere (warnings from the log) to show above the prompt: the console attaches its printer. */
export interface ConsoleNotices {
  attach(print: (text: string) => void): void;
  detach(): void;
}

interface Shown {
  thread: string;
  text: string;
  codeLines: string[];
}

/**
 * Creates the console adapter: the way to try PIA with no Slack or Discord account. Each command starts a thread
 * (`#1`, `#2`...); its messages print indented under a thread marker, and edits print only what changed (new output
 * lines, a new state line). `>2 more text` replies in thread 2 (continuing its task); `confirm` / `dismiss` /
 * `cancel` press the newest such button.
 */
export function createConsoleAdapter(deps: { core: BotCore; input: Readable; output: Writable; user: string; prompt?: string; notices?: ConsoleNotices }): ConsoleAdapter {
  let threads = 0;
  let messages = 0;
  const shown = new Map<string, Shown>();
  const buttons: Array<Button & { thread: string; message: string }> = [];
  let rl: Interface | undefined;

  const tty = (deps.output as { isTTY?: boolean }).isTTY === true;
  /** Writes above the prompt: the half-typed line is cleared first and drawn again after. */
  const write = (text: string) => {
    if (tty && rl) {
      clearLine(deps.output, 0);
      cursorTo(deps.output, 0);
    }
    deps.output.write(text);
    rl?.prompt(true);
  };
  const indent = (thread: string, lines: string[]) => lines.map((l) => `  #${thread} │ ${l}`).join('\n') + '\n';

  function buttonHint(thread: string, list: Button[]): string {
    const words = [...new Set(list.map((b) => pressWord(b)))];
    // Approvals are answered in their thread (several may wait at once); confirmations also by the bare word.
    const approval = list.some((b) => isApproval(b));
    return list.map((b) => `[${b.label}]`).join(' ') + (approval ? `  (type ${words.map((w) => `>${thread} ${w}`).join(' or ')})` : `  (type ${words.join(' or ')}, or >${thread} ${words[0]})`);
  }

  function render(thread: string, msg: OutMessage, id: string): string {
    let out = indent(thread, toTerminal(msg.text, tty).split('\n'));
    if (msg.code) out += indent(thread, msg.code.split('\n').map((l) => `    ${l}`));
    if (msg.buttons?.length) {
      out += indent(thread, [buttonHint(thread, msg.buttons)]);
      for (const b of msg.buttons) buttons.push({ ...b, thread, message: id });
    }
    return out;
  }

  const port: ChatPort = {
    platform: 'console',
    keepsHistory: true,
    limits: { maxMessageChars: 100_000, maxCodeChars: 20_000, postsPerSecond: 100, updatesPerSecond: 100, burst: 100 },
    async post(where, message): Promise<PostedMessage> {
      const thread = where.thread ?? String(++threads);
      const id = String(++messages);
      shown.set(id, { thread, text: message.text, codeLines: message.code?.split('\n') ?? [] });
      write((where.thread ? '' : `\n● thread #${thread}\n`) + render(thread, message, id));
      return { thread: { channel: where.channel, thread }, id };
    },
    async update(target, next) {
      const before = shown.get(target.id);
      if (!before) return;
      const lines: string[] = [];
      if (next.text !== before.text) lines.push(...toTerminal(next.text, tty).split('\n').filter((l, i) => l !== toTerminal(before.text, tty).split('\n')[i]));
      const code = next.code?.split('\n') ?? [];
      // Print the output lines not shown yet: find where the old tail ends inside the new one.
      const overlap = longestOverlap(before.codeLines, code);
      const fresh = code.slice(overlap).filter((l) => l.length > 0);
      let out = lines.length ? indent(before.thread, lines) : '';
      if (fresh.length) out += indent(before.thread, fresh.map((l) => `    ${l}`));
      // The message's buttons are what it shows now: a settled approval's buttons are gone.
      for (let i = buttons.length - 1; i >= 0; i--) if (buttons[i]!.message === target.id) buttons.splice(i, 1);
      for (const b of next.buttons ?? []) buttons.push({ ...b, thread: before.thread, message: target.id });
      shown.set(target.id, { thread: before.thread, text: next.text, codeLines: code });
      if (out) write(out);
    },
    async attach(where: ThreadRef, file) {
      write(indent(where.thread ?? '?', [`📎 ${file.title} (${file.filename}, ${file.content.length} characters): see pia logs`]));
    },
  };

  function onLine(line: string): void {
    const text = line.trim();
    if (!text) return rl?.prompt();
    const word = text.toLowerCase();
    const button = [...buttons].reverse().find((b) => pressWord(b) === word);
    if (button && (word === 'confirm' || word === 'dismiss')) {
      void deps.core.press({ actor: deps.user, actionId: button.actionId, value: button.value, where: { channel: 'console', thread: button.thread } }, port);
      return;
    }
    const reply = /^>(\d+)\s+([\s\S]+)$/.exec(text);
    // `>4 confirm` presses thread 4's button, as the hint under it says.
    const inThread = reply ? [...buttons].reverse().find((b) => b.thread === reply[1] && pressWord(b) === reply[2]!.trim().toLowerCase()) : undefined;
    if (inThread) {
      void deps.core.press({ actor: deps.user, actionId: inThread.actionId, value: inThread.value, where: { channel: 'console', thread: inThread.thread } }, port);
      return;
    }
    if (reply && Number(reply[1]) > threads) {
      write(`  No thread #${reply[1]}${threads ? ` (threads so far: #1 to #${threads})` : ' yet'}; a reply goes into a thread that a command started.\n`);
      return;
    }
    if (reply) {
      void deps.core.handle({ actor: deps.user, text: reply[2]!, where: { channel: 'console', thread: reply[1]! }, isReply: true }, port);
      return;
    }
    void deps.core.handle({ actor: deps.user, text, where: { channel: 'console' }, isReply: false }, port);
  }

  return {
    port,
    start() {
      rl = createInterface({ input: deps.input, output: deps.output, prompt: deps.prompt ?? 'pia> ', terminal: tty });
      rl.on('line', onLine);
      deps.output.write('PIA console: type a command (`help`, `status`, `run local "..."`), `>N text` to reply in thread N.\n');
      deps.notices?.attach(write);
      rl.prompt();
    },
    stop() {
      deps.notices?.detach();
      rl?.close();
      rl = undefined;
    },
  };
}

const isApproval = (b: Button) => ['approve_once', 'approve_task', 'approve_always', 'deny_approval', 'answer_choice'].includes(b.actionId);

/** The word that presses a button: `>4 allow` in thread 4 allows what its agent waits for. */
function pressWord(b: Button): string {
  switch (b.actionId) {
    case 'cancel_task':
      return `cancel ${b.value}`;
    case 'wake_machine':
      return `wake ${b.value}`;
    case 'approve_once':
      return 'allow';
    case 'approve_task':
      return 'allow task';
    case 'approve_always':
      return 'allow always';
    case 'deny_approval':
      return 'deny';
    case 'answer_choice':
      return b.value.split(':')[1] ?? '';
    default:
      return b.actionId;
  }
}

/** How many leading lines of `next` were already shown as the end of `prev`. */
function longestOverlap(prev: string[], next: string[]): number {
  for (let k = Math.min(prev.length, next.length); k > 0; k--) {
    let same = true;
    for (let i = 0; i < k; i++) {
      if (prev[prev.length - k + i] !== next[i]) {
        same = false;
        break;
      }
    }
    if (same) return k;
  }
  return 0;
}
